/**
 * Public surface of the replication core: placement, reciprocity rules, receipts,
 * attestations, health, retries and bounded queues. Pure: it sees the network, the ledger and
 * the holder map only through the ports in src/core/ports.ts ([Note: Replication ports]).
 */
export * from './errors.js'
export * from './constants.js'
export * from './clock.js'
export * from './retry.js'
export * from './queue.js'
export * from './placement.js'
export * from './reciprocity.js'
export * from './peer-score.js'
export * from './receipt.js'
export * from './attestation.js'
export * from './health.js'
export * from './shard-source.js'
export * from './service.js'
export * from './holder-proof.js'
export * from './keyless-shards.js'
export * from './repair.js'
export * from './recovery.js'
export * from './repair-scheduler.js'
