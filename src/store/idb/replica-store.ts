import type { AbortOptions, ReplicaRecord, ReplicaStore } from '../../core/ports.js'
import { throwIfAborted } from '../errors.js'
import { assertHashHex, assertPeerId, assertReplicaRecord, readReplicaRecord } from '../record.js'
import type { Connection } from './connection.js'

/**
 * {@link ReplicaStore} over IndexedDB (store `replicas`, key `[tesseraHashHex, index, holderId]`,
 * index `byHolder`). Key order gives `list` its order (index, then holder) for free.
 * Create it with `openIdbStores()`.
 */
export class IdbReplicaStore implements ReplicaStore {
  readonly #conn: Connection

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection) {
    this.#conn = conn
  }

  /** Replaces the row of (tessera, index, holder). @throws StorageFullError, StoreError, AbortError, TypeError/RangeError */
  async put (record: ReplicaRecord, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertReplicaRecord(record)
    const clean = readReplicaRecord(record)
    await this.#conn.run(['replicas'], 'readwrite', 'put replica', async tx => { await tx.objectStore('replicas').put(clean) })
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async list (tesseraHashHex: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const range = IDBKeyRange.bound([tesseraHashHex], [tesseraHashHex, []])
    const rows = await this.#conn.run(['replicas'], 'readonly', 'list replicas', async tx => await tx.objectStore('replicas').getAll(range))
    return rows.map(readReplicaRecord)
  }

  /** Rows of one holder, by tessera then index. @throws CorruptRecordError, StoreError, AbortError */
  async listByHolder (holderId: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertPeerId(holderId, 'holderId')
    const rows = await this.#conn.run(['replicas'], 'readonly', 'list replicas by holder', async tx => await tx.objectStore('replicas').index('byHolder').getAll(holderId))
    return rows.map(readReplicaRecord)
  }

  /** No error when absent. @throws StoreError, AbortError */
  async delete (tesseraHashHex: string, index: number, holderId: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    assertPeerId(holderId, 'holderId')
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`index: expected a non-negative integer, got ${String(index)}`)
    await this.#conn.run(['replicas'], 'readwrite', 'delete replica', async tx => { await tx.objectStore('replicas').delete([tesseraHashHex, index, holderId]) })
  }

  /** Tesseras with at least one row, ascending. @throws StoreError, AbortError */
  async tesseras (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    const keys = await this.#conn.run(['replicas'], 'readonly', 'list replicated tesseras', async tx => await tx.objectStore('replicas').getAllKeys())
    const out: string[] = []
    for (const k of keys) if (out[out.length - 1] !== k[0]) out.push(k[0])
    return out
  }
}
