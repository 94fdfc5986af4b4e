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
 * Version 2 (additive: every version-1 store is kept as is, nothing is rewritten):
 * | store       | key                                            | value                        | indexes               |
 * |-------------|------------------------------------------------|------------------------------|-----------------------|
 * | `ledger`    | `[peerId, direction, fragmentKey]` (in-line)   | {@link LedgerItem}           | `byFragment` → [direction, fragmentKey] |
 * | `accounts`  | `peerId` (in-line)                             | LedgerEntry (running totals) |                       |
 * | `replicas`  | `[tesseraHashHex, index, holderId]` (in-line)  | ReplicaRecord                | `byHolder` → holderId |
 * | `manifests` | `hashHex`                                      | Manifest held for others     |                       |
 *
 * [Note: Schema v2 migration] Opening a v1 database runs only the `oldVersion < 2` step, which
 * creates the four empty stores; tesseras, chunks and fragments are untouched, so no data moves
 * and a v1 app in another tab is asked to reload (`blocking`) instead of corrupting anything.
 * Fragments already in `fragments` (v1 had no ledger) count as our own, credited to nobody.
 * Downgrade is not supported: v1 code cannot open a v2 database (`VersionError` → StoreError).
 * No `BREAKING CHANGE:` footer: no existing store changes shape (STYLE §11 asks for it when one does).
 * The ledger rows are the sets of [Note: Reciprocity] (src/replication/reciprocity.ts): one row
 * per (peer, direction, fragment), so updates are idempotent, with `accounts` caching the totals
 * in the same transaction. `direction` is `'for'` (we hold it for the peer; the shard bytes are
 * in `fragments`) or `'by'` (the peer holds our fragment).
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
import type { LedgerEntry, ReplicaRecord, TesseraRecord, VaultSecret } from '../../core/ports.js'
import type { Manifest } from '../../core/types.js'

/** Current schema version. */
export const DB_VERSION = 2

/** Default database name. */
export const DEFAULT_DB_NAME = 'tesseras'

/** Key of the single vault entry. */
export const VAULT_KEY = 'vault'

/** A tessera record as stored: the port's record plus the id of the writer owning its chunks. */
export interface StoredTessera extends TesseraRecord {
  writerId: string
}

/** One fragment in one direction of one peer's account ([Note: Schema v2 migration]). */
export interface LedgerItem {
  peerId: string
  direction: 'for' | 'by'
  /** `tesseraHashHex/index/shardCount/checksumHex`. */
  fragmentKey: string
  /** Bytes counted. */
  bytes: number
}

/** Typed schema of the database (idb `DBSchema`). */
export interface TesserasDB extends DBSchema {
  tesseras: { key: string, value: StoredTessera, indexes: { bySavedAt: number } }
  chunks: { key: [string, number], value: Uint8Array }
  pending: { key: string, value: number }
  fragments: { key: [string, number, string, number], value: Uint8Array }
  vault: { key: string, value: VaultSecret }
  meta: { key: string, value: unknown }
  ledger: { key: [string, string, string], value: LedgerItem, indexes: { byFragment: [string, string] } }
  accounts: { key: string, value: LedgerEntry }
  replicas: { key: [string, number, string], value: ReplicaRecord, indexes: { byHolder: string } }
  manifests: { key: string, value: Manifest }
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
  if (oldVersion < 2) {
    const ledger = db.createObjectStore('ledger', { keyPath: ['peerId', 'direction', 'fragmentKey'] })
    ledger.createIndex('byFragment', ['direction', 'fragmentKey'])
    db.createObjectStore('accounts', { keyPath: 'peerId' })
    const replicas = db.createObjectStore('replicas', { keyPath: ['tesseraHashHex', 'index', 'holderId'] })
    replicas.createIndex('byHolder', 'holderId')
    db.createObjectStore('manifests')
  }
}
