import { StorageFullError } from '../../core/errors.js'

/**
 * A byte budget shared by memory stores, so tests can exercise quota behaviour
 * ({@link StorageFullError}) without filling a real disk.
 */
export class MemoryQuota {
  /** Bytes that may be held; `Infinity` for no limit. */
  readonly quotaBytes: number
  #usedBytes = 0

  /**
   * @param quotaBytes bytes that may be held (default: no limit)
   * @throws RangeError when `quotaBytes` is negative or NaN
   */
  constructor (quotaBytes = Number.POSITIVE_INFINITY) {
    if (typeof quotaBytes !== 'number') throw new TypeError(`quotaBytes: expected number, got ${typeof quotaBytes}`)
    if (!(quotaBytes >= 0)) throw new RangeError(`quotaBytes: expected a non-negative number, got ${quotaBytes}`)
    this.quotaBytes = quotaBytes
  }

  /** Bytes currently held. */
  get usedBytes (): number {
    return this.#usedBytes
  }

  /**
   * Accounts for `bytes` more, after `freed` bytes are released (an overwrite).
   * @throws StorageFullError when the result would exceed the quota; nothing changes then
   */
  reserve (bytes: number, freed = 0): void {
    const next = this.#usedBytes - freed + bytes
    if (next > this.quotaBytes) {
      const cause = new Error(`would hold ${next} of ${this.quotaBytes} bytes`)
      cause.name = 'QuotaExceededError'
      throw new StorageFullError(undefined, { cause })
    }
    this.#usedBytes = next
  }

  /** Gives back `bytes`. */
  release (bytes: number): void {
    this.#usedBytes = Math.max(0, this.#usedBytes - bytes)
  }
}

/** Quota options shared by the memory stores. */
export interface MemoryQuotaInit {
  /** Byte budget of this store alone (ignored when `quota` is given). Default: no limit. */
  quotaBytes?: number
  /** A budget shared with other memory stores, like one device's disk. */
  quota?: MemoryQuota
}

/** The quota a memory store uses for `init`. */
export function quotaFor (init: MemoryQuotaInit): MemoryQuota {
  return init.quota ?? new MemoryQuota(init.quotaBytes)
}
