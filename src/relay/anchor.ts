/**
 * Anchor mode: the relay's libp2p node also holds fragments on disk, always on, so memories do
 * not depend on browser tabs staying open (issue 5, DESIGN "Network"). It runs the holder side
 * of the replication service over the file-system stores; it owns no memories itself (its
 * TesseraStore is an empty memory store).
 *
 * [Note: Anchor store layout] `<storeDir>/fragments/<hash>/<i>-<n>-<checksum>.shard`,
 * `<storeDir>/ledger.json`, `<storeDir>/replicas.json`, `<storeDir>/manifests/<hash>.json`.
 * At start, temp files of interrupted writes are removed and shards without a ledger credit
 * are swept ([Note: Fs ledger atomicity]).
 *
 * [Note: Anchor repair] The anchor watches every tessera it holds a manifest and a shard of and
 * repairs it keyless when holders are lost ([Note: Keyless repair]): owners' tabs are often
 * closed, the anchor is always on. Its repair loop runs every `repairIntervalMs` (24 h by
 * default, `--repair-interval`), with a twelfth of the interval as jitter (at most 2 h); the time
 * of the last run is kept in `<storeDir>/repair-last-run` so a restart does not check at once.
 */
import { readFileSync } from 'node:fs'
import { mkdir, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import { createLibp2pPeerNetwork, type Libp2pPeerNetwork, type PeerNetworkNode } from '../net/peer-network.js'
import { identitySigner } from '../net/keys.js'
import { FsFragmentStore, FsManifestStore, FsReciprocityLedger, FsReplicaStore } from '../store/fs/index.js'
import { MemoryTesseraStore } from '../store/memory/index.js'
import {
  DEFAULT_OFFERED_STORAGE_BYTES, DEFAULT_REPAIR_FIRST_RUN_DELAY_MS, DEFAULT_REPAIR_INTERVAL_MS, DEFAULT_REPAIR_JITTER_MS, repairScheduler, repairer, replicationService,
  type LastRunStore, type RepairScheduler, type ReplicationService
} from '../replication/index.js'

/** File of the last repair run's time ([Note: Anchor repair]). */
export const REPAIR_LAST_RUN_FILE = 'repair-last-run'

/** Options of {@link startAnchor}. */
export interface AnchorInit {
  /** Directory of the fragment store, ledger and holder map ([Note: Anchor store layout]). */
  storeDir: string
  /** "Storage I give": bytes held for others at most; 0 holds nothing new. Default {@link DEFAULT_OFFERED_STORAGE_BYTES}. */
  offeredStorageBytes?: number
  /** Interval of the repair loop ([Note: Anchor repair]). Default {@link DEFAULT_REPAIR_INTERVAL_MS}. */
  repairIntervalMs?: number
  /** How long a holder may fail its proofs before its fragments are re-placed. Default the replication core's. */
  holderGraceMs?: number
  /** Where background failures go. Default `console.warn`. */
  log?: (message: string, err?: unknown) => void
}

/** A running anchor; stop it before the libp2p node. */
export interface RunningAnchor {
  network: Libp2pPeerNetwork
  replication: ReplicationService
  /** The keyless repair loop; `repair.runNow()` checks every watched tessera now. */
  repair: RepairScheduler
  storeDir: string
  offeredStorageBytes: number
  fragments: FsFragmentStore
  ledger: FsReciprocityLedger
  /** Stops the repair loop and the service (each waits for work in flight), then the protocols. Idempotent. */
  stop: () => Promise<void>
}

/**
 * Opens the stores, registers the replication protocols on `node` and starts the service.
 * @throws StoreError / CorruptRecordError when the store directory cannot be read
 */
export async function startAnchor (node: PeerNetworkNode, privateKey: PrivateKey, init: AnchorInit): Promise<RunningAnchor> {
  const root = init.storeDir
  const offered = init.offeredStorageBytes ?? DEFAULT_OFFERED_STORAGE_BYTES
  if (!Number.isSafeInteger(offered) || offered < 0) throw new RangeError(`offeredStorageBytes: expected a non-negative integer, got ${String(offered)}`)
  await mkdir(root, { recursive: true, mode: 0o700 })
  const fragments = new FsFragmentStore({ root })
  await fragments.sweepTemp()
  const ledger = new FsReciprocityLedger({ root, fragments })
  await ledger.sweepUncredited()
  const intervalMs = init.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1000) throw new RangeError(`repairIntervalMs: expected at least 1000 ms, got ${String(intervalMs)}`)
  const network = await createLibp2pPeerNetwork(node, { capabilities: { anchor: offered > 0 }, holding: offered > 0 })
  const tesseras = new MemoryTesseraStore()
  const replicas = new FsReplicaStore({ root })
  const manifests = new FsManifestStore({ root })
  const replication = replicationService({ policy: { offeredStorageBytes: offered } })({
    network,
    tesseras,
    ledger,
    fragments,
    replicas,
    manifests,
    signer: identitySigner(privateKey),
    freeBytes: async () => {
      const s = await statfs(root)
      return s.bavail * s.bsize
    },
    log: init.log
  })
  const log = init.log ?? ((message: string, err?: unknown) => { console.warn(`anchor: ${message}`, err) })
  const repair = repairScheduler({ intervalMs, jitterMs: Math.min(DEFAULT_REPAIR_JITTER_MS, Math.floor(intervalMs / 12)), firstRunDelayMs: Math.min(DEFAULT_REPAIR_FIRST_RUN_DELAY_MS, intervalMs) })({
    repairer: repairer({ policy: { offeredStorageBytes: offered }, ...(init.holderGraceMs !== undefined ? { graceMs: init.holderGraceMs } : {}) })({ network, tesseras, manifests, fragments, replicas, ledger, replication }),
    lastRun: lastRunFile(join(root, REPAIR_LAST_RUN_FILE), log),
    log
  })
  replication.start()
  repair.start()
  let stopped = false
  return {
    network,
    replication,
    repair,
    storeDir: root,
    offeredStorageBytes: offered,
    fragments,
    ledger,
    stop: async () => {
      if (stopped) return
      stopped = true
      await repair.stop()
      await replication.stop()
      await network.stop()
    }
  }
}

/** The last repair run's time in a file: read once at start, written after each run (best effort). */
function lastRunFile (path: string, log: (message: string, err?: unknown) => void): LastRunStore {
  let ms: number | undefined
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8'), 10)
    if (Number.isSafeInteger(n) && n > 0) ms = n
  } catch (err) {
    if ((err as { code?: unknown })?.code !== 'ENOENT') log(`cannot read ${path}`, err)
  }
  return {
    get: () => ms,
    set: (value) => {
      ms = value
      writeFile(path, String(Math.floor(value)), { mode: 0o600 }).catch((err: unknown) => { log(`cannot write ${path}`, err) })
    }
  }
}
