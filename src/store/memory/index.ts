/**
 * Memory adapters of the storage ports: unit tests of pure logic, simulations, and
 * borrowed-device mode (nothing is left behind when the tab closes).
 */
export { MemoryQuota, type MemoryQuotaInit } from './quota.js'
export { MemoryTesseraData, MemoryTesseraStore, type MemoryTesseraStoreInit } from './tessera-store.js'
export { MemoryFragmentStore, type MemoryFragmentStoreInit } from './fragment-store.js'
export { MemoryVaultStore, type MemoryVaultStoreInit } from './vault-store.js'
export { MemoryReplicaStore } from './replica-store.js'
export { MemoryManifestStore } from './manifest-store.js'
