import type { AbortOptions, FragmentStore } from '../../core/ports.js'
import type { FragmentId } from '../../core/types.js'
import { throwIfAborted } from '../errors.js'
import { assertBytes, assertFragmentId, assertHashHex } from '../record.js'
import { type MemoryQuota, type MemoryQuotaInit, quotaFor } from './quota.js'

/** Options of {@link MemoryFragmentStore}. */
export type MemoryFragmentStoreInit = MemoryQuotaInit

/** The map key of a fragment; shardCount is part of the identity, as in {@link FragmentId}. */
function keyOf (id: FragmentId): string {
  return `${id.tesseraHashHex}/${id.index}/${id.checksumHex}/${id.shardCount}`
}

/**
 * {@link FragmentStore} held in memory (tests, simulations). Bytes are copied in and out.
 * @example
 * const fragments = new MemoryFragmentStore({ quotaBytes: 1024 })
 * await fragments.put(id, shard) // throws StorageFullError past 1024 bytes
 */
export class MemoryFragmentStore implements FragmentStore {
  readonly #entries = new Map<string, { id: FragmentId, bytes: Uint8Array }>()
  readonly #quota: MemoryQuota

  constructor (init: MemoryFragmentStoreInit = {}) {
    this.#quota = quotaFor(init)
  }

  /** Bytes held by this store. */
  get usedBytes (): number {
    let n = 0
    for (const e of this.#entries.values()) n += e.bytes.byteLength
    return n
  }

  /** Idempotent: the id is content addressed. @throws StorageFullError, AbortError, TypeError/RangeError for bad arguments */
  async put (id: FragmentId, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    assertBytes(bytes, 'bytes')
    const key = keyOf(id)
    const previous = this.#entries.get(key)
    this.#quota.reserve(bytes.byteLength, previous?.bytes.byteLength ?? 0)
    this.#entries.set(key, { id: copyId(id), bytes: bytes.slice() })
  }

  /** @returns undefined when absent. @throws AbortError, TypeError/RangeError for a bad id */
  async get (id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    return this.#entries.get(keyOf(id))?.bytes.slice()
  }

  /** @throws AbortError, TypeError/RangeError for a bad id */
  async has (id: FragmentId, options: AbortOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    return this.#entries.has(keyOf(id))
  }

  /** No error when absent. @throws AbortError, TypeError/RangeError for a bad id */
  async delete (id: FragmentId, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    const key = keyOf(id)
    const previous = this.#entries.get(key)
    if (previous === undefined) return
    this.#entries.delete(key)
    this.#quota.release(previous.bytes.byteLength)
  }

  /** Ids held (optionally for one tessera), ordered by tessera, index, checksum. @throws AbortError */
  async list (tesseraHashHex?: string, options: AbortOptions = {}): Promise<FragmentId[]> {
    throwIfAborted(options.signal)
    if (tesseraHashHex !== undefined) assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const ids = [...this.#entries.values()]
      .map(e => copyId(e.id))
      .filter(id => tesseraHashHex === undefined || id.tesseraHashHex === tesseraHashHex)
    return ids.sort(compareIds)
  }
}

function copyId (id: FragmentId): FragmentId {
  return { tesseraHashHex: id.tesseraHashHex, index: id.index, shardCount: id.shardCount, checksumHex: id.checksumHex }
}

/** Order of fragment ids, the same as the IndexedDB key order [tessera, index, checksum, shardCount]. */
export function compareIds (a: FragmentId, b: FragmentId): number {
  return cmp(a.tesseraHashHex, b.tesseraHashHex) || a.index - b.index ||
    cmp(a.checksumHex, b.checksumHex) || a.shardCount - b.shardCount
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
