/**
 * Replication ("Mesh") state shown by the header, the memory view, the gallery badges and the
 * Mesh view: node state, per-memory status, fragment map, ledger and "Storage I give". Plain
 * data, filled by the app from the replication service (the UI never touches the service).
 */
import type { PeerKind } from './network.svelte.js'
import type { BackgroundStatus } from '../../app/background-repair.js'

/** Node states ([Note] in src/replication/health.ts `nodeState`). */
export type MeshNodeState = 'PROVISIONAL' | 'ACTIVE' | 'DEGRADED' | 'ISOLATED'

/** A memory's replication status with the numbers its sentence needs. */
export interface MemoryStatusView {
  status: 'Initializing' | 'Replicated' | 'Partial' | 'AtRisk'
  /** Holders that may vanish with the memory still recoverable from the network. */
  survives: number
  /** Distinct live holders. */
  holders: number
  availableShards: number
  neededShards: number
  /** Nothing is on another device yet. */
  localOnly: boolean
  /** Waiting for peers to place what is missing. */
  queued: boolean
}

/** One row of the fragment map. */
export interface FragmentView {
  index: number
  holderId: string
  kind: PeerKind
  storedAt: number
  lastProofAt: number
  /** Failing to answer proofs since (ms since epoch). */
  failingSince?: number
}

/** The fragments of one memory: the map plus the plan. */
export interface FragmentMapView {
  /** Data shards (k) and parity shards (m); k = 1, m = 0 for a Small memory kept as whole copies. */
  k: number
  m: number
  /** Copies wanted of a Small memory. */
  copiesWanted: number
  rows: FragmentView[]
}

/** One peer in the ledger. */
export interface LedgerView {
  peerId: string
  /** Bytes we hold for them. */
  heldForThemBytes: number
  /** Bytes of ours they hold. */
  heldByThemBytes: number
  /** heldByThem − heldForThem: positive means they give more than they take. */
  balance: number
}

/** The repair loop as the Mesh view shows it ("Check now"). */
export interface RepairView {
  /** A check runs now. */
  running: boolean
  /** Memories checked so far in the running check, and in all. */
  done: number
  total: number
  /** The last finished check, when there was one. */
  last?: {
    /** ms since epoch. */
    at: number
    checked: number
    /** Fragments placed on new holders. */
    pushed: number
    /** Memories that could not be checked. */
    failed: number
  }
}

export class MeshState {
  /** True once the replication service runs (after the network has loaded). */
  running = $state(false)
  /** From the service; undefined until it runs (the header then shows the network's own state). */
  nodeState = $state<MeshNodeState | undefined>(undefined)
  /** Status per memory hash (only memories the service has reported). */
  statuses = $state.raw<Record<string, MemoryStatusView>>({})
  ledger = $state.raw<LedgerView[]>([])
  /** Bytes we hold for others, all peers together. */
  heldForOthersBytes = $state(0)
  /** "Storage I give", bytes. */
  offeredBytes = $state(0)
  /** Largest value the setting accepts (free space on this device, capped). */
  offeredMaxBytes = $state(0)
  /** Last status change, for the live region ("Grandma's kitchen: Replicated"). */
  announcement = $state('')
  /** The health check and repair loop. */
  repair = $state.raw<RepairView>({ running: false, done: 0, total: 0 })
  /** Periodic background checks on this browser ([Note: Background repair]). */
  background = $state<BackgroundStatus>('unknown')
  /** Set by the app: checks every memory now (joins a check already running). */
  checkNow: () => Promise<void> = async () => {}
  /** Set by the app: the fragment map of one memory. */
  loadFragments: (hashHex: string) => Promise<FragmentMapView | undefined> = async () => undefined
  /** Set by the app: applies and keeps "Storage I give". */
  applyOffered: (bytes: number) => void = () => {}

  /** The status of a memory, when known. */
  statusOf (hashHex: string): MemoryStatusView | undefined {
    return this.statuses[hashHex]
  }

  /** Changes "Storage I give" (clamped to 0..offeredMaxBytes). */
  setOffered (bytes: number): void {
    const v = Math.max(0, Math.min(Math.floor(bytes), this.offeredMaxBytes > 0 ? this.offeredMaxBytes : bytes))
    this.offeredBytes = v
    this.applyOffered(v)
  }
}
