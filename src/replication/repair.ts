/**
 * The health check and repair of one tessera (DESIGN "Replication": attestation-first health
 * checks, repair loop, keyless repair; seed 000 `check_tessera_health`). The scheduler that runs
 * it for every tessera is ./repair-scheduler.ts.
 *
 * [Note: Repair loop]
 * `check(hashHex)`:
 *  1. **Local shards**: every shard this node holds of the tessera is checked against the
 *     manifest checksum; a mismatch is `CorruptLocal` and is rebuilt (step 5).
 *  2. **Attest every holder row** with a fresh challenge ({@link proveHolder}; random ranges,
 *     `whole` at the {@link DEFAULT_WHOLE_CHALLENGE_RATE}). The expected answer comes from bytes
 *     we really have: the owner's local payload ({@link payloadShardSources}), or, keyless, k
 *     shards fetched back and verified (a holder that served a verified shard has proven
 *     possession and is not challenged again in that run). Pass: `lastProofAt = now`,
 *     `failingSince` cleared, ledger credit (re)recorded. Miss (wrong proof, no shard, no
 *     answer: ping-equivalent): `failingSince` set if not set. Past the grace period
 *     ([Note: Holder grace]) the holder is *lost*: its ledger credit is forgotten (the ledger
 *     counts what proofs confirm), its row stays, marked, until its slot is re-placed.
 *     A wrong proof, or a fetched shard failing its checksum, is also a strike in the node's
 *     peer score ([Note: Peer score]); a miss without an answer is churn and is not.
 *  3. **Assess** with {@link assessTessera}. Suspect holders still count, so churn within the
 *     grace period triggers no push at all (no repair storms).
 *  4. **Repair** `NeedsReplication`: regenerate the missing shards — the owner from its local
 *     copy (the service's shard source), a keyless repairer from the k verified shards — and push
 *     them with {@link ReplicationService.pushShards} ([Note: Repair push]) to fresh holders chosen
 *     by the placement rules. Lost rows of re-placed slots are then deleted.
 *  5. **Restore** a corrupt local shard the same way, then put it back in the FragmentStore
 *     (same id, so the holder's ledger credit for it is unchanged).
 * Nothing is pushed or written before the bytes were checked against the manifest, so a failed
 * repair leaves the holder map and the stores as they were, apart from attestation results.
 *
 * [Note: Keyless repair]
 * A node holding a tessera's signed manifest and some of its shards for someone else (an
 * anchor, an online holder) *watches* it: no key is needed, Reed-Solomon runs on ciphertext.
 *  - It learns the holders by asking: shards are fetched from its known holders first, then from
 *    connected peers (a peer without the shard answers "not held" cheaply); a peer that serves
 *    verified bytes is a holder and gets a row in this node's ReplicaStore. Indices still
 *    without a known holder are found with attestation challenges to connected peers (cheap,
 *    and checked against the k shards). Both are bounded per run ({@link DEFAULT_DISCOVERY_MAX_REQUESTS}).
 *  - An index nobody answers for is only counted missing once the tessera was watched for the
 *    grace period (a holder offline the first time we looked is not lost).
 *  - Memory: k shards plus the one being rebuilt ({@link DEFAULT_KEYLESS_MAX_BYTES}, else
 *    RepairTooLargeError): the fetch protocol serves whole shards only, so a stripe-wise keyless
 *    repair would need range fetches (later). Runs on the main thread, as the shard source does.
 *  - Pushing reuses the owner's signed manifest; holders accept it and charge the repairer as
 *    the sender. Ledger credit at the watcher is recorded only for shards it pushed itself.
 *  - The owner first: while the peer we hold the tessera's fragments for (the ledger's
 *    `peersHeldFor`: the owner's device, or a repairer that pushed them) is connected, it repairs
 *    from its own copy, cheaper than k fetched shards, and the elected watcher (below) only
 *    records unreachable holders; it takes over when a holder has been failing for two grace
 *    periods, and in any case checks in full after two grace periods of deferring: the peer
 *    that pushed may be a repairer that defers to us in turn, and the holder that vanished may
 *    be one we never knew (no row of ours can become overdue) — both were seen as stalls.
 *  - One watcher does the costly part: every holder is a potential watcher, and fetching k
 *    shards per tessera per day at each of 24 holders would multiply the traffic by 24. Once a
 *    watcher knows the holders, the one with the highest rendezvous weight
 *    ({@link designatedWatcher}) checks and repairs; the others only probe that it answers a
 *    challenge, and take over when it does not (or is lost) — or when a holder has been failing
 *    for two grace periods, so the elected one had a whole grace period to repair and did not
 *    (it may not reach k shards from where it is: anchors are not always connected to each other). Views may differ for a while, so two
 *    watchers may still repair the same slot: their runs are hours apart and each finds the
 *    holders the other placed first, so duplicates are rare and harmless (one more copy).
 *  - Free riders: watched tesseras whose owner's balance is beyond the deficit allowance are
 *    checked last ({@link repairPriority}); they are never dropped. The owner is whoever we hold
 *    the tessera's fragments for in the ledger (`peersHeldFor`: the pusher, which is the owner's
 *    device or a repairer); when several, the worst standing counts.
 */
import { toHex } from '../core/hex.js'
import type {
  AbortOptions, FragmentStore, ManifestStore, PeerNetwork, ProgressOptions, ReciprocityLedger, ReplicaRecord, ReplicaStore, TesseraStore
} from '../core/ports.js'
import type { Manifest } from '../core/types.js'
import { type ShardReader, bytesReader, createChallenge, payloadShardSources, regenerateShard } from './attestation.js'
import { type Clock, type RandomBytes, type RandomNumber, secureRandom, secureRandomBytes, systemClock, throwIfAborted } from './clock.js'
import {
  DEFAULT_ATTEST_RANGES, DEFAULT_ATTEST_TIMEOUT_MS, DEFAULT_CONCURRENCY, DEFAULT_DISCOVERY_MAX_REQUESTS, DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_HOLDER_GRACE_MS, DEFAULT_KEYLESS_MAX_BYTES, DEFAULT_REPLICATION_FACTOR, DEFAULT_WHOLE_CHALLENGE_RATE
} from './constants.js'
import { CorruptLocalShardError, NotEnoughShardsError, RepairTooLargeError, TesseraNotFoundError } from './errors.js'
import { type RepairAction, type TesseraStatus, assessTessera, holderStanding, tesseraStatus } from './health.js'
import { type HolderMissReason, proveHolder } from './holder-proof.js'
import { fragmentOf, gatherShards, geometryOf, isShardOf, readWhole, shardsSource, stripedReader } from './keyless-shards.js'
import { type PeerScore, peerScore } from './peer-score.js'
import { compareWeights, rendezvousWeight } from './placement.js'
import { type ReciprocityPolicy, repairPriority } from './reciprocity.js'
import type { ReplicationService } from './service.js'
import { type ShardSource, type ShardSourceFactory, localShardSource, payloadReader } from './shard-source.js'

/** Ports of the repairer. */
export interface RepairComponents {
  network: PeerNetwork
  /** The owner's local copies: tesseras found here are checked in owner mode. */
  tesseras: TesseraStore
  /** Manifests of tesseras held for others: checked keyless. */
  manifests: ManifestStore
  /** Shards held here (verified on every check). */
  fragments: FragmentStore
  /** Holder map, of our tesseras and of watched ones. */
  replicas: ReplicaStore
  ledger: ReciprocityLedger
  /** The push path ([Note: Repair push]); its `peerScore`, when it has one, is the default of ours. */
  replication: Pick<ReplicationService, 'pushShards'> & Partial<Pick<ReplicationService, 'peerScore'>>
  /**
   * Where wrong proofs and bad served shards are recorded, and banned peers looked up
   * ([Note: Peer score]). Default `replication.peerScore` (one score per node), else a new one.
   */
  peerScore?: PeerScore
  /** Shards of our own tesseras. Default {@link localShardSource} over `tesseras`. */
  shardSource?: ShardSourceFactory
  clock?: Clock
  /** Uniform [0, 1): whether a challenge is `whole`. */
  random?: RandomNumber
  /** Secure random bytes: challenge nonces and ranges. */
  randomBytes?: RandomBytes
}

/** Settings of the repairer; each has a `DEFAULT_*`. */
export interface RepairInit {
  /** Failing holders count as lost after this long. Default {@link DEFAULT_HOLDER_GRACE_MS}. */
  graceMs?: number
  /** Copies of a Small tessera. Default {@link DEFAULT_REPLICATION_FACTOR}. */
  replicas?: number
  /** Ranges per challenge. Default {@link DEFAULT_ATTEST_RANGES}. */
  attestRanges?: number
  /** Share of challenges hashing the whole shard, 0..1. Default {@link DEFAULT_WHOLE_CHALLENGE_RATE}. */
  wholeChallengeRate?: number
  /** Default {@link DEFAULT_ATTEST_TIMEOUT_MS}. */
  attestTimeoutMs?: number
  /** Default {@link DEFAULT_FETCH_TIMEOUT_MS}. */
  fetchTimeoutMs?: number
  /** Watch and repair tesseras held for others ([Note: Keyless repair]). Default true. */
  keyless?: boolean
  /** Default {@link DEFAULT_KEYLESS_MAX_BYTES}. */
  keylessMaxBytes?: number
  /** Default {@link DEFAULT_DISCOVERY_MAX_REQUESTS}. */
  discoveryMaxRequests?: number
  /** Attestations in flight per tessera. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number
  /** Deficit allowance that makes an owner a free rider. */
  policy?: ReciprocityPolicy
}

/** How a tessera is checked: from the owner's copy, or keyless from k shards. */
export type RepairMode = 'owner' | 'keyless'

/** Progress of health checks and repairs, namespaced (STYLE §3). */
export type RepairEvent =
  | { type: 'repair:check:start', detail: { hashHex: string, mode: RepairMode } }
  | { type: 'repair:holder:proven', detail: { hashHex: string, index: number, holderId: string } }
  | { type: 'repair:holder:missed', detail: { hashHex: string, index: number, holderId: string, reason: HolderMissReason | 'NOT_HELD' | 'BAD_BYTES' } }
  | { type: 'repair:holder:lost', detail: { hashHex: string, index: number, holderId: string } }
  | { type: 'repair:holder:found', detail: { hashHex: string, index: number, holderId: string } }
  | { type: 'repair:local:corrupt', detail: { hashHex: string, index: number } }
  | { type: 'repair:local:restored', detail: { hashHex: string, index: number } }
  | { type: 'repair:push', detail: { hashHex: string, indices: number[] } }
  | { type: 'repair:gathered', detail: { hashHex: string, shards: number, needed: number, requests: number, notHeld: number, badBytes: number, unreachable: string[] } }
  | { type: 'repair:deferred', detail: { hashHex: string, reason: 'WATCHED_TOO_SHORT' | 'ANOTHER_WATCHER' | 'OWNER_ONLINE' } }
  | { type: 'repair:check:done', detail: { hashHex: string, action: RepairAction['kind'], status: TesseraStatus, pushed: number, failed: number } }

/** Outcome of {@link Repairer.check}. */
export interface TesseraCheck {
  hashHex: string
  mode: RepairMode
  /** What the check found (before repairing). */
  action: RepairAction
  /** Status after the check and repair. */
  status: TesseraStatus
  /** Holder rows that proved possession in this run. */
  proven: number
  /** Holder rows that missed in this run. */
  missed: number
  /** Holder rows found lost (past the grace period) in this run; re-placed rows are then deleted. */
  lost: number
  /** Holders found in this run (keyless). */
  found: number
  /** Local shards rebuilt. */
  restored: number[]
  /** Shards placed on new holders (one entry per copy). */
  pushed: number[]
  /** Shards no holder took. */
  failed: number[]
}

/** One tessera to check. */
export interface RepairWork {
  hashHex: string
  mode: RepairMode
}

/** The repairer. Create with {@link repairer}. */
export interface Repairer {
  /**
   * Checks and repairs one tessera ([Note: Repair loop]).
   * @throws TesseraNotFoundError (no local copy and no manifest), NotEnoughShardsError (fewer than
   * k shards left anywhere), RepairTooLargeError, ServiceStoppedError, AbortError
   */
  check(hashHex: string, options?: AbortOptions & ProgressOptions<RepairEvent>): Promise<TesseraCheck>
  /** Tesseras to check, in order: our own, then watched ones, free riders last. */
  work(options?: AbortOptions): Promise<RepairWork[]>
}

/**
 * Creates the repairer: `repairer(init)(components)` (STYLE §2).
 * @example
 * const repair = repairer()({ network, tesseras, manifests, fragments, replicas, ledger, replication })
 * const result = await repair.check(hashHex) // { action: { kind: 'NeedsReplication', … }, pushed: [3, 17], status: 'Replicated' }
 */
export function repairer (init: RepairInit = {}): (components: RepairComponents) => Repairer {
  return (components) => new DefaultRepairer(init, components)
}

const sameRow = (a: ReplicaRecord, index: number, holderId: string): boolean => a.index === index && a.holderId === holderId

class DefaultRepairer implements Repairer {
  readonly #c: RepairComponents
  readonly #clock: Clock
  readonly #random: RandomNumber
  readonly #randomBytes: RandomBytes
  readonly #shardSource: ShardSourceFactory
  readonly #graceMs: number
  readonly #replicasWanted: number
  readonly #ranges: number
  readonly #wholeRate: number
  readonly #attestTimeoutMs: number
  readonly #fetchTimeoutMs: number
  readonly #keyless: boolean
  readonly #keylessMaxBytes: number
  readonly #discoveryMax: number
  readonly #concurrency: number
  readonly #policy: ReciprocityPolicy
  readonly #score: PeerScore
  /** When this node first watched a tessera that had no holder row yet (in memory: a restart waits the grace period again). */
  readonly #firstWatched = new Map<string, number>()
  /** Since when this node, as the elected watcher, has left a tessera to its online owner without a full check (in memory). */
  readonly #deferringSince = new Map<string, number>()

  constructor (init: RepairInit, components: RepairComponents) {
    this.#c = components
    this.#clock = components.clock ?? systemClock
    this.#random = components.random ?? secureRandom
    this.#randomBytes = components.randomBytes ?? secureRandomBytes
    this.#shardSource = components.shardSource ?? localShardSource(components.tesseras)
    this.#graceMs = init.graceMs ?? DEFAULT_HOLDER_GRACE_MS
    this.#replicasWanted = init.replicas ?? DEFAULT_REPLICATION_FACTOR
    this.#ranges = init.attestRanges ?? DEFAULT_ATTEST_RANGES
    this.#wholeRate = init.wholeChallengeRate ?? DEFAULT_WHOLE_CHALLENGE_RATE
    this.#attestTimeoutMs = init.attestTimeoutMs ?? DEFAULT_ATTEST_TIMEOUT_MS
    this.#fetchTimeoutMs = init.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    this.#keyless = init.keyless ?? true
    this.#keylessMaxBytes = init.keylessMaxBytes ?? DEFAULT_KEYLESS_MAX_BYTES
    this.#discoveryMax = init.discoveryMaxRequests ?? DEFAULT_DISCOVERY_MAX_REQUESTS
    this.#concurrency = init.concurrency ?? DEFAULT_CONCURRENCY
    this.#policy = init.policy ?? {}
    this.#score = components.peerScore ?? components.replication.peerScore ?? peerScore()({ clock: this.#clock })
    if (!(this.#graceMs >= 0)) throw new RangeError(`graceMs: expected a non-negative number, got ${String(this.#graceMs)}`)
    if (!(this.#wholeRate >= 0 && this.#wholeRate <= 1)) throw new RangeError(`wholeChallengeRate: expected 0..1, got ${String(this.#wholeRate)}`)
    for (const [name, v] of [['replicas', this.#replicasWanted], ['concurrency', this.#concurrency], ['discoveryMaxRequests', this.#discoveryMax]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name}: expected an integer ≥ 1, got ${String(v)}`)
    }
  }

  async work (options: AbortOptions = {}): Promise<RepairWork[]> {
    const own: RepairWork[] = []
    const ownSet = new Set<string>()
    for (const entry of await this.#c.tesseras.list(options)) {
      if (!('manifest' in entry)) continue
      own.push({ hashHex: entry.hashHex, mode: 'owner' })
      ownSet.add(entry.hashHex)
    }
    if (!this.#keyless) return own
    const watched: Array<RepairWork & { priority: number }> = []
    for (const hashHex of await this.#c.manifests.list(options)) {
      throwIfAborted(options.signal)
      if (ownSet.has(hashHex)) continue
      // Whom we hold its fragments for (the owner, or a repairer that pushed some): a free rider among them puts it last.
      let priority = 0
      for (const peerId of await this.#c.ledger.peersHeldFor(hashHex, options)) {
        priority = Math.max(priority, repairPriority(await this.#c.ledger.entry(peerId, options), this.#policy))
      }
      watched.push({ hashHex, mode: 'keyless', priority })
    }
    // Stable: free riders (priority 1) after everyone else, never dropped.
    watched.sort((a, b) => a.priority - b.priority)
    return [...own, ...watched.map(({ hashHex, mode }) => ({ hashHex, mode }))]
  }

  async check (hashHex: string, options: AbortOptions & ProgressOptions<RepairEvent> = {}): Promise<TesseraCheck> {
    throwIfAborted(options.signal)
    const { signal, onProgress } = options
    const emit = (event: RepairEvent): void => { onProgress?.(event) }
    const record = await this.#c.tesseras.get(hashHex, { signal })
    const manifest = record?.manifest ?? await this.#c.manifests.get(hashHex, { signal })
    if (manifest === undefined) throw new TesseraNotFoundError(hashHex)
    const mode: RepairMode = record !== undefined ? 'owner' : 'keyless'
    emit({ type: 'repair:check:start', detail: { hashHex, mode } })
    const { k, m } = manifest
    const n = k + m
    const now = Math.floor(this.#clock.now())
    const self = this.#c.network.selfId
    const result: TesseraCheck = { hashHex, mode, action: { kind: 'Healthy' }, status: 'Initializing', proven: 0, missed: 0, lost: 0, found: 0, restored: [], pushed: [], failed: [] }

    // 1. Local shards.
    const local = new Map<number, Uint8Array>()
    const corrupt: number[] = []
    for (const id of await this.#c.fragments.list(hashHex, { signal })) {
      if (id.shardCount !== n || id.index < 0 || id.index >= n) continue
      const bytes = await this.#c.fragments.get(id, { signal })
      if (id.checksumHex === toHex(manifest.shardChecksums[id.index]) && isShardOf(manifest, id.index, bytes)) {
        local.set(id.index, bytes)
      } else {
        corrupt.push(id.index)
        emit({ type: 'repair:local:corrupt', detail: { hashHex, index: id.index } })
      }
    }

    /** This node's verified shards, as holder rows (not stored: the holder map lists others). */
    const selfRows = (): ReplicaRecord[] => [...local.keys()].map(index => ({ tesseraHashHex: hashHex, index, holderId: self, kind: 'webrtc' as const, storedAt: now, lastProofAt: now }))

    // 2. Our trustworthy bytes, then every holder row.
    let rows = (await this.#c.replicas.list(hashHex, { signal })).filter(r => r.holderId !== self)
    /** Rows checked in this run (proven or missed), by `index/holderId`. */
    const checkedNow = new Set<string>()
    const key = (index: number, holderId: string): string => `${index}/${holderId}`
    const pass = async (index: number, holderId: string, found: boolean): Promise<void> => {
      if (checkedNow.has(key(index, holderId))) return
      checkedNow.add(key(index, holderId))
      const row = rows.find(r => sameRow(r, index, holderId))
      const peer = this.#c.network.peers().find(p => p.id === holderId)
      const next: ReplicaRecord = row !== undefined
        ? { ...row, lastProofAt: now, failingSince: undefined }
        : { tesseraHashHex: hashHex, index, holderId, kind: peer?.kind === 'websocket' ? 'websocket' : 'webrtc', storedAt: now, lastProofAt: now }
      delete next.failingSince
      await this.#c.replicas.put(next)
      // The ledger counts what proofs confirm — for shards that are ours to count: our own
      // tessera's, or ones this node pushed as a keyless repairer (the row carries our receipt).
      if (mode === 'owner' || next.receipt !== undefined) await this.#c.ledger.recordHeldBy(holderId, fragmentOf(manifest, index), manifest.shardSize)
      rows = [...rows.filter(r => !sameRow(r, index, holderId)), next]
      if (found) {
        result.found++
        emit({ type: 'repair:holder:found', detail: { hashHex, index, holderId } })
      } else {
        result.proven++
        emit({ type: 'repair:holder:proven', detail: { hashHex, index, holderId } })
      }
    }
    const miss = async (row: ReplicaRecord, reason: HolderMissReason | 'NOT_HELD' | 'BAD_BYTES'): Promise<void> => {
      if (checkedNow.has(key(row.index, row.holderId))) return
      checkedNow.add(key(row.index, row.holderId)) // checked in this run: not challenged again
      // [Note: Peer score]: a lie is misbehaviour; no answer, NOT_FOUND or NOT_HELD is churn.
      if (reason === 'WRONG_PROOF') this.#score.strike(row.holderId, 'WRONG_PROOF')
      else if (reason === 'BAD_BYTES') this.#score.strike(row.holderId, 'BAD_SHARD_SERVED')
      const next: ReplicaRecord = { ...row, failingSince: row.failingSince ?? now }
      await this.#c.replicas.put(next)
      rows = rows.map(r => sameRow(r, row.index, row.holderId) ? next : r)
      result.missed++
      emit({ type: 'repair:holder:missed', detail: { hashHex, index: row.index, holderId: row.holderId, reason } })
      if (holderStanding(next, now, this.#graceMs) === 'lost') {
        // [Note: Holder grace]: past it, the credit goes (idempotent while it stays lost).
        if (mode === 'owner' || row.receipt !== undefined) await this.#c.ledger.forgetHeldBy(row.holderId, fragmentOf(manifest, row.index))
        result.lost++
        emit({ type: 'repair:holder:lost', detail: { hashHex, index: row.index, holderId: row.holderId } })
      }
    }

    // Keyless: the owner (when online) or one watcher per tessera does the costly part ([Note: Keyless repair]).
    if (mode === 'keyless' && corrupt.length === 0) {
      const connected = new Set(this.#c.network.peers().map(p => p.id))
      const designated = rows.length > 0 ? designatedWatcher(manifest.tesseraHash, [self, ...rows.filter(r => holderStanding(r, now, this.#graceMs) !== 'lost').map(r => r.holderId)]) : self
      const row = rows.find(r => r.holderId === designated)
      const pusherOnline = (await this.#c.ledger.peersHeldFor(hashHex, { signal })).some(id => connected.has(id))
      // Holders we cannot reach count as missed even while we defer (free: no request), so …
      for (const r of rows) if ((pusherOnline || r.holderId !== designated) && !connected.has(r.holderId)) await miss(r, 'UNREACHABLE')
      // … when the owner or the elected watcher had a whole grace period after a holder was lost
      // and did not repair (it may not reach k shards from where it is), we take over.
      const overdue = rows.some(r => r.failingSince !== undefined && now - r.failingSince >= 2 * this.#graceMs)
      const defer = (reason: 'OWNER_ONLINE' | 'ANOTHER_WATCHER'): TesseraCheck => {
        emit({ type: 'repair:deferred', detail: { hashHex, reason } })
        result.status = tesseraStatus(assessTessera({ k, m, now, graceMs: this.#graceMs, replicasWanted: this.#replicasWanted, replicas: [...rows, ...selfRows()] })).status
        emit({ type: 'repair:check:done', detail: { hashHex, action: result.action.kind, status: result.status, pushed: 0, failed: 0 } })
        return result
      }
      if (designated !== self && !overdue && row !== undefined && await this.#answers(row, manifest, signal)) return defer('ANOTHER_WATCHER')
      // The elected watcher (or one whose elected watcher is gone) leaves the work to an online
      // owner — once it knows the holders (a watcher without rows could never become overdue),
      // and for at most two grace periods in a row: the "owner" may be a repairer that itself
      // defers to us, and a holder we never knew of cannot become overdue ([Note: Keyless repair]).
      const since = this.#deferringSince.get(hashHex) ?? now
      if (!overdue && pusherOnline && rows.length > 0 && now - since < 2 * this.#graceMs) {
        this.#deferringSince.set(hashHex, since)
        return defer('OWNER_ONLINE')
      }
    }
    this.#deferringSince.delete(hashHex)

    let sources: Map<number, ShardReader>
    let gathered: Map<number, Uint8Array> | undefined
    let discovery = this.#discoveryMax
    if (record !== undefined) {
      sources = payloadShardSources(geometryOf(manifest), manifest.size, payloadReader(this.#c.tesseras, record))
      for (const [i, bytes] of local) sources.set(i, bytesReader(bytes))
    } else {
      const need = (k + 1) * manifest.shardSize
      if (need > this.#keylessMaxBytes) throw new RepairTooLargeError(hashHex, need, this.#keylessMaxBytes)
      if (rows.length === 0 && !this.#firstWatched.has(hashHex)) this.#firstWatched.set(hashHex, now)
      const direct = this.#c.network.peers().filter(p => p.kind !== 'relayed' && p.id !== self).map(p => p.id)
      const g = await gatherShards({
        network: this.#c.network,
        manifest,
        have: local,
        maxRequests: discovery,
        fetchTimeoutMs: this.#fetchTimeoutMs,
        candidates: (index) => {
          const known = rows.filter(r => r.index === index)
            .sort((a, b) => (a.failingSince ?? 0) - (b.failingSince ?? 0))
            .map(r => r.holderId)
          // Banned peers are not asked: their bytes would be refused anyway ([Note: Peer score]).
          return [...new Set([...known, ...direct.filter(id => !known.includes(id))])].filter(id => !this.#score.isBanned(id))
        }
      }, { signal })
      discovery -= g.outcomes.length
      const count = (result: string): number => g.outcomes.filter(o => o.result === result).length
      emit({ type: 'repair:gathered', detail: { hashHex, shards: g.shards.size, needed: k, requests: g.outcomes.length, notHeld: count('NOT_HELD'), badBytes: count('BAD_BYTES'), unreachable: [...new Set(g.outcomes.filter(o => o.result === 'UNREACHABLE').map(o => o.holderId))] } })
      for (const o of g.outcomes) {
        const row = rows.find(r => sameRow(r, o.index, o.holderId))
        if (o.result === 'OK') await pass(o.index, o.holderId, row === undefined)
        else if (row !== undefined) await miss(row, o.result)
        else if (o.result === 'BAD_BYTES') this.#score.strike(o.holderId, 'BAD_SHARD_SERVED') // a peer without a row lied too
      }
      gathered = g.shards
      sources = new Map([...g.shards].map(([i, b]) => [i, bytesReader(b)]))
      if (g.shards.size < k) {
        await this.#attestRows(rows, checkedNow, sources, manifest, pass, miss, signal, true)
        throw new NotEnoughShardsError(hashHex, g.shards.size, k)
      }
    }
    await this.#attestRows(rows, checkedNow, sources, manifest, pass, miss, signal, false)

    // Keyless: indices nobody is known to hold are looked for among connected peers.
    // A Small tessera wants `replicas` copies of its one shard, so its other holders are looked for too.
    if (mode === 'keyless') {
      const wanted = n === 1 ? this.#replicasWanted : 1
      const direct = this.#c.network.peers().filter(p => p.kind !== 'relayed' && p.id !== self)
      for (let index = 0; index < n && discovery > 0; index++) {
        let live = (local.has(index) ? 1 : 0) + rows.filter(r => r.index === index && holderStanding(r, now, this.#graceMs) !== 'lost').length
        if (live >= wanted) continue
        const reader = stripedReader(regenerateShard(geometryOf(manifest), index, sources))
        for (const peer of direct) {
          if (discovery <= 0 || live >= wanted) break
          if (rows.some(r => sameRow(r, index, peer.id))) continue
          discovery--
          const proof = await proveHolder({ network: this.#c.network, holderId: peer.id, fragment: fragmentOf(manifest, index), reader, checksum: manifest.shardChecksums[index], whole: false, ranges: this.#ranges, randomBytes: this.#randomBytes, timeoutMs: this.#attestTimeoutMs }, { signal })
          if (proof.passed) {
            await pass(index, peer.id, true)
            live++
          }
        }
      }
    }

    // 3. Assess (this node's own verified shards count as live holders of their indices).
    const assess = (): ReturnType<typeof assessTessera> => assessTessera({
      k,
      m,
      now,
      graceMs: this.#graceMs,
      replicasWanted: this.#replicasWanted,
      corruptLocal: corrupt.filter(i => !result.restored.includes(i)),
      replicas: [...rows, ...selfRows()]
    })
    let health = assess()
    result.action = health.action

    // 5 (first: it is our own data). Restore corrupt local shards.
    if (corrupt.length > 0) {
      for (const index of corrupt) {
        throwIfAborted(signal)
        const without = new Map(sources)
        without.delete(index)
        const bytes = await readWhole(regenerateShard(geometryOf(manifest), index, without), undefined, { signal })
        if (!isShardOf(manifest, index, bytes)) throw new CorruptLocalShardError(hashHex, index)
        await this.#c.fragments.put(fragmentOf(manifest, index), bytes, { signal })
        local.set(index, bytes)
        result.restored.push(index)
        emit({ type: 'repair:local:restored', detail: { hashHex, index } })
      }
      health = assess()
    }

    // 4. Re-place lost slots.
    if (health.action.kind === 'NeedsReplication') {
      const action = health.action
      let indices = n === 1 ? Array.from({ length: action.deficit }, () => 0) : action.indices
      // Keyless: a slot nobody was ever seen holding may only be offline; wait until the tessera
      // was watched for the grace period before re-placing it. Slots of lost holders go at once.
      const watchedSince = Math.min(...rows.map(r => r.storedAt), this.#firstWatched.get(hashHex) ?? now)
      if (mode === 'keyless' && now - watchedSince < this.#graceMs) {
        const lostRows = rows.filter(r => holderStanding(r, now, this.#graceMs) === 'lost')
        const explained = n === 1 ? indices.slice(0, lostRows.length) : indices.filter(i => lostRows.some(r => r.index === i))
        if (explained.length < indices.length) emit({ type: 'repair:deferred', detail: { hashHex, reason: 'WATCHED_TOO_SHORT' } })
        indices = explained
      }
      if (indices.length > 0) {
        const source: ShardSource = record !== undefined ? await this.#shardSource(record, { signal }) : shardsSource(manifest, gathered as Map<number, Uint8Array>)
        emit({ type: 'repair:push', detail: { hashHex, indices } })
        const pushed = await this.#c.replication.pushShards(manifest, indices, source, { signal })
        result.pushed = pushed.sent
        result.failed = pushed.failed.map(f => f.index)
        // Lost rows of re-placed slots go; the new holders' rows were written by the push.
        const placed = new Set(pushed.sent)
        for (const r of rows) {
          if (placed.has(r.index) && holderStanding(r, now, this.#graceMs) === 'lost') await this.#c.replicas.delete(hashHex, r.index, r.holderId)
        }
        rows = (await this.#c.replicas.list(hashHex, { signal })).filter(r => r.holderId !== self)
        health = assess()
      }
    }
    result.status = tesseraStatus(health).status
    emit({ type: 'repair:check:done', detail: { hashHex, action: result.action.kind, status: result.status, pushed: result.pushed.length, failed: result.failed.length } })
    return result
  }

  /**
   * True when the holder of `row` answers a challenge with a proof at all: a liveness probe of
   * the designated watcher, not a proof (verifying it would cost the k shards we avoid fetching).
   */
  async #answers (row: ReplicaRecord, manifest: Manifest, signal: AbortSignal | undefined): Promise<boolean> {
    const challenge = createChallenge(fragmentOf(manifest, row.index), manifest.shardSize, { ranges: 1, random: this.#randomBytes })
    const timeout = AbortSignal.timeout(this.#attestTimeoutMs)
    try {
      const response = await this.#c.network.requestAttestation(row.holderId, challenge, { signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]) })
      return response.status === 'OK'
    } catch {
      throwIfAborted(signal)
      return false
    }
  }

  /** Challenges every row not proven yet in this run, `#concurrency` at a time. */
  async #attestRows (rows: readonly ReplicaRecord[], checkedNow: ReadonlySet<string>, sources: ReadonlyMap<number, ShardReader>, manifest: Manifest,
    pass: (index: number, holderId: string, found: boolean) => Promise<void>,
    miss: (row: ReplicaRecord, reason: HolderMissReason) => Promise<void>, signal: AbortSignal | undefined, missOnly: boolean): Promise<void> {
    const todo = rows.filter(r => !checkedNow.has(`${r.index}/${r.holderId}`))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        throwIfAborted(signal)
        const row = todo[next++]
        if (missOnly) {
          // Without k shards nothing can be verified; only unreachable holders are recorded.
          if (!this.#c.network.peers().some(p => p.id === row.holderId)) await miss(row, 'UNREACHABLE')
          continue
        }
        const reader = stripedReader(regenerateShard(geometryOf(manifest), row.index, sources))
        const proof = await proveHolder({
          network: this.#c.network,
          holderId: row.holderId,
          fragment: fragmentOf(manifest, row.index),
          reader,
          checksum: manifest.shardChecksums[row.index],
          whole: this.#random() < this.#wholeRate,
          ranges: this.#ranges,
          randomBytes: this.#randomBytes,
          timeoutMs: this.#attestTimeoutMs
        }, { signal })
        if (proof.passed) await pass(row.index, row.holderId, false)
        else await miss(row, proof.reason)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, todo.length) }, worker))
  }
}

/** Rendezvous slot of the watcher election (never a shard index: at most 256 shards). */
const WATCHER_SLOT = 0xFFFFFFFE

/**
 * The watcher of a tessera among `candidates` (this node and its live holders): the highest
 * rendezvous weight, so every holder that knows the same holders picks the same one.
 * @example designatedWatcher(manifest.tesseraHash, [selfId, ...holderIds])
 */
export function designatedWatcher (tesseraHash: Uint8Array, candidates: readonly string[]): string {
  let best: { id: string, w: Uint8Array } | undefined
  for (const id of new Set(candidates)) {
    const w = rendezvousWeight(tesseraHash, WATCHER_SLOT, id)
    if (best === undefined || compareWeights(w, best.w) > 0 || (compareWeights(w, best.w) === 0 && id < best.id)) best = { id, w }
  }
  if (best === undefined) throw new RangeError('candidates: expected at least one peer id')
  return best.id
}
