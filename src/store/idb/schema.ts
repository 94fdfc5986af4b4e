/**
 * The IndexedDB schema of Tesseras Web. One database (default name `tesseras`) holds every
 * store, so the save of a tessera and the reads of the service worker share one connection.
 *
 * Version 1:
 * | store       | key                                            | value                        | indexes               |
 * |-------------|------------------------------------------------|------------------------------|-----------------------|
 * | `tesseras`  | `hashHex` (in-line)                            | record + `writerId`          | `bySavedAt` → savedAt |
 * | `chunks`    | `[writerId, index]`                            | sealed chunk (Uint8Array)    |                       |
 * | `pending`   | `writerId`                                     | startedAt (ms since epoch)   |                       |
 * | `fragments` | `[tesseraHashHex, index, checksumHex, shardCount]` | shard bytes (Uint8Array) |                       |
 * | `vault`     | `'vault'`                                      | VaultSecret                  |                       |
 * | `meta`      | string                                         | anything (e.g. device key)   |                       |
 *
 * Chunks are keyed by writer because the tessera hash is only known once the whole payload is
 * sealed; the committed record maps hashHex → writerId ([Note: Atomic save] in src/core/ports.ts).
 * Fragments need no index by tessera: the tessera is the first key component, so a key range
 * `[hash] .. [hash, []]` selects one tessera's fragments in key order.
 *
 * Changing this schema: bump {@link DB_VERSION}, add one `if (oldVersion < N)` step to
 * {@link upgradeSchema}, and add a `BREAKING CHANGE:` footer with a migration note (STYLE §11).
 */
import type { DBSchema, IDBPDatabase } from 'idb'
import type { TesseraRecord, VaultSecret } from '../../core/ports.js'

/** Current schema version. */
export const DB_VERSION = 1

/** Default database name. */
export const DEFAULT_DB_NAME = 'tesseras'

/** Key of the single vault entry. */
export const VAULT_KEY = 'vault'

/** A tessera record as stored: the port's record plus the id of the writer owning its chunks. */
export interface StoredTessera extends TesseraRecord {
  writerId: string
}

/** Typed schema of the database (idb `DBSchema`). */
export interface TesserasDB extends DBSchema {
  tesseras: { key: string, value: StoredTessera, indexes: { bySavedAt: number } }
  chunks: { key: [string, number], value: Uint8Array }
  pending: { key: string, value: number }
  fragments: { key: [string, number, string, number], value: Uint8Array }
  vault: { key: string, value: VaultSecret }
  meta: { key: string, value: unknown }
}

/**
 * Steps the schema forward from `oldVersion`, one version at a time (idb `upgrade` callback).
 */
export function upgradeSchema (db: IDBPDatabase<TesserasDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    const tesseras = db.createObjectStore('tesseras', { keyPath: 'hashHex' })
    tesseras.createIndex('bySavedAt', 'savedAt')
    db.createObjectStore('chunks')
    db.createObjectStore('pending')
    db.createObjectStore('fragments')
    db.createObjectStore('vault')
    db.createObjectStore('meta')
  }
}
