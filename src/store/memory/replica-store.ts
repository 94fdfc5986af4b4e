import type { AbortOptions, ReplicaRecord, ReplicaStore } from '../../core/ports.js'
import { throwIfAborted } from '../errors.js'
import { assertHashHex, assertPeerId, assertReplicaRecord, readReplicaRecord } from '../record.js'

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Row order of every adapter: tessera, index, holder (the IndexedDB key order). */
function byKey (a: ReplicaRecord, b: ReplicaRecord): number {
  return cmp(a.tesseraHashHex, b.tesseraHashHex) || a.index - b.index || cmp(a.holderId, b.holderId)
}

/**
 * {@link ReplicaStore} held in memory (tests, simulations, borrowed-device mode). Records are
 * copied in and out.
 * @example
 * const replicas = new MemoryReplicaStore()
 * await replicas.put({ tesseraHashHex, index: 0, holderId, kind: 'webrtc', storedAt, lastProofAt: storedAt })
 */
export class MemoryReplicaStore implements ReplicaStore {
  readonly #rows = new Map<string, ReplicaRecord>()

  /** @throws AbortError, TypeError/RangeError for a malformed record */
  async put (record: ReplicaRecord, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertReplicaRecord(record)
    const clean = readReplicaRecord(record)
    this.#rows.set(JSON.stringify([clean.tesseraHashHex, clean.index, clean.holderId]), clean)
  }

  /** @throws AbortError */
  async list (tesseraHashHex: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    return [...this.#rows.values()].filter(r => r.tesseraHashHex === tesseraHashHex).sort(byKey).map(readReplicaRecord)
  }

  /** @throws AbortError */
  async listByHolder (holderId: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertPeerId(holderId, 'holderId')
    return [...this.#rows.values()].filter(r => r.holderId === holderId).sort(byKey).map(readReplicaRecord)
  }

  /** No error when absent. @throws AbortError */
  async delete (tesseraHashHex: string, index: number, holderId: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    assertPeerId(holderId, 'holderId')
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`index: expected a non-negative integer, got ${String(index)}`)
    this.#rows.delete(JSON.stringify([tesseraHashHex, index, holderId]))
  }

  /** @throws AbortError */
  async tesseras (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    return [...new Set([...this.#rows.values()].map(r => r.tesseraHashHex))].sort(cmp)
  }
}
