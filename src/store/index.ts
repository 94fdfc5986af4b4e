/**
 * Storage adapters: IndexedDB (./idb) for the browser and the service worker, memory
 * (./memory) for tests and borrowed-device mode. Both run the compliance suites in
 * test/compliance.
 */
export * from './idb/index.js'
export * from './memory/index.js'
export { isQuotaError, toPortError } from './errors.js'
