/**
 * The replication service: owner-push of our tesseras, the holder's side of the replicate,
 * attest and fetch protocols, and the status people see (DESIGN "Replication"; issue 5).
 * Pure: it sees the network, the stores and the keys only through ports.
 *
 * [Note: Owner push]
 * `replicate(hashHex)`:
 *  1. plan from the signed manifest (k, m by tier) and place with {@link placeShards} over
 *     `network.peers()` (owner, relayed and banned peers excluded, [Note: Peer score]); slots that already have a holder in
 *     the ReplicaStore are skipped, so calling it again only fills what is missing;
 *  2. one job per missing slot goes through a {@link BoundedQueue} (concurrency, max length);
 *     a job regenerates its shard from the local copy ({@link ShardSource}, one shard at a
 *     time), checks it against the manifest checksum, and pushes it with {@link retry}:
 *     attempt n goes to the n-th candidate (the placed holder, then its fallbacks, least loaded
 *     with this tessera first), waiting an exponential backoff with jitter between attempts;
 *  3. an `OK` answer counts only with a receipt that verifies under the holder's key for this
 *     fragment and our fresh nonce; then the holder row (ReplicaStore) and the ledger's
 *     "held by them" are recorded. These two writes run without the caller's signal: once a
 *     receipt verified, both are written (aborting means we stopped waiting, STYLE §5), and
 *     `stop()` waits for them, so an abort never leaves one without the other;
 *  4. a tessera with unplaced slots stays *pending* and is retried when a peer connects
 *     (memories saved while DEGRADED or ISOLATED wait here).
 *
 * [Note: Receive]
 * The holder checks, in this order, answering with a status (never our error text): running
 * and direct connection (`REFUSED_RELAYED`); request shape (`BAD_REQUEST`); manifest signature,
 * and the same vault as a manifest we already hold for that tessera (`BAD_MANIFEST`); fragment
 * id against the manifest (`BAD_REQUEST`); shard length and BLAKE3 against the id's and the
 * manifest's checksum (`BAD_CHECKSUM`); reciprocity and space with {@link decideReplicate};
 * then manifest put, and shard + ledger credit in one `storeFor`; then a receipt signed with
 * the device key. Decide-and-store runs one request at a time, so two parallel pushes cannot
 * both pass a limit that only one fits.
 * A sender whose manifest or shard fails its check gets a strike ([Note: Peer score]); a banned
 * sender is refused right after the relayed check, before any hashing or storing, with
 * `REFUSED_PEER_LIMIT` (its per-peer limit is zero for now; unlike `BAD_REQUEST` it tells an
 * honest sender wrongly banned to try another holder, and the wire protocol is unchanged).
 * Banned peers are never placement candidates ([Note: Owner push], [Note: Repair push]).
 */
import { AbortError, QueueFullError, isErrorNamed } from '../core/errors.js'
import { equalBytes, toHex } from '../core/hex.js'
import type {
  AbortOptions, AttestChallenge, AttestResponse, ConnectionKind, FragmentStore, InboundHandlers, ManifestListing, ManifestStore,
  PeerEvent, PeerInfo, PeerNetwork, ProgressOptions, Receipt, ReciprocityLedger, ReplicaRecord,
  ReplicaStore, ReplicateAck, ReplicateRequest, TesseraRecord, TesseraStore
} from '../core/ports.js'
import { MAX_LISTED_MANIFESTS } from '../core/ports.js'
import type { FragmentId, Manifest } from '../core/types.js'
import { blake3 } from '../crypto/hash.js'
import { vaultIdFromPublicKey } from '../crypto/keys.js'
import { verifyManifest } from '../crypto/manifest.js'
import { answerChallenge } from './attestation.js'
import { type Clock, type RandomBytes, type RandomNumber, secureRandom, secureRandomBytes, systemClock, throwIfAborted } from './clock.js'
import {
  DEFAULT_CONCURRENCY, DEFAULT_FALLBACK_HOLDERS, DEFAULT_MAX_PENDING_TESSERAS, DEFAULT_PEER_SETTLE_MS, DEFAULT_QUEUE_MAX_LENGTH,
  DEFAULT_REPLICATION_FACTOR, DEFAULT_RETRY_ATTEMPTS, DEFAULT_SEND_TIMEOUT_MS, MAX_RECEIPT_NONCE_BYTES, RECEIPT_NONCE_BYTES
} from './constants.js'
import { CorruptLocalShardError, InvalidReceiptError, NoHolderError, ReplicateRefusedError, ServiceStoppedError, TesseraNotFoundError } from './errors.js'
import { type NodeState, type TesseraStatus, type TesseraStatusView, assessTessera, holderStanding, nodeState, statusSentence, tesseraStatus } from './health.js'
import { placeShards } from './placement.js'
import { BoundedQueue } from './queue.js'
import { type PeerScore, peerScore } from './peer-score.js'
import { type ReciprocityPolicy, decideReplicate } from './reciprocity.js'
import { type ReceiptSigner, encodeFragmentId, signReceipt, verifyReceipt } from './receipt.js'
import { type BackoffInit, retry } from './retry.js'
import { type ShardSource, type ShardSourceFactory, localShardSource } from './shard-source.js'

/** Ports the service needs ([Note: Owner push], [Note: Receive]). */
export interface ReplicationComponents {
  network: PeerNetwork
  /** The owner's local copies (what we replicate; also serves our own manifests). */
  tesseras: TesseraStore
  /** Reciprocity ledger; its `storeFor` writes held shards into `fragments`. */
  ledger: ReciprocityLedger
  /** Shards held here (read by the attest and fetch handlers). */
  fragments: FragmentStore
  /** Holder map of our tesseras. */
  replicas: ReplicaStore
  /** Manifests of tesseras we hold shards of for others. */
  manifests: ManifestStore
  /** Signs receipts with this node's identity key (the libp2p Ed25519 key). */
  signer: ReceiptSigner
  /** Where shard bytes of our tesseras come from. Default {@link localShardSource} over `tesseras`. */
  shardSource?: ShardSourceFactory
  /** Free bytes on this device (`navigator.storage.estimate`, `statfs`); undefined when unknown. */
  freeBytes?: (options?: AbortOptions) => Promise<number | undefined>
  clock?: Clock
  /** Uniform [0, 1): retry jitter. */
  random?: RandomNumber
  /** Secure random bytes: receipt nonces. */
  randomBytes?: RandomBytes
  /** Where failures of background work go (never thrown at anyone). Default `console.warn`. */
  log?: (message: string, err?: unknown) => void
  /** This node's misbehaviour record of peers ([Note: Peer score]). Default a new {@link peerScore} on `clock`. */
  peerScore?: PeerScore
}

/** Settings of the service; every field has a `DEFAULT_*`. */
export interface ReplicationInit {
  /** Shard pushes at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number
  /** Shard pushes waiting at most. Default {@link DEFAULT_QUEUE_MAX_LENGTH}. */
  maxQueueLength?: number
  /** r: copies of a Small tessera, floor of round-robin. Default {@link DEFAULT_REPLICATION_FACTOR}. */
  replicas?: number
  /** Fallback holders per shard. Default {@link DEFAULT_FALLBACK_HOLDERS}. */
  fallbacks?: number
  /** Holders tried per slot, the first included (capped by the candidates). Default {@link DEFAULT_RETRY_ATTEMPTS}. */
  attempts?: number
  /** Backoff between attempts. Defaults of {@link backoffDelay}. */
  backoff?: BackoffInit
  /** One push and its receipt, when the caller gives no signal. Default {@link DEFAULT_SEND_TIMEOUT_MS}. */
  sendTimeoutMs?: number
  /** Wait after a peer connects before retrying pending tesseras. Default {@link DEFAULT_PEER_SETTLE_MS}. */
  peerSettleMs?: number
  /** Most tesseras waiting for peers. Default {@link DEFAULT_MAX_PENDING_TESSERAS}. */
  maxPending?: number
  /** What we accept from others; `offeredStorageBytes` is "Storage I give" (0 = hold nothing). */
  policy?: ReciprocityPolicy
}

/** Progress and activity events ('replicate:fragment:sent', …), namespaced (STYLE §3). */
export type ReplicationEvent =
  | { type: 'replicate:start', detail: { hashHex: string, slots: number, mode: 'distinct' | 'round-robin' | 'none' } }
  | { type: 'replicate:fragment:sent', detail: { hashHex: string, index: number, holderId: string, kind: ConnectionKind } }
  | { type: 'replicate:fragment:refused', detail: { hashHex: string, index: number, holderId: string, status: string } }
  | { type: 'replicate:fragment:failed', detail: { hashHex: string, index: number, code: string } }
  | { type: 'replicate:done', detail: { hashHex: string, sent: number, failed: number } }
  | { type: 'replicate:queued', detail: { hashHex: string } }
  | { type: 'receive:fragment:stored', detail: { from: string, fragment: FragmentId, bytes: number } }
  | { type: 'receive:fragment:refused', detail: { from: string, status: ReplicateAck['status'] } }

/** Outcome of one {@link ReplicationService.replicate} run. */
export interface ReplicateResult {
  hashHex: string
  /** Slots pushed in this run (receipts verified). */
  sent: number
  /** Slots that found no holder in this run. */
  failed: number
  /** Status after the run. */
  status: TesseraStatusSummary
}

/** The status of a memory with its plain sentence. */
export interface TesseraStatusSummary extends TesseraStatusView {
  sentence: string
  /** True while waiting for peers to place missing slots. */
  queued: boolean
}

/** The replication service. Create with {@link replicationService}. */
export interface ReplicationService {
  /** Installs the inbound handlers, subscribes to peer events. Idempotent. */
  start(): void
  /** Removes the handlers, aborts every push in flight and waits for recording to settle. Idempotent. */
  stop(): Promise<void>
  readonly running: boolean
  /**
   * This node's one misbehaviour record of peers ([Note: Peer score]): the repairer and recovery
   * record strikes in it and skip banned peers.
   */
  readonly peerScore: PeerScore
  /** The holder's side of the protocols (installed on the network by `start`). */
  readonly handlers: InboundHandlers
  /**
   * Pushes the missing slots of a local tessera ([Note: Owner push]). Concurrent calls for the
   * same tessera share one run.
   * @throws ServiceStoppedError, TesseraNotFoundError, AbortError, QueueFullError
   */
  replicate(hashHex: string, options?: AbortOptions & ProgressOptions<ReplicationEvent>): Promise<ReplicateResult>
  /** Queues a tessera for when peers appear (saved while DEGRADED/ISOLATED) and tries now if any are there. @throws QueueFullError */
  schedule(hashHex: string): void
  /** Tesseras waiting for peers. */
  pending(): string[]
  /** The user-facing status of one of our memories. @throws TesseraNotFoundError */
  status(hashHex: string, options?: AbortOptions): Promise<TesseraStatusSummary>
  /** The node state and its message, over every local memory. */
  nodeState(options?: AbortOptions): Promise<{ state: NodeState, message: string }>
  /** Activity events (both sides). @returns the unsubscribe function */
  subscribe(listener: (event: ReplicationEvent) => void): () => void
  /**
   * Pushes shards `indices` of a tessera, read from `source`, to new holders ([Note: Repair
   * push]); the repair loop's way to re-place lost slots, for our own tesseras and, keyless,
   * for tesseras we only watch. For a Small tessera (one shard) each entry of `indices` is one
   * more copy of shard 0.
   * @example await replication.pushShards(manifest, [3, 17], source)
   * @throws ServiceStoppedError, AbortError, RangeError for a bad index
   */
  pushShards(manifest: Manifest, indices: readonly number[], source: ShardSource, options?: AbortOptions & ProgressOptions<ReplicationEvent>): Promise<PushShardsResult>
}

/** Outcome of {@link ReplicationService.pushShards}. */
export interface PushShardsResult {
  /** Indices placed (receipts verified), one entry per copy. */
  sent: number[]
  /** Indices no holder took, with the error code of the last failure. */
  failed: Array<{ index: number, code: string }>
}

/** What a push needs to know of a tessera: the owner's record, or a watched tessera's manifest. */
type PushTarget = Pick<TesseraRecord, 'hashHex' | 'manifest'>

/** One slot to fill: shard `index` on a holder from `candidates` (in order). */
interface Slot {
  index: number
  candidates: string[]
}

/** Shards per holder and holders per shard index of a tessera's holder rows. */
function holderLoad (rows: readonly ReplicaRecord[]): { load: Map<string, number>, holdersOf: Map<number, Set<string>> } {
  const load = new Map<string, number>()
  const holdersOf = new Map<number, Set<string>>()
  for (const r of rows) {
    load.set(r.holderId, (load.get(r.holderId) ?? 0) + 1)
    if (!holdersOf.has(r.index)) holdersOf.set(r.index, new Set())
    holdersOf.get(r.index)?.add(r.holderId)
  }
  return { load, holdersOf }
}

/** Runs async sections one at a time. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve()
  async run<T> (fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn)
    this.#tail = result.then(() => undefined, () => undefined)
    return await result
  }
}

/** Refusals no other holder would answer differently (our request is wrong): no fallback is tried. */
const FINAL_REFUSALS = new Set(['BAD_MANIFEST', 'BAD_REQUEST'])

/**
 * Creates the replication service: `replicationService(init)(components)` (libp2p/Helia
 * pattern, STYLE §2).
 * @example
 * const replication = replicationService({ concurrency: 4 })({ network, tesseras, ledger, fragments, replicas, manifests, signer })
 * replication.start()
 * const { status } = await replication.replicate(hashHex, { onProgress: e => { console.log(e.type) } })
 * status.sentence // "Safe: survives 8 holders vanishing"
 */
export function replicationService (init: ReplicationInit = {}): (components: ReplicationComponents) => ReplicationService {
  return (components) => new DefaultReplicationService(init, components)
}

class DefaultReplicationService implements ReplicationService {
  readonly #c: ReplicationComponents
  readonly #clock: Clock
  readonly #random: RandomNumber
  readonly #randomBytes: RandomBytes
  readonly #shardSource: ShardSourceFactory
  readonly #log: (message: string, err?: unknown) => void
  readonly #replicasWanted: number
  readonly #fallbacks: number
  readonly #attempts: number
  readonly #backoff: BackoffInit
  readonly #sendTimeoutMs: number
  readonly #settleMs: number
  readonly #maxPending: number
  readonly #policy: ReciprocityPolicy
  readonly #queue: BoundedQueue
  readonly #receiveSerial = new Serial()
  readonly #listeners = new Set<(event: ReplicationEvent) => void>()
  readonly #inflight = new Map<string, Promise<ReplicateResult>>()
  readonly #pending = new Set<string>()
  /** Vault ids announced since start. */
  readonly #announced = new Set<string>()
  /** Every promise of work started by the service, so `stop()` can wait for it. */
  readonly #work = new Set<Promise<unknown>>()
  #shutdown: AbortController | undefined
  #unsubscribe: (() => void) | undefined
  #kicking = false
  #kickAgain = false
  #everConnected = false
  readonly handlers: InboundHandlers
  readonly peerScore: PeerScore

  constructor (init: ReplicationInit, components: ReplicationComponents) {
    this.#c = components
    this.#clock = components.clock ?? systemClock
    this.#random = components.random ?? secureRandom
    this.#randomBytes = components.randomBytes ?? secureRandomBytes
    this.#shardSource = components.shardSource ?? localShardSource(components.tesseras)
    this.#log = components.log ?? ((message, err) => { console.warn(`replication: ${message}`, err) })
    this.peerScore = components.peerScore ?? peerScore()({ clock: this.#clock })
    this.#replicasWanted = init.replicas ?? DEFAULT_REPLICATION_FACTOR
    this.#fallbacks = init.fallbacks ?? DEFAULT_FALLBACK_HOLDERS
    this.#attempts = init.attempts ?? DEFAULT_RETRY_ATTEMPTS
    this.#backoff = init.backoff ?? {}
    this.#sendTimeoutMs = init.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS
    this.#settleMs = init.peerSettleMs ?? DEFAULT_PEER_SETTLE_MS
    this.#maxPending = init.maxPending ?? DEFAULT_MAX_PENDING_TESSERAS
    this.#policy = init.policy ?? {}
    this.#queue = new BoundedQueue({ concurrency: init.concurrency ?? DEFAULT_CONCURRENCY, maxLength: init.maxQueueLength ?? DEFAULT_QUEUE_MAX_LENGTH })
    for (const [name, v] of [['attempts', this.#attempts], ['replicas', this.#replicasWanted], ['maxPending', this.#maxPending]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name}: expected an integer ≥ 1, got ${String(v)}`)
    }
    this.handlers = {
      replicate: async (from, request, options) => await this.#receive(from, request, options),
      attest: async (from, challenge, options) => await this.#attest(from, challenge, options),
      fetchShard: async (from, id, options) => await this.#fetchShard(from, id, options),
      fetchManifest: async (from, hashHex, options) => await this.#fetchManifest(from, hashHex, options),
      listManifests: async (from, vaultIdHex, options) => await this.#listManifests(from, vaultIdHex, options)
    }
  }

  get running (): boolean {
    return this.#shutdown !== undefined
  }

  start (): void {
    if (this.#shutdown !== undefined) return
    this.#shutdown = new AbortController()
    if (this.#c.network.peers().length > 0) this.#everConnected = true
    this.#unsubscribe = this.#c.network.subscribe(event => { this.#onPeerEvent(event) })
    this.#c.network.setHandlers(this.handlers)
    void this.#track(this.#announceHeldVaults(this.#shutdown.signal).catch((err: unknown) => { if (!isErrorNamed(err, 'AbortError')) this.#log('listing held vaults failed', err) }))
  }

  async stop (): Promise<void> {
    const shutdown = this.#shutdown
    if (shutdown === undefined) return
    this.#shutdown = undefined
    this.#c.network.setHandlers(undefined)
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#announced.clear()
    shutdown.abort()
    this.#queue.clear()
    // Wait for every run to settle: recording after a verified receipt finishes before stop resolves.
    while (this.#work.size > 0) await Promise.allSettled([...this.#work])
  }

  subscribe (listener: (event: ReplicationEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  pending (): string[] {
    return [...this.#pending]
  }

  #emit (event: ReplicationEvent, onProgress?: (event: ReplicationEvent) => void): void {
    for (const l of this.#listeners) {
      try {
        l(event)
      } catch (err) {
        this.#log('an event listener threw', err)
      }
    }
    onProgress?.(event)
  }

  #track<T> (promise: Promise<T>): Promise<T> {
    this.#work.add(promise)
    const drop = (): void => { this.#work.delete(promise) }
    promise.then(drop, drop)
    return promise
  }

  // ─── Owner push ───────────────────────────────────────────────────────────────────────────

  async replicate (hashHex: string, options: AbortOptions & ProgressOptions<ReplicationEvent> = {}): Promise<ReplicateResult> {
    const shutdown = this.#shutdown
    if (shutdown === undefined) throw new ServiceStoppedError()
    throwIfAborted(options.signal)
    if (typeof hashHex !== 'string' || !/^[0-9a-f]{64}$/.test(hashHex)) throw new RangeError('hashHex: expected 64 lowercase hex characters')
    let run = this.#inflight.get(hashHex)
    if (run === undefined) {
      run = this.#track(this.#run(hashHex, shutdown.signal, options.onProgress))
      this.#inflight.set(hashHex, run)
      const clear = (): void => { if (this.#inflight.get(hashHex) === run) this.#inflight.delete(hashHex) }
      run.then(clear, clear)
    }
    if (options.signal === undefined) return await run
    // The caller may stop waiting; the run goes on under the service's own shutdown signal.
    const signal = options.signal
    return await new Promise<ReplicateResult>((resolve, reject) => {
      const onAbort = (): void => { reject(new AbortError()) }
      signal.addEventListener('abort', onAbort, { once: true })
      ;(run as Promise<ReplicateResult>).then(v => { signal.removeEventListener('abort', onAbort); resolve(v) }, e => { signal.removeEventListener('abort', onAbort); reject(e) })
    })
  }

  schedule (hashHex: string): void {
    if (typeof hashHex !== 'string' || !/^[0-9a-f]{64}$/.test(hashHex)) throw new RangeError('hashHex: expected 64 lowercase hex characters')
    this.#addPending(hashHex)
    this.#kick()
  }

  #addPending (hashHex: string): void {
    if (this.#pending.has(hashHex)) return
    if (this.#pending.size >= this.#maxPending) throw new QueueFullError(`${this.#pending.size} tesseras already wait for peers`)
    this.#pending.add(hashHex)
  }

  async #run (hashHex: string, signal: AbortSignal, onProgress?: (event: ReplicationEvent) => void): Promise<ReplicateResult> {
    const record = await this.#c.tesseras.get(hashHex, { signal })
    if (record === undefined) throw new TesseraNotFoundError(hashHex)
    const { manifest } = record
    const existing = await this.#c.replicas.list(hashHex, { signal })
    const peers = this.#candidatePeers()
    const placement = placeShards(
      { tesseraHash: manifest.tesseraHash, k: manifest.k, m: manifest.m, ownerId: this.#c.network.selfId, peers },
      { replicas: this.#replicasWanted, fallbacks: this.#fallbacks }
    )
    const slots = this.#missingSlots(manifest, placement.assignments, existing)
    this.#emit({ type: 'replicate:start', detail: { hashHex, slots: slots.length, mode: placement.mode } }, onProgress)
    // Holders of this tessera (existing and chosen in this run), to spread shards and keep copies apart.
    const { load, holdersOf } = holderLoad(existing)
    for (const slot of slots) {
      for (const id of slot.candidates.slice(0, 1)) load.set(id, (load.get(id) ?? 0) + 1)
    }
    let sent = 0
    let failed = 0
    if (slots.length > 0) {
      const source = await this.#shardSource(record, { signal })
      const jobs = slots.map(async slot => {
        try {
          await this.#queue.add(async ({ signal: jobSignal }) => {
            await this.#pushSlot(record, slot, source, load, holdersOf, jobSignal as AbortSignal, onProgress)
          }, { signal })
          sent++
        } catch (err) {
          if (signal.aborted) throw err
          failed++
          const code = (err as { code?: unknown })?.code
          this.#emit({ type: 'replicate:fragment:failed', detail: { hashHex, index: slot.index, code: typeof code === 'string' ? code : 'ERR_UNKNOWN' } }, onProgress)
          if (!['NoHolderError', 'RetriesExhaustedError', 'ReplicateRefusedError'].some(n => isErrorNamed(err, n))) this.#log(`shard ${slot.index} of ${hashHex} was not placed`, err)
        }
      })
      const outcomes = await Promise.allSettled(jobs)
      throwIfAborted(signal)
      for (const o of outcomes) if (o.status === 'rejected') throw o.reason
    }
    const status = await this.#statusOf(record, { signal }, false)
    if (status.status === 'Replicated') {
      this.#pending.delete(hashHex)
    } else {
      try {
        this.#addPending(hashHex)
        this.#emit({ type: 'replicate:queued', detail: { hashHex } }, onProgress)
      } catch (err) {
        this.#log(`tessera ${hashHex} is below target and the pending list is full`, err)
      }
    }
    this.#emit({ type: 'replicate:done', detail: { hashHex, sent, failed } }, onProgress)
    return { hashHex, sent, failed, status: { ...status, queued: this.#pending.has(hashHex) } }
  }

  /*
   * [Note: Repair push]
   * `pushShards` reuses the owner push path (queue, checksum check, fallbacks with backoff,
   * receipt verification, holder row + ledger record) for shards the repair loop regenerated.
   * Candidates are placed by the same rules ({@link placeShards}: rendezvous, subnet and
   * institutional caps) over the connected peers that hold no shard of this tessera yet, so a
   * repaired shard never lands beside another shard of the same memory when a fresh peer
   * exists; with too few fresh peers it falls back to any peer not holding that index. Suspect
   * and lost holders count as holding (a returning holder must not receive a second shard).
   * A keyless repairer pushes with the owner's signed manifest unchanged; the holder verifies it
   * and charges *the repairer* as the sender in its ledger, which is acceptable: the repairer
   * spends its own reciprocity credit to keep someone else's memory alive.
   */
  async pushShards (manifest: Manifest, indices: readonly number[], source: ShardSource,
    options: AbortOptions & ProgressOptions<ReplicationEvent> = {}): Promise<PushShardsResult> {
    const shutdown = this.#shutdown
    if (shutdown === undefined) throw new ServiceStoppedError()
    throwIfAborted(options.signal)
    const n = manifest.k + manifest.m
    for (const i of indices) if (!Number.isSafeInteger(i) || i < 0 || i >= n) throw new RangeError(`indices: expected 0..${n - 1}, got ${String(i)}`)
    const signal = options.signal === undefined ? shutdown.signal : AbortSignal.any([options.signal, shutdown.signal])
    const target: PushTarget = { hashHex: toHex(manifest.tesseraHash), manifest }
    return await this.#track(this.#pushShards(target, indices, source, signal, options.onProgress))
  }

  async #pushShards (target: PushTarget, indices: readonly number[], source: ShardSource, signal: AbortSignal,
    onProgress?: (event: ReplicationEvent) => void): Promise<PushShardsResult> {
    const { manifest, hashHex } = target
    const n = manifest.k + manifest.m
    const existing = await this.#c.replicas.list(hashHex, { signal })
    const tesseraHolders = new Set(existing.map(r => r.holderId))
    const peers = this.#candidatePeers()
    const request = { tesseraHash: manifest.tesseraHash, k: manifest.k, m: manifest.m, ownerId: this.#c.network.selfId }
    const placeInit = { replicas: this.#replicasWanted, fallbacks: this.#fallbacks }
    const fresh = placeShards({ ...request, peers: peers.filter(p => !tesseraHolders.has(p.id)) }, placeInit)
    const any = placeShards({ ...request, peers }, placeInit)
    const { load, holdersOf } = holderLoad(existing)
    const candidatesOf = (placement: typeof fresh, index: number): string[] => {
      const a = placement.assignments.find(x => x.index === index)
      return a === undefined ? [] : [...a.holders, ...a.fallbacks]
    }
    const slots: Slot[] = []
    /** First choices so far: repaired shards (and copies) go to distinct holders while fresh ones last. */
    const picked = new Set<string>()
    for (const index of indices) {
      const taken = holdersOf.get(index) ?? new Set<string>()
      let candidates = [...new Set([...candidatesOf(fresh, index), ...fresh.holders])].filter(h => !taken.has(h))
      if (candidates.length === 0) candidates = candidatesOf(any, index).filter(h => !taken.has(h))
      const first = candidates.find(h => !picked.has(h))
      if (first !== undefined) {
        picked.add(first)
        candidates = [first, ...candidates.filter(h => h !== first)]
      }
      slots.push({ index, candidates })
    }
    this.#emit({ type: 'replicate:start', detail: { hashHex, slots: slots.length, mode: fresh.mode === 'none' ? any.mode : fresh.mode } }, onProgress)
    const sent: number[] = []
    const failed: PushShardsResult['failed'] = []
    /** Read each shard once even when several copies of it are pushed (Small). */
    const reads = new Map<number, Promise<Uint8Array>>()
    const cached: ShardSource = {
      shardCount: source.shardCount,
      shardSize: source.shardSize,
      read: async (index, options) => {
        let r = reads.get(index)
        if (r === undefined) {
          r = source.read(index, options)
          reads.set(index, r)
          r.catch(() => { reads.delete(index) })
        }
        return await r
      }
    }
    const jobs = slots.map(async slot => {
      try {
        if (slot.candidates.length === 0) throw new NoHolderError(`no peer can take shard ${slot.index} of ${hashHex}`)
        await this.#queue.add(async ({ signal: jobSignal }) => {
          await this.#pushSlot(target, slot, cached, load, holdersOf, jobSignal as AbortSignal, onProgress)
        }, { signal })
        sent.push(slot.index)
      } catch (err) {
        if (signal.aborted) throw err
        const code = (err as { code?: unknown })?.code
        failed.push({ index: slot.index, code: typeof code === 'string' ? code : 'ERR_UNKNOWN' })
        this.#emit({ type: 'replicate:fragment:failed', detail: { hashHex, index: slot.index, code: typeof code === 'string' ? code : 'ERR_UNKNOWN' } }, onProgress)
      }
    })
    const outcomes = await Promise.allSettled(jobs)
    throwIfAborted(signal)
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason
    this.#emit({ type: 'replicate:done', detail: { hashHex, sent: sent.length, failed: failed.length } }, onProgress)
    return { sent: sent.sort((a, b) => a - b), failed: failed.sort((a, b) => a.index - b.index) }
  }

  /** Connected peers a shard may be placed on: banned ones never are ([Note: Peer score]). */
  #candidatePeers (): PeerInfo[] {
    return this.#c.network.peers().filter(p => !this.peerScore.isBanned(p.id))
  }

  /** Slots without a holder yet, each with its candidate holders in order. */
  #missingSlots (manifest: Manifest, assignments: ReturnType<typeof placeShards>['assignments'], existing: ReplicaRecord[]): Slot[] {
    const n = manifest.k + manifest.m
    const held = new Map<number, Set<string>>()
    const now = this.#clock.now()
    for (const r of existing) {
      // Suspect holders still hold their slot ([Note: Holder grace]): re-placing them on every
      // replicate() (each app start schedules every memory) would be a repair storm.
      if (holderStanding(r, now) === 'lost') continue
      if (!held.has(r.index)) held.set(r.index, new Set())
      held.get(r.index)?.add(r.holderId)
    }
    const slots: Slot[] = []
    if (n === 1) {
      // Small: r copies of shard 0, each on a different holder.
      const have = held.get(0) ?? new Set<string>()
      const missing = Math.max(0, this.#replicasWanted - have.size)
      const a = assignments[0]
      const fresh = (a?.holders ?? []).filter(h => !have.has(h))
      const spare = (a?.fallbacks ?? []).filter(h => !have.has(h) && !fresh.includes(h))
      for (let c = 0; c < missing && c < fresh.length; c++) {
        slots.push({ index: 0, candidates: [fresh[c], ...spare] })
      }
      return slots
    }
    for (const a of assignments) {
      if ((held.get(a.index)?.size ?? 0) > 0 || a.holders.length === 0) continue
      slots.push({ index: a.index, candidates: [...a.holders, ...a.fallbacks] })
    }
    return slots
  }

  /** One slot: read and check the shard, then push it to the candidates in turn. */
  async #pushSlot (record: PushTarget, slot: Slot, source: Awaited<ReturnType<ShardSourceFactory>>, load: Map<string, number>,
    holdersOf: Map<number, Set<string>>, signal: AbortSignal, onProgress?: (event: ReplicationEvent) => void): Promise<void> {
    const { manifest, hashHex } = record
    const shard = await source.read(slot.index, { signal })
    const checksum = manifest.shardChecksums[slot.index]
    if (!equalBytes(blake3(shard), checksum)) throw new CorruptLocalShardError(hashHex, slot.index)
    const fragment: FragmentId = { tesseraHashHex: hashHex, index: slot.index, shardCount: manifest.k + manifest.m, checksumHex: toHex(checksum) }
    const tried = new Set<string>()
    const [first] = slot.candidates
    const next = (): string | undefined => {
      const taken = holdersOf.get(slot.index) ?? new Set<string>()
      const open = slot.candidates.filter(c => !tried.has(c) && !taken.has(c))
      if (first !== undefined && open.includes(first)) return first
      // Fallbacks: the least loaded with this tessera first, placement order among equals.
      return open.sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0))[0]
    }
    const attempts = Math.max(1, Math.min(this.#attempts, slot.candidates.length))
    const done = await retry(async (_attempt, { signal: attemptSignal }) => {
      const peerId = next()
      if (peerId === undefined) throw new NoHolderError(`no holder left for shard ${slot.index} of ${hashHex}`)
      tried.add(peerId)
      // Reserve the holder for this shard while we try it, so a parallel copy does not pick it too.
      if (!holdersOf.has(slot.index)) holdersOf.set(slot.index, new Set())
      const taken = holdersOf.get(slot.index) as Set<string>
      taken.add(peerId)
      try {
        return await this.#attempt(record, slot.index, fragment, shard, peerId, attemptSignal as AbortSignal, onProgress)
      } catch (err) {
        taken.delete(peerId)
        throw err
      }
    }, {
      ...this.#backoff,
      attempts,
      clock: this.#clock,
      random: this.#random,
      // Another attempt only when another candidate is left and another holder could say yes.
      shouldRetry: err => !isErrorNamed(err, 'AbortError') && !isErrorNamed(err, 'NoHolderError') &&
        !(isErrorNamed(err, 'ReplicateRefusedError') && FINAL_REFUSALS.has((err as ReplicateRefusedError).status)) && next() !== undefined
    }, { signal })
    // [Note: Owner push] step 3: both records, without the caller's signal.
    await this.#record(record, slot.index, fragment, shard.length, done.peer, done.receipt)
    if (!holdersOf.has(slot.index)) holdersOf.set(slot.index, new Set())
    holdersOf.get(slot.index)?.add(done.peer.id)
    if (done.peer.id !== first && first !== undefined) {
      load.set(first, Math.max(0, (load.get(first) ?? 1) - 1))
      load.set(done.peer.id, (load.get(done.peer.id) ?? 0) + 1)
    }
    this.#emit({ type: 'replicate:fragment:sent', detail: { hashHex, index: slot.index, holderId: done.peer.id, kind: done.peer.kind } }, onProgress)
  }

  /** One push to one holder; resolves with a verified receipt. @throws ReplicateRefusedError, InvalidReceiptError, network errors */
  async #attempt (record: PushTarget, index: number, fragment: FragmentId, shard: Uint8Array, peerId: string, signal: AbortSignal,
    onProgress?: (event: ReplicationEvent) => void): Promise<{ peer: PeerInfo, receipt: Receipt }> {
    const peer = this.#c.network.peers().find(p => p.id === peerId)
    if (peer === undefined || peer.kind === 'relayed') throw new ReplicateRefusedError(peerId, 'REFUSED_RELAYED') // gone, or only a circuit left
    const nonce = this.#randomBytes(RECEIPT_NONCE_BYTES).slice()
    const request: ReplicateRequest = { manifest: record.manifest, fragment, shard, nonce }
    const ack = await this.#c.network.sendReplicate(peerId, request, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.#sendTimeoutMs)]) })
    if (ack.status !== 'OK') {
      this.#emit({ type: 'replicate:fragment:refused', detail: { hashHex: record.hashHex, index, holderId: peerId, status: ack.status } }, onProgress)
      throw new ReplicateRefusedError(peerId, ack.status)
    }
    if (ack.receipt === undefined || peer.publicKey === undefined) throw new InvalidReceiptError(`holder ${peerId} sent no receipt we can verify`)
    verifyReceipt(ack.receipt, { publicKey: peer.publicKey, holderId: peerId, fragment, nonce })
    return { peer, receipt: ack.receipt }
  }

  async #record (record: PushTarget, index: number, fragment: FragmentId, bytes: number, peer: PeerInfo, receipt: Receipt): Promise<void> {
    const now = Math.floor(this.#clock.now()) // a Clock may return fractions; records hold whole ms
    await this.#c.ledger.recordHeldBy(peer.id, fragment, bytes)
    await this.#c.replicas.put({ tesseraHashHex: record.hashHex, index, holderId: peer.id, kind: peer.kind, storedAt: now, lastProofAt: now, receipt })
  }

  // ─── Status ───────────────────────────────────────────────────────────────────────────────

  async status (hashHex: string, options: AbortOptions = {}): Promise<TesseraStatusSummary> {
    const record = await this.#c.tesseras.get(hashHex, options)
    if (record === undefined) throw new TesseraNotFoundError(hashHex)
    return await this.#statusOf(record, options, this.#inflight.has(hashHex))
  }

  async #statusOf (record: TesseraRecord, options: AbortOptions, inflight: boolean): Promise<TesseraStatusSummary> {
    const { manifest } = record
    const rows = await this.#c.replicas.list(record.hashHex, options)
    const health = assessTessera({ k: manifest.k, m: manifest.m, replicas: rows, now: this.#clock.now(), replicasWanted: this.#replicasWanted })
    const view = tesseraStatus(health, inflight)
    return { ...view, sentence: statusSentence(view), queued: this.#pending.has(record.hashHex) }
  }

  async nodeState (options: AbortOptions = {}): Promise<{ state: NodeState, message: string }> {
    const peers = this.#c.network.peers()
    if (peers.length > 0) this.#everConnected = true
    const storagePeers = peers.filter(p => p.id !== this.#c.network.selfId && p.kind !== 'relayed').length
    const statuses: TesseraStatus[] = []
    for (const entry of await this.#c.tesseras.list(options)) {
      throwIfAborted(options.signal)
      if (!('manifest' in entry)) continue
      statuses.push((await this.#statusOf(entry, options, this.#inflight.has(entry.hashHex))).status)
    }
    return nodeState({ networkReachable: this.#everConnected, storagePeers, statuses })
  }

  // ─── Peers appearing ──────────────────────────────────────────────────────────────────────

  #onPeerEvent (event: PeerEvent): void {
    if (event.type === 'peer:disconnect') return
    this.#everConnected = true
    if (event.peer.kind === 'relayed' || this.#pending.size === 0) return
    this.#kick()
  }

  /** Retries pending tesseras once peers settled; one run at a time, a burst of events gives one more run. */
  #kick (): void {
    const shutdown = this.#shutdown
    if (shutdown === undefined) return
    if (this.#kicking) {
      this.#kickAgain = true
      return
    }
    this.#kicking = true
    const work = (async () => {
      try {
        do {
          this.#kickAgain = false
          await this.#clock.sleep(this.#settleMs, { signal: shutdown.signal })
          for (const hashHex of [...this.#pending]) {
            if (shutdown.signal.aborted) return
            try {
              await this.replicate(hashHex)
            } catch (err) {
              if (isErrorNamed(err, 'TesseraNotFoundError')) this.#pending.delete(hashHex)
              else if (!shutdown.signal.aborted) this.#log(`retrying tessera ${hashHex} failed`, err)
            }
          }
        } while (this.#kickAgain && !shutdown.signal.aborted)
      } catch (err) {
        if (!isErrorNamed(err, 'AbortError')) this.#log('retrying pending tesseras failed', err)
      } finally {
        this.#kicking = false
      }
    })()
    void this.#track(work)
  }

  // ─── Holder side ──────────────────────────────────────────────────────────────────────────

  async #receive (from: PeerInfo, request: ReplicateRequest, options: AbortOptions = {}): Promise<ReplicateAck> {
    const refuse = (status: Exclude<ReplicateAck['status'], 'OK'>): ReplicateAck => {
      this.#emit({ type: 'receive:fragment:refused', detail: { from: String(from?.id), status } })
      return { status }
    }
    try {
      throwIfAborted(options.signal)
      if (this.#shutdown === undefined) return refuse('INTERNAL')
      if (from?.kind === 'relayed') return refuse('REFUSED_RELAYED')
      if (typeof from?.id !== 'string' || from.id === '' || typeof request !== 'object' || request === null) return refuse('BAD_REQUEST')
      // [Note: Peer score]: a banned sender's bytes are neither hashed nor stored.
      if (this.peerScore.isBanned(from.id)) return refuse('REFUSED_PEER_LIMIT')
      const { manifest, fragment, shard, nonce } = request
      try {
        encodeFragmentId(fragment)
      } catch {
        return refuse('BAD_REQUEST')
      }
      if (!(shard instanceof Uint8Array) || !(nonce instanceof Uint8Array) || nonce.length < 16 || nonce.length > MAX_RECEIPT_NONCE_BYTES) return refuse('BAD_REQUEST')
      try {
        verifyManifest(manifest)
      } catch {
        this.peerScore.strike(from.id, 'BAD_MANIFEST')
        return refuse('BAD_MANIFEST')
      }
      if (toHex(manifest.tesseraHash) !== fragment.tesseraHashHex || fragment.shardCount !== manifest.k + manifest.m) return refuse('BAD_REQUEST')
      const held = await this.#c.manifests.get(fragment.tesseraHashHex, options)
      if (held !== undefined && !equalBytes(held.vaultPublicKey, manifest.vaultPublicKey)) {
        this.peerScore.strike(from.id, 'BAD_MANIFEST')
        return refuse('BAD_MANIFEST')
      }
      const expected = manifest.shardChecksums[fragment.index]
      if (shard.length !== manifest.shardSize || toHex(expected) !== fragment.checksumHex || !equalBytes(blake3(shard), expected)) {
        this.peerScore.strike(from.id, 'BAD_SHARD_PUSHED')
        return refuse('BAD_CHECKSUM')
      }
      const ack = await this.#receiveSerial.run(async () => {
        throwIfAborted(options.signal)
        const [entry, total, alreadyHeld, freeBytes] = await Promise.all([
          this.#c.ledger.entry(from.id, options),
          this.#c.ledger.totalHeldForOthers(options),
          this.#c.fragments.has(fragment, options),
          this.#c.freeBytes?.(options)
        ])
        const decision = decideReplicate({ institutional: from.institutional === true, entry, shardBytes: shard.length, totalHeldForOthers: total, freeBytes, alreadyHeld }, this.#policy)
        if (!decision.accept) return { status: decision.status }
        if (held === undefined) await this.#c.manifests.put(manifest, options)
        await this.#c.ledger.storeFor(from.id, fragment, shard, options)
        return undefined
      })
      if (ack !== undefined) return refuse(ack.status as Exclude<ReplicateAck['status'], 'OK'>)
      if (held === undefined) this.#announce(toHex(vaultIdFromPublicKey(manifest.vaultPublicKey)))
      const receipt = await signReceipt({ fragment, holderId: this.#c.network.selfId, storedAt: Math.floor(this.#clock.now()), nonce }, this.#c.signer, options)
      this.#emit({ type: 'receive:fragment:stored', detail: { from: from.id, fragment: { ...fragment }, bytes: shard.length } })
      return { status: 'OK', receipt }
    } catch (err) {
      if (isErrorNamed(err, 'AbortError')) throw err
      if (isErrorNamed(err, 'StorageFullError')) return refuse('REFUSED_DISK_FULL')
      this.#log('a replicate request failed on our side', err)
      return refuse('INTERNAL')
    }
  }

  async #attest (_from: PeerInfo, challenge: AttestChallenge, options: AbortOptions = {}): Promise<AttestResponse> {
    if (this.#shutdown === undefined) return { status: 'INTERNAL' }
    return await answerChallenge(challenge, this.#c.fragments, options)
  }

  async #fetchShard (from: PeerInfo, id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    if (this.#shutdown === undefined || from?.kind === 'relayed') return undefined
    try {
      encodeFragmentId(id)
    } catch {
      return undefined
    }
    return await this.#c.fragments.get(id, options)
  }

  async #fetchManifest (_from: PeerInfo, hashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    if (this.#shutdown === undefined || typeof hashHex !== 'string' || !/^[0-9a-f]{64}$/.test(hashHex)) return undefined
    return (await this.#c.manifests.get(hashHex, options)) ?? (await this.#c.tesseras.get(hashHex, options))?.manifest
  }

  /** Every manifest we hold or own, read once per call (fine for thousands; an index by vault can come later). */
  async #allManifests (options: AbortOptions): Promise<Manifest[]> {
    const out: Manifest[] = []
    for (const hashHex of await this.#c.manifests.list(options)) {
      const m = await this.#c.manifests.get(hashHex, options).catch(() => undefined)
      if (m !== undefined) out.push(m)
    }
    for (const entry of await this.#c.tesseras.list(options)) {
      if ('manifest' in entry && !out.some(m => equalBytes(m.tesseraHash, entry.manifest.tesseraHash))) out.push(entry.manifest)
    }
    return out
  }

  /** The vault's manifests, newest first, with the shard indices of each that we hold and serve (`held`). */
  async #listManifests (_from: PeerInfo, vaultIdHex: string, options: AbortOptions = {}): Promise<ManifestListing> {
    if (this.#shutdown === undefined || typeof vaultIdHex !== 'string' || !/^[0-9a-f]{64}$/.test(vaultIdHex)) return []
    const mine = (await this.#allManifests(options)).filter(m => toHex(vaultIdFromPublicKey(m.vaultPublicKey)) === vaultIdHex)
    const listed = mine.sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_LISTED_MANIFESTS)
    const held = new Map<string, number[]>()
    for (const m of listed) {
      const hashHex = toHex(m.tesseraHash)
      const ids = await this.#c.fragments.list(hashHex, options)
      const indices = ids.filter(id => id.shardCount === m.k + m.m && id.index < id.shardCount && id.checksumHex === toHex(m.shardChecksums[id.index])).map(id => id.index)
      if (indices.length > 0) held.set(hashHex, indices)
    }
    return Object.assign(listed, { held })
  }

  /** Announces every vault we hold (or own) fragments of, once per start ([Note: Finding a vault]). */
  async #announceHeldVaults (signal: AbortSignal): Promise<void> {
    const vaults = new Set((await this.#allManifests({ signal })).map(m => toHex(vaultIdFromPublicKey(m.vaultPublicKey))))
    for (const v of vaults) this.#announce(v)
  }

  #announce (vaultIdHex: string): void {
    if (this.#announced.has(vaultIdHex) || this.#shutdown === undefined) return
    this.#announced.add(vaultIdHex)
    void this.#track(this.#c.network.announceVault(vaultIdHex, { signal: this.#shutdown.signal }).catch((err: unknown) => {
      this.#announced.delete(vaultIdHex)
      if (!isErrorNamed(err, 'AbortError')) this.#log(`announcing vault ${vaultIdHex.slice(0, 8)} failed`, err)
    }))
  }
}
