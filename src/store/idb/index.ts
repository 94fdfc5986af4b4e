/**
 * IndexedDB adapters of the storage ports (browser, workers, service worker).
 * Schema: see ./schema.ts.
 */
export { openIdbStores, type IdbStores, type OpenIdbStoresInit } from './open.js'
export { IdbTesseraStore } from './tessera-store.js'
export { IdbFragmentStore } from './fragment-store.js'
export { IdbVaultStore } from './vault-store.js'
export { IdbReciprocityLedger } from './ledger.js'
export { IdbReplicaStore } from './replica-store.js'
export { IdbManifestStore } from './manifest-store.js'
export { DB_VERSION, DEFAULT_DB_NAME, type LedgerItem, type StoredTessera, type TesserasDB } from './schema.js'
