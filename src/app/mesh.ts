/**
 * The browser's replication wiring: the replication service over the IndexedDB stores, the
 * libp2p PeerNetwork and the device key, mirrored into {@link MeshState} for the UI.
 * Started by src/app/network.ts once the browser node runs; until then (and offline) saves
 * only queue their hash in a {@link MeshQueue} (./mesh-queue.ts), so saving never depends on the network.
 *
 * [Note: Mesh refresh] Statuses and the node state are read from the stores (cheap: one holder
 * list per memory) on replication events, peer events and a slow timer, coalesced so a burst
 * of events gives one refresh.
 *
 * [Note: Browser repair] The repair loop ([Note: Repair schedule]) runs while the app is open:
 * the first check comes a day (± 2 h) after the last one, whose time is kept in `settings`, or a
 * minute after start when none is known; "Check now" runs it at once. It checks our memories
 * from the local copy and, keyless, the memories this device holds fragments of for others.
 * Checks run on the main thread (as the shard source does): attestations are a few ranges per
 * holder, and a keyless rebuild holds at most k shards ([Note: Keyless repair]).
 */
import type { FragmentStore, ManifestStore, PeerNetwork, ReciprocityLedger, ReplicaStore, TesseraStore } from '../core/ports.js'
import {
  DEFAULT_OFFERED_STORAGE_BYTES, DEFAULT_REPLICATION_FACTOR, balanceOf, repairScheduler, repairer, replicationService,
  type ReceiptSigner, type ReciprocityPolicy, type RepairInit, type RepairScheduler, type RepairSchedulerInit, type ReplicationInit, type ReplicationService
} from '../replication/index.js'
import type { MeshState, MemoryStatusView } from '../ui/state/mesh.svelte.js'

/** Where "Storage I give" is kept on this device. */
export const OFFERED_STORAGE_KEY = 'tesseras.offered-storage'
/** Where the time of the last health check is kept (ms since epoch), [Note: Browser repair]. */
export const REPAIR_LAST_RUN_KEY = 'tesseras.repair-last-run'
/** The time of the last health check kept in `settings`, if any. */
export function readLastRepairRun (settings: Pick<Storage, 'getItem'> | undefined): number | undefined {
  const ms = Number.parseInt(settings?.getItem(REPAIR_LAST_RUN_KEY) ?? '', 10)
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined
}
/** Slow refresh of statuses (attestation ages, peers leaving without events). */
const REFRESH_INTERVAL_MS = 5_000
/** Coalescing window of event-driven refreshes. */
const REFRESH_DEBOUNCE_MS = 250

/** Stores the service works on (the IndexedDB ones in the browser). */
export interface MeshStores {
  tesseras: TesseraStore
  ledger: ReciprocityLedger
  fragments: FragmentStore
  replicas: ReplicaStore
  manifests: ManifestStore
}

export interface MeshComponents {
  network: PeerNetwork
  stores: MeshStores
  signer: ReceiptSigner
  state: MeshState
  /** True while this node reaches anything (a relay or a peer): otherwise the state is PROVISIONAL. */
  reachable: () => boolean
  /** Free bytes on this device. Default from `navigator.storage.estimate()`. */
  freeBytes?: () => Promise<number | undefined>
  /** Settings kept across reloads. Default `localStorage`. */
  settings?: Pick<Storage, 'getItem' | 'setItem'>
}

/** Settings of the repair loop ([Note: Browser repair]). */
/**
 * Operators' and tests' knob: how long (ms) a holder may fail its proofs before its shards are
 * re-placed on this device (default the replication core's grace period, days). Unset in normal use.
 */
export const HOLDER_GRACE_KEY = 'tesseras.holder-grace-ms'

export interface MeshRepairInit {
  /** Timer: interval, jitter, first run, rate limits. */
  schedule?: RepairSchedulerInit
  /** Checks: grace period, challenge settings, keyless bounds. */
  check?: RepairInit
}

export interface Mesh {
  service: ReplicationService
  /** The repair loop; `repair.runNow()` is "Check now" (also the e2e hook: `tesseras.mesh.repair.runNow()`). */
  repair: RepairScheduler
  /** Start time of the last health check, kept across reloads (ms since epoch). */
  repairLastRunAt: () => number | undefined
  /** The peers the service sees (holder candidates), for measurements and tests. */
  network: PeerNetwork
  /** Queues a memory for replication (tries at once when peers are there). */
  schedule: (hashHex: string) => void
  /** Re-reads statuses and the node state soon. */
  refresh: () => void
  stop: () => Promise<void>
}

/** Free bytes the browser lets this origin use, when it says. */
export async function browserFreeBytes (): Promise<number | undefined> {
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined)
  if (estimate?.quota == null) return undefined
  return Math.max(0, estimate.quota - (estimate.usage ?? 0))
}

/**
 * Starts the replication service and keeps `state` in sync. Every memory on this device is
 * scheduled once: those already replicated cost one holder-map read; the others are pushed as
 * soon as peers appear.
 */
export async function startMesh (c: MeshComponents, init: ReplicationInit = {}, repairInit: MeshRepairInit = {}): Promise<Mesh> {
  const { state, stores, network } = c
  const settings = c.settings ?? globalThis.localStorage
  const freeBytes = c.freeBytes ?? browserFreeBytes
  const free = await freeBytes().catch(() => undefined)
  // "Storage I give": 1 GB by default, or less when the device has less.
  const max = free === undefined ? DEFAULT_OFFERED_STORAGE_BYTES : Math.max(0, Math.min(DEFAULT_OFFERED_STORAGE_BYTES, Math.floor(free)))
  const saved = Number.parseInt(settings?.getItem(OFFERED_STORAGE_KEY) ?? '', 10)
  // The service reads this object on every request, so changing it applies at once.
  const policy: ReciprocityPolicy = { ...init.policy, offeredStorageBytes: Number.isSafeInteger(saved) && saved >= 0 ? Math.min(saved, max) : max }
  state.offeredMaxBytes = max
  state.offeredBytes = policy.offeredStorageBytes ?? max
  state.applyOffered = (bytes) => {
    policy.offeredStorageBytes = bytes
    settings?.setItem(OFFERED_STORAGE_KEY, String(bytes))
  }

  const service = replicationService({ ...init, policy })({
    network,
    tesseras: stores.tesseras,
    ledger: stores.ledger,
    fragments: stores.fragments,
    replicas: stores.replicas,
    manifests: stores.manifests,
    signer: c.signer,
    freeBytes: async () => await freeBytes()
  })
  const replicasWanted = init.replicas ?? DEFAULT_REPLICATION_FACTOR
  const grace = Number.parseInt(settings?.getItem(HOLDER_GRACE_KEY) ?? '', 10)
  const check: RepairInit = { replicas: replicasWanted, policy, ...(Number.isSafeInteger(grace) && grace >= 0 ? { graceMs: grace } : {}), ...repairInit.check }
  const repair = repairScheduler(repairInit.schedule)({
    repairer: repairer(check)({
      network,
      tesseras: stores.tesseras,
      manifests: stores.manifests,
      fragments: stores.fragments,
      replicas: stores.replicas,
      ledger: stores.ledger,
      replication: service
    }),
    lastRun: {
      get: () => readLastRepairRun(settings),
      set: (ms) => { settings?.setItem(REPAIR_LAST_RUN_KEY, String(Math.floor(ms))) }
    }
  })

  state.loadFragments = async (hashHex) => {
    const record = await stores.tesseras.get(hashHex)
    if (record === undefined) return undefined
    const rows = await stores.replicas.list(hashHex)
    return {
      k: record.manifest.k,
      m: record.manifest.m,
      copiesWanted: replicasWanted,
      rows: rows.map(r => ({ index: r.index, holderId: r.holderId, kind: r.kind, storedAt: r.storedAt, lastProofAt: r.lastProofAt, failingSince: r.failingSince }))
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let again = false
  let stopped = false
  const read = async (): Promise<void> => {
    const statuses: Record<string, MemoryStatusView> = {}
    for (const entry of await stores.tesseras.list()) {
      if (!('manifest' in entry)) continue
      const s = await service.status(entry.hashHex).catch(() => undefined)
      if (s === undefined) continue
      statuses[entry.hashHex] = {
        status: s.status, survives: s.survives, holders: s.holders, availableShards: s.availableShards,
        neededShards: s.neededShards, localOnly: s.localOnly, queued: s.queued
      }
    }
    const node = await service.nodeState()
    const ledger = await stores.ledger.entries()
    if (stopped) return
    state.statuses = statuses
    // The service knows only storage peers: reaching a relay that holds nothing is being alone.
    state.nodeState = !c.reachable() ? 'PROVISIONAL' : node.state === 'PROVISIONAL' ? 'ISOLATED' : node.state
    state.ledger = ledger
      .filter(e => e.heldByThemBytes > 0 || e.heldForThemBytes > 0)
      .map(e => ({ peerId: e.peerId, heldForThemBytes: e.heldForThemBytes, heldByThemBytes: e.heldByThemBytes, balance: balanceOf(e) }))
      .sort((a, b) => a.peerId < b.peerId ? -1 : 1)
    state.heldForOthersBytes = await stores.ledger.totalHeldForOthers()
  }
  const refreshNow = async (): Promise<void> => {
    if (running) { again = true; return }
    running = true
    try {
      do {
        again = false
        await read().catch((err: unknown) => { console.warn('mesh: could not read replication status', err) })
      } while (again && !stopped)
    } finally {
      running = false
    }
  }
  const refresh = (): void => {
    if (stopped || timer !== undefined) return
    timer = setTimeout(() => { timer = undefined; void refreshNow() }, REFRESH_DEBOUNCE_MS)
  }

  const unsubscribeService = service.subscribe(() => { refresh() })
  const unsubscribeNetwork = network.subscribe(() => { refresh() })
  const unsubscribeRepair = repair.subscribe(event => {
    switch (event.type) {
      case 'repair:run:start':
        state.repair = { ...state.repair, running: true, done: 0, total: event.detail.total }
        break
      case 'repair:run:progress':
        state.repair = { ...state.repair, done: event.detail.done, total: event.detail.total }
        break
      case 'repair:run:done': {
        const { startedAt, durationMs, checked, pushed, failed } = event.detail
        state.repair = { running: false, done: checked + failed, total: state.repair.total, last: { at: startedAt + durationMs, checked, pushed, failed } }
        refresh()
        break
      }
      case 'repair:holder:lost':
      case 'repair:check:done':
        refresh()
        break
    }
  })
  state.checkNow = async () => {
    // Disable "Check now" at once; the loop's events fill in the numbers.
    if (repair.running) state.repair = { ...state.repair, running: true }
    await repair.runNow()
  }
  const interval = setInterval(refresh, REFRESH_INTERVAL_MS)
  service.start()
  repair.start()
  state.running = true

  const schedule = (hashHex: string): void => {
    try {
      service.schedule(hashHex)
    } catch (err) {
      console.warn(`mesh: could not queue ${hashHex} for replication`, err)
    }
    refresh()
  }
  // Memories saved in earlier sessions (or while the network was loading) get their turn.
  for (const entry of await stores.tesseras.list()) if ('manifest' in entry) schedule(entry.hashHex)
  await refreshNow()

  return {
    service,
    repair,
    repairLastRunAt: () => readLastRepairRun(settings),
    network,
    schedule,
    refresh,
    stop: async () => {
      if (stopped) return
      stopped = true
      clearInterval(interval)
      clearTimeout(timer)
      unsubscribeService()
      unsubscribeNetwork()
      unsubscribeRepair()
      state.running = false
      state.checkNow = async () => {}
      await repair.stop()
      await service.stop()
    }
  }
}
