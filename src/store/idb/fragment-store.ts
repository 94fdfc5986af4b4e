import { CorruptRecordError } from '../../core/errors.js'
import type { AbortOptions, FragmentStore } from '../../core/ports.js'
import type { FragmentId } from '../../core/types.js'
import { asBytes, compact } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertBytes, assertFragmentId, assertHashHex } from '../record.js'
import type { Connection } from './connection.js'

type FragmentKey = [string, number, string, number]

function keyOf (id: FragmentId): FragmentKey {
  return [id.tesseraHashHex, id.index, id.checksumHex, id.shardCount]
}

function idOf (key: FragmentKey): FragmentId {
  return { tesseraHashHex: key[0], index: key[1], checksumHex: key[2], shardCount: key[3] }
}

/**
 * {@link FragmentStore} over IndexedDB (store `fragments`). The key is the whole
 * {@link FragmentId} `[tesseraHashHex, index, checksumHex, shardCount]`, so `list` reads keys
 * only (never shard bytes) and one tessera's fragments are a key range.
 * Create it with `openIdbStores()`.
 */
export class IdbFragmentStore implements FragmentStore {
  readonly #conn: Connection

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection) {
    this.#conn = conn
  }

  /** Idempotent (content addressed). @throws StorageFullError, AbortError, StoreError, TypeError/RangeError for bad arguments */
  async put (id: FragmentId, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    assertBytes(bytes, 'bytes')
    const value = compact(bytes)
    await this.#conn.run(['fragments'], 'readwrite', 'put fragment', async tx => {
      await tx.objectStore('fragments').put(value, keyOf(id))
    })
  }

  /** @returns undefined when absent. @throws CorruptRecordError when the stored value is not bytes, AbortError, StoreError */
  async get (id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    const value: unknown = await this.#conn.run(['fragments'], 'readonly', 'get fragment', async tx => await tx.objectStore('fragments').get(keyOf(id)))
    if (value === undefined) return undefined
    const bytes = asBytes(value)
    if (bytes === undefined) throw new CorruptRecordError(`fragment ${id.tesseraHashHex}/${id.index}: stored value is not bytes`)
    return bytes
  }

  /** @throws AbortError, StoreError */
  async has (id: FragmentId, options: AbortOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    const key = await this.#conn.run(['fragments'], 'readonly', 'has fragment', async tx => await tx.objectStore('fragments').getKey(keyOf(id)))
    return key !== undefined
  }

  /** No error when absent. @throws AbortError, StoreError */
  async delete (id: FragmentId, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    await this.#conn.run(['fragments'], 'readwrite', 'delete fragment', async tx => {
      await tx.objectStore('fragments').delete(keyOf(id))
    })
  }

  /** Ids held, optionally for one tessera, in key order (tessera, index, checksum). @throws AbortError, StoreError */
  async list (tesseraHashHex?: string, options: AbortOptions = {}): Promise<FragmentId[]> {
    throwIfAborted(options.signal)
    if (tesseraHashHex !== undefined) assertHashHex(tesseraHashHex, 'tesseraHashHex')
    // [hash] sorts before every [hash, …] key and [hash, []] after it (arrays sort after numbers).
    const range = tesseraHashHex === undefined ? undefined : IDBKeyRange.bound([tesseraHashHex], [tesseraHashHex, []])
    const keys = await this.#conn.run(['fragments'], 'readonly', 'list fragments', async tx => await tx.objectStore('fragments').getAllKeys(range))
    return keys.map(idOf)
  }
}
