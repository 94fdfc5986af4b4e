/**
 * Health of tesseras and of the node (DESIGN "Replication": attestation-first health checks;
 * seed 000 repair actions; seed 002 user-facing states). Pure functions of the holder map.
 *
 * [Note: Holder grace] A holder that fails or misses attestations is *suspect* from
 * `failingSince` on, and counts as *lost* only after the grace period. Suspect holders still
 * count towards recoverability (their shards are probably fine: a closed tab, a reboot), so
 * churn does not trigger repair storms; lost holders' shards are re-placed.
 */
import type { ReplicaRecord } from '../core/ports.js'
import { DEFAULT_HOLDER_GRACE_MS, DEFAULT_REPLICATION_FACTOR } from './constants.js'
import { type LossTolerance, lossTolerance } from './placement.js'

/** A holder's standing at a given time ([Note: Holder grace]). */
export type HolderStanding = 'proven' | 'suspect' | 'lost'

/**
 * The standing of one holder row at `now`.
 * @param graceMs - default {@link DEFAULT_HOLDER_GRACE_MS}
 */
export function holderStanding (record: Pick<ReplicaRecord, 'failingSince'>, now: number, graceMs = DEFAULT_HOLDER_GRACE_MS): HolderStanding {
  if (record.failingSince === undefined) return 'proven'
  return now - record.failingSince >= graceMs ? 'lost' : 'suspect'
}

/** What the repair loop should do for a tessera (seed 000 `check_tessera_health`). */
export type RepairAction =
  | { kind: 'Healthy' }
  /** `deficit` slots lack a live holder; `indices` are the shards to re-place (for Small: shard 0). */
  | { kind: 'NeedsReplication', deficit: number, indices: number[] }
  /** Our local shard `index` failed its checksum: fetch it back. */
  | { kind: 'CorruptLocal', index: number }

/** Inputs of {@link assessTessera}. */
export interface TesseraHealthInput {
  k: number
  m: number
  /** Holder rows of this tessera. */
  replicas: readonly ReplicaRecord[]
  /** ms since epoch. */
  now: number
  /** Default {@link DEFAULT_HOLDER_GRACE_MS}. */
  graceMs?: number
  /** Copies wanted of a Small tessera. Default {@link DEFAULT_REPLICATION_FACTOR}. */
  replicasWanted?: number
  /** Indices of local shards that failed verification (a holder's or repairer's own copies). */
  corruptLocal?: readonly number[]
}

/** Result of {@link assessTessera}. */
export interface TesseraHealth {
  action: RepairAction
  /** Tolerance counting proven and suspect holders (what the network can still do). */
  tolerance: LossTolerance
  /** Tolerance counting proven holders only (what has been shown recently). */
  provenTolerance: LossTolerance
  proven: number
  suspect: number
  lost: number
}

/**
 * Assesses one tessera from its holder rows: `CorruptLocal` first (cheapest to fix, and our own
 * data), then `NeedsReplication` when some slot has no live (proven or suspect) holder, else
 * `Healthy`. Lost holders' rows do not count.
 * @example assessTessera({ k: 16, m: 8, replicas: await replicaStore.list(hash), now: clock.now() })
 * @throws RangeError for bad k/m
 */
export function assessTessera (input: TesseraHealthInput): TesseraHealth {
  const { k, m, now } = input
  if (!Number.isSafeInteger(k) || k < 1 || !Number.isSafeInteger(m) || m < 0 || k + m > 256) throw new RangeError(`k, m: expected 1 ≤ k, 0 ≤ m, k + m ≤ 256, got ${k}, ${m}`)
  const n = k + m
  const graceMs = input.graceMs ?? DEFAULT_HOLDER_GRACE_MS
  const live: string[][] = Array.from({ length: n }, () => [])
  const proven: string[][] = Array.from({ length: n }, () => [])
  const counts = { proven: new Set<string>(), suspect: new Set<string>(), lost: new Set<string>() }
  for (const r of input.replicas) {
    if (!Number.isSafeInteger(r.index) || r.index < 0 || r.index >= n) continue
    const s = holderStanding(r, now, graceMs)
    counts[s].add(r.holderId)
    if (s === 'lost') continue
    if (!live[r.index].includes(r.holderId)) live[r.index].push(r.holderId)
    if (s === 'proven' && !proven[r.index].includes(r.holderId)) proven[r.index].push(r.holderId)
  }
  const tolerance = lossTolerance(live, k)
  const provenTolerance = lossTolerance(proven, k)
  const standing = { proven: counts.proven.size, suspect: [...counts.suspect].filter(h => !counts.proven.has(h)).length, lost: [...counts.lost].filter(h => !counts.proven.has(h) && !counts.suspect.has(h)).length }
  const corrupt = [...(input.corruptLocal ?? [])].filter(i => Number.isSafeInteger(i) && i >= 0 && i < n).sort((a, b) => a - b)
  let action: RepairAction
  if (corrupt.length > 0) {
    action = { kind: 'CorruptLocal', index: corrupt[0] }
  } else if (n === 1) {
    const wanted = input.replicasWanted ?? DEFAULT_REPLICATION_FACTOR
    const deficit = Math.max(0, wanted - live[0].length)
    action = deficit > 0 ? { kind: 'NeedsReplication', deficit, indices: [0] } : { kind: 'Healthy' }
  } else {
    const indices = live.flatMap((hs, i) => hs.length === 0 ? [i] : [])
    action = indices.length > 0 ? { kind: 'NeedsReplication', deficit: indices.length, indices } : { kind: 'Healthy' }
  }
  return { action, tolerance, provenTolerance, ...standing }
}

/** Replication status shown for one memory (seed 002). */
export type TesseraStatus = 'Initializing' | 'Replicated' | 'Partial' | 'AtRisk'

/** A status with the numbers its plain sentence needs. */
export interface TesseraStatusView {
  status: TesseraStatus
  /** "survives N holders vanishing" (network holders only; this device is not counted). */
  survives: number
  /** Distinct live holders. */
  holders: number
  /** Holders currently failing to answer, still within grace. */
  suspect: number
  /** Shards (or copies) with a live holder, and shards needed. */
  availableShards: number
  neededShards: number
  /** True when no peer holds anything: only this device has it. */
  localOnly: boolean
}

/**
 * The user-facing status of a memory:
 * - `Initializing`: replication is still in flight (`pending`) and nothing failed yet;
 * - `Replicated`: every shard (every wanted copy of a Small memory) has a live holder;
 * - `Partial`: the network alone can rebuild it (≥ k shards), but some are missing;
 * - `AtRisk`: the network alone cannot rebuild it (fewer than k shards) — only this device has it.
 * @param pending - true while the first replication of this memory runs or is queued
 */
export function tesseraStatus (health: TesseraHealth, pending = false): TesseraStatusView {
  const t = health.tolerance
  const base = {
    survives: t.recoverable ? t.survives : 0,
    holders: t.holders,
    suspect: health.suspect,
    availableShards: t.availableShards,
    neededShards: t.neededShards,
    localOnly: t.holders === 0
  }
  const complete = health.action.kind === 'Healthy'
  if (pending && !complete) return { status: 'Initializing', ...base }
  if (complete && t.recoverable) return { status: 'Replicated', ...base }
  if (t.recoverable) return { status: 'Partial', ...base }
  return { status: 'AtRisk', ...base }
}

/**
 * A plain English sentence for a status (the UI translates from the same numbers).
 * @example statusSentence(view) // "Safe: survives 8 holders vanishing"
 */
export function statusSentence (view: TesseraStatusView): string {
  const holders = (n: number): string => `${n} holder${n === 1 ? '' : 's'}`
  switch (view.status) {
    case 'Initializing':
      return view.localOnly ? 'Only on this device — sending to peers' : `Sending to peers: ${holders(view.holders)} so far`
    case 'Replicated':
      return view.survives > 0 ? `Safe: survives ${holders(view.survives)} vanishing` : `Stored on ${holders(view.holders)}, but losing any one of them would lose it`
    case 'Partial':
      return `Partly safe: survives ${holders(view.survives)} vanishing; repairing ${view.neededShards > 1 ? 'missing fragments' : 'missing copies'}`
    case 'AtRisk':
      return view.localOnly ? 'Only on this device — waiting for peers' : `At risk: only ${view.availableShards} of the ${view.neededShards} fragments needed are on other devices`
  }
}

/** State of this node (seed 002 write-blocking machine). */
export type NodeState = 'PROVISIONAL' | 'ACTIVE' | 'DEGRADED' | 'ISOLATED'

/** Inputs of {@link nodeState}. */
export interface NodeStateInput {
  /** True once we reached the network at all (a relay or any peer). */
  networkReachable: boolean
  /** Peers we could place fragments on now (direct, not the owner's other tabs' id). */
  storagePeers: number
  /** Statuses of this node's own memories. */
  statuses: readonly TesseraStatus[]
}

/**
 * The node state and what it means for the person's memories:
 * - `PROVISIONAL`: not connected to any node yet — memories stay on this device for now;
 * - `ISOLATED`: connected, but no other peer can store fragments (N = 1) — nothing is protected
 *   beyond this device;
 * - `DEGRADED`: peers exist but some memories are below target (`Partial`/`AtRisk`) — new
 *   memories are saved locally and queued, and are not yet safe;
 * - `ACTIVE`: every memory is `Replicated` or being sent.
 */
export function nodeState (input: NodeStateInput): { state: NodeState, message: string } {
  if (!input.networkReachable) {
    return { state: 'PROVISIONAL', message: 'Not connected yet. Your memories are kept on this device only until peers are found.' }
  }
  if (input.storagePeers === 0) {
    return { state: 'ISOLATED', message: 'You are alone on the network. Your memories are only on this device: losing it loses them.' }
  }
  const below = input.statuses.filter(s => s === 'Partial' || s === 'AtRisk').length
  if (below > 0) {
    return { state: 'DEGRADED', message: `${below} memor${below === 1 ? 'y is' : 'ies are'} not fully protected. New memories are saved here and sent when enough peers are online; they are not yet safe.` }
  }
  return { state: 'ACTIVE', message: 'Connected. Your memories are spread across peers and survive this device being lost.' }
}
