/**
 * Public surface of the crypto layer: recovery phrase, vault keys, AEAD (small boxes and the
 * payload STREAM), BLAKE3 checksums, manifest signatures, and their errors. Pure functions:
 * they run on the main thread, in workers, in the service worker and in Node.
 */
export * from './errors.js'
export * from './phrase.js'
export * from './keys.js'
export * from './aead.js'
export * from './payload.js'
export * from './hash.js'
export * from './manifest.js'
export * from './seal-plan.js'
export * from './tessera-sealer.js'
export * from './worker-jobs.js'
