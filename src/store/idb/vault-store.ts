import type { AbortOptions, VaultSecret, VaultStore } from '../../core/ports.js'
import { compact } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { checkVaultSecret, readVaultSecret, throwProblem } from '../record.js'
import type { Connection } from './connection.js'
import { VAULT_KEY } from './schema.js'

/**
 * {@link VaultStore} over IndexedDB: one entry at key `'vault'` of store `vault`.
 * Create it with `openIdbStores()`.
 */
export class IdbVaultStore implements VaultStore {
  readonly #conn: Connection

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection) {
    this.#conn = conn
  }

  /** @returns undefined when none is stored. @throws CorruptRecordError when malformed, AbortError, StoreError */
  async get (options: AbortOptions = {}): Promise<VaultSecret | undefined> {
    throwIfAborted(options.signal)
    const value: unknown = await this.#conn.run(['vault'], 'readonly', 'get vault', async tx => await tx.objectStore('vault').get(VAULT_KEY))
    return value === undefined ? undefined : readVaultSecret(value)
  }

  /** Replaces the stored secret. @throws StorageFullError, AbortError, StoreError, TypeError/RangeError for a malformed secret */
  async put (secret: VaultSecret, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    const problem = checkVaultSecret(secret)
    if (problem !== undefined) throwProblem(problem)
    const value: VaultSecret = { entropy: compact(secret.entropy), language: secret.language, createdAt: secret.createdAt }
    await this.#conn.run(['vault'], 'readwrite', 'put vault', async tx => {
      await tx.objectStore('vault').put(value, VAULT_KEY)
    })
  }

  /** Deletes the stored secret. No error when none is stored. @throws AbortError, StoreError */
  async clear (options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    await this.#conn.run(['vault'], 'readwrite', 'clear vault', async tx => {
      await tx.objectStore('vault').delete(VAULT_KEY)
    })
  }
}
