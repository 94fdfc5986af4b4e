import type { AbortOptions } from '../../core/ports.js'
import { throwIfAborted } from '../errors.js'
import { Connection } from './connection.js'
import { IdbFragmentStore } from './fragment-store.js'
import { IdbReciprocityLedger } from './ledger.js'
import { IdbManifestStore } from './manifest-store.js'
import { IdbReplicaStore } from './replica-store.js'
import { DEFAULT_DB_NAME } from './schema.js'
import { IdbTesseraStore } from './tessera-store.js'
import { IdbVaultStore } from './vault-store.js'

/** Options of {@link openIdbStores}. */
export interface OpenIdbStoresInit {
  /** Database name. Default {@link DEFAULT_DB_NAME} (`'tesseras'`). */
  name?: string
  /**
   * Called when another tab needs a newer schema: the connection has been closed and every
   * later call fails with StoreError, so the app should ask the person to reload.
   */
  onBlocked?: () => void
  /** Clock for pending markers and ledger `updatedAt`, ms since epoch. Default `Date.now`. */
  now?: () => number
}

/** The stores of one IndexedDB database, sharing one connection. */
export interface IdbStores {
  tesseras: IdbTesseraStore
  fragments: IdbFragmentStore
  vault: IdbVaultStore
  /** Reciprocity ledger; `storeFor` writes into `fragments` in the same transaction. */
  ledger: IdbReciprocityLedger
  /** Holder map of our tesseras. */
  replicas: IdbReplicaStore
  /** Manifests of tesseras we hold fragments of for others. */
  manifests: IdbManifestStore
  /** Closes the connection; later calls fail with StoreError. Idempotent. */
  close(): void
}

/**
 * Opens (creating or upgrading as needed) the Tesseras database and returns its stores.
 * Works in windows, workers and the service worker (uses only `indexedDB`).
 * @throws StoreError when IndexedDB is unavailable or the database cannot be opened
 *   (e.g. a newer version is installed), AbortError
 * @example
 * const stores = await openIdbStores({ onBlocked: () => { showReloadPrompt() } })
 * await stores.tesseras.sweepIncomplete()
 * const gallery = await stores.tesseras.list()
 */
export async function openIdbStores (init: OpenIdbStoresInit = {}, options: AbortOptions = {}): Promise<IdbStores> {
  throwIfAborted(options.signal)
  const conn = new Connection(init.name ?? DEFAULT_DB_NAME, init.onBlocked)
  await conn.db()
  return {
    tesseras: new IdbTesseraStore(conn, init.now),
    fragments: new IdbFragmentStore(conn),
    vault: new IdbVaultStore(conn),
    ledger: new IdbReciprocityLedger(conn, init.now),
    replicas: new IdbReplicaStore(conn),
    manifests: new IdbManifestStore(conn),
    close: () => { conn.close() }
  }
}
