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
 */
import { mkdir, statfs } from 'node:fs/promises'
import type { PrivateKey } from '@libp2p/interface'
import { createLibp2pPeerNetwork, type Libp2pPeerNetwork, type PeerNetworkNode } from '../net/peer-network.js'
import { identitySigner } from '../net/keys.js'
import { FsFragmentStore, FsManifestStore, FsReciprocityLedger, FsReplicaStore } from '../store/fs/index.js'
import { MemoryTesseraStore } from '../store/memory/index.js'
import { DEFAULT_OFFERED_STORAGE_BYTES, replicationService, type ReplicationService } from '../replication/index.js'

/** Options of {@link startAnchor}. */
export interface AnchorInit {
  /** Directory of the fragment store, ledger and holder map ([Note: Anchor store layout]). */
  storeDir: string
  /** "Storage I give": bytes held for others at most; 0 holds nothing new. Default {@link DEFAULT_OFFERED_STORAGE_BYTES}. */
  offeredStorageBytes?: number
  /** Where background failures go. Default `console.warn`. */
  log?: (message: string, err?: unknown) => void
}

/** A running anchor; stop it before the libp2p node. */
export interface RunningAnchor {
  network: Libp2pPeerNetwork
  replication: ReplicationService
  storeDir: string
  offeredStorageBytes: number
  fragments: FsFragmentStore
  ledger: FsReciprocityLedger
  /** Stops the service (waits for in-flight recording), then the protocols. Idempotent. */
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
  const network = await createLibp2pPeerNetwork(node, { capabilities: { anchor: offered > 0 } })
  const replication = replicationService({ policy: { offeredStorageBytes: offered } })({
    network,
    tesseras: new MemoryTesseraStore(),
    ledger,
    fragments,
    replicas: new FsReplicaStore({ root }),
    manifests: new FsManifestStore({ root }),
    signer: identitySigner(privateKey),
    freeBytes: async () => {
      const s = await statfs(root)
      return s.bavail * s.bsize
    },
    log: init.log
  })
  replication.start()
  let stopped = false
  return {
    network,
    replication,
    storeDir: root,
    offeredStorageBytes: offered,
    fragments,
    ledger,
    stop: async () => {
      if (stopped) return
      stopped = true
      await replication.stop()
      await network.stop()
    }
  }
}
