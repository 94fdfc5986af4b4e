import type { AbortOptions, VaultSecret, VaultStore } from '../../core/ports.js'
import { throwIfAborted } from '../errors.js'
import { checkVaultSecret, readVaultSecret, throwProblem } from '../record.js'
import { type MemoryQuota, type MemoryQuotaInit, quotaFor } from './quota.js'

/** Options of {@link MemoryVaultStore}. */
export type MemoryVaultStoreInit = MemoryQuotaInit

/**
 * {@link VaultStore} held in memory: borrowed-device mode (the secret is dropped with the tab)
 * and tests. `clear` zeroes the held entropy.
 * @example
 * const vault = new MemoryVaultStore()
 * await vault.put({ entropy, language: 'en', createdAt: Date.now() })
 */
export class MemoryVaultStore implements VaultStore {
  #secret: unknown
  readonly #quota: MemoryQuota

  constructor (init: MemoryVaultStoreInit = {}) {
    this.#quota = quotaFor(init)
  }

  /**
   * Test hook: holds `value` as is, unchecked, so tests can exercise malformed stored secrets.
   */
  setRawForTesting (value: unknown): void {
    this.#secret = value
  }

  /** @returns undefined when none is held. @throws CorruptRecordError when malformed, AbortError */
  async get (options: AbortOptions = {}): Promise<VaultSecret | undefined> {
    throwIfAborted(options.signal)
    if (this.#secret === undefined) return undefined
    const s = readVaultSecret(this.#secret)
    return { ...s, entropy: s.entropy.slice() }
  }

  /** Replaces the held secret. @throws StorageFullError, AbortError, TypeError/RangeError for a malformed secret */
  async put (secret: VaultSecret, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    const problem = checkVaultSecret(secret)
    if (problem !== undefined) throwProblem(problem)
    const previous = this.#heldBytes()
    this.#quota.reserve(secret.entropy.byteLength, previous)
    this.#zero()
    this.#secret = { entropy: secret.entropy.slice(), language: secret.language, createdAt: secret.createdAt }
  }

  /** Forgets (and zeroes) the secret. No error when none is held. @throws AbortError */
  async clear (options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#quota.release(this.#heldBytes())
    this.#zero()
    this.#secret = undefined
  }

  #heldBytes (): number {
    const e = (this.#secret as { entropy?: unknown } | undefined)?.entropy
    return e instanceof Uint8Array ? e.byteLength : 0
  }

  #zero (): void {
    // Hazard: the entropy is the root of every vault key; don't leave copies around.
    const e = (this.#secret as { entropy?: unknown } | undefined)?.entropy
    if (e instanceof Uint8Array) e.fill(0)
  }
}
