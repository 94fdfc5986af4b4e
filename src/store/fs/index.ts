/**
 * File-system storage adapters for Node nodes (the anchor in src/relay). Node only: import
 * this folder directly, not through src/store/index.ts (which the browser bundles).
 */
export { FsFragmentStore, type FsFragmentStoreInit, type FsOps } from './fragment-store.js'
export { FsReciprocityLedger, type FsReciprocityLedgerInit } from './ledger.js'
export { FsReplicaStore, FsManifestStore, type FsStoreInit } from './replica-store.js'
