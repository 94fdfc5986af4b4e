/**
 * Misbehaviour scores of peers (issues 5 and 6): strikes for bytes that fail a check, decaying
 * over time; a peer over the threshold is banned.
 *
 * [Note: Peer score]
 * A strike is recorded only for misbehaviour we verified ourselves, never for churn:
 *  - `BAD_SHARD_PUSHED`: a shard pushed to us fails its checksum (the service, [Note: Receive]);
 *  - `BAD_MANIFEST`: a pushed manifest fails its signature or claims another vault's tessera;
 *  - `WRONG_PROOF`: an attestation answered `OK` with a wrong proof (the repairer); a timeout, an
 *    unreachable peer or `NOT_FOUND` is not a strike — a holder offline or one that lost its
 *    disk is churn, handled by the grace period ([Note: Holder grace]);
 *  - `BAD_SHARD_SERVED`: a fetched shard fails its checksum (keyless repair, recovery).
 * The score is the sum of the strikes' weights ({@link DEFAULT_STRIKE_WEIGHTS}), each halved
 * every {@link DEFAULT_PEER_SCORE_HALF_LIFE_MS}; at {@link DEFAULT_PEER_BAN_THRESHOLD} or more
 * the peer is banned: the service refuses its pushes before verifying or storing anything and
 * never places a shard on it, recovery does not ask it. A ban ends by itself as the score
 * decays, so a peer wrongly banned (a bug, not malice) comes back; a repeat offender is banned
 * again at its next strike, for longer.
 * One score per node: the service creates it (or takes one as a component) and exposes it; the
 * repairer and a recovery session take it as a component (default: the service's, else their own).
 * Memory is bounded: at most {@link DEFAULT_PEER_SCORE_MAX_PEERS} peers, the least recently
 * struck forgotten first, and a score decayed to nothing is dropped. In memory only: a restart
 * forgives everyone. Persisting it would let a bug ban an honest peer for good, and peer ids
 * are cheap to an attacker anyway (a new id starts clean), so the score slows an attacker down
 * rather than keeping it out; what keeps bad bytes out is that every byte is verified.
 */
import { type Clock, systemClock } from './clock.js'
import { DEFAULT_PEER_BAN_THRESHOLD, DEFAULT_PEER_SCORE_HALF_LIFE_MS, DEFAULT_PEER_SCORE_MAX_PEERS, DEFAULT_STRIKE_WEIGHTS } from './constants.js'

/** What a peer did wrong ([Note: Peer score]). */
export type StrikeKind = keyof typeof DEFAULT_STRIKE_WEIGHTS

/** What other services read of a peer score. */
export interface PeerScoreView {
  /** The decayed score of `peerId` now; 0 for a peer never struck (or forgotten). */
  score(peerId: string): number
  /** True while the score is at or above the ban threshold. */
  isBanned(peerId: string): boolean
}

/** A per-node record of peers' misbehaviour. Create with {@link peerScore}. */
export interface PeerScore extends PeerScoreView {
  /**
   * Records one strike of `kind` against `peerId`.
   * @returns the score after the strike
   * @throws TypeError when `peerId` is not a non-empty string or `kind` is unknown
   */
  strike(peerId: string, kind: StrikeKind): number
  /** Peers remembered (at most `maxPeers`). */
  readonly size: number
}

/** Settings of a peer score; each has a `DEFAULT_*`. */
export interface PeerScoreInit {
  /** Default {@link DEFAULT_PEER_SCORE_HALF_LIFE_MS}. */
  halfLifeMs?: number
  /** Default {@link DEFAULT_PEER_BAN_THRESHOLD}. */
  banThreshold?: number
  /** Default {@link DEFAULT_PEER_SCORE_MAX_PEERS}. */
  maxPeers?: number
  /** Weight per kind; missing kinds keep {@link DEFAULT_STRIKE_WEIGHTS}. */
  weights?: Partial<Record<StrikeKind, number>>
}

/** Components of a peer score. */
export interface PeerScoreComponents {
  /** Default {@link systemClock}. */
  clock?: Clock
}

/** Below this a decayed score is forgotten (about 10 half-lives after a single strike). */
const NEGLIGIBLE_SCORE = 1 / 1024

/**
 * Creates a peer score: `peerScore(init)(components)` (STYLE §2).
 * @example
 * const scores = peerScore()({ clock })
 * scores.strike(peerId, 'BAD_SHARD_PUSHED')
 * if (scores.isBanned(peerId)) return { status: 'REFUSED_PEER_LIMIT' }
 * @throws RangeError for a non-positive half-life or threshold, or a `maxPeers` below 1
 */
export function peerScore (init: PeerScoreInit = {}): (components?: PeerScoreComponents) => PeerScore {
  return (components = {}) => new MemoryPeerScore(init, components)
}

class MemoryPeerScore implements PeerScore {
  readonly #clock: Clock
  readonly #halfLifeMs: number
  readonly #threshold: number
  readonly #maxPeers: number
  readonly #weights: Record<StrikeKind, number>
  /** Peer id → score at time `at`; Map order is the LRU order (least recently struck first). */
  readonly #peers = new Map<string, { score: number, at: number }>()

  constructor (init: PeerScoreInit, components: PeerScoreComponents) {
    this.#clock = components.clock ?? systemClock
    this.#halfLifeMs = init.halfLifeMs ?? DEFAULT_PEER_SCORE_HALF_LIFE_MS
    this.#threshold = init.banThreshold ?? DEFAULT_PEER_BAN_THRESHOLD
    this.#maxPeers = init.maxPeers ?? DEFAULT_PEER_SCORE_MAX_PEERS
    this.#weights = { ...DEFAULT_STRIKE_WEIGHTS, ...init.weights }
    if (!(this.#halfLifeMs > 0) || !Number.isFinite(this.#halfLifeMs)) throw new RangeError(`halfLifeMs: expected a positive number, got ${String(this.#halfLifeMs)}`)
    if (!(this.#threshold > 0) || !Number.isFinite(this.#threshold)) throw new RangeError(`banThreshold: expected a positive number, got ${String(this.#threshold)}`)
    if (!Number.isSafeInteger(this.#maxPeers) || this.#maxPeers < 1) throw new RangeError(`maxPeers: expected an integer ≥ 1, got ${String(this.#maxPeers)}`)
    for (const [kind, w] of Object.entries(this.#weights)) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights.${kind}: expected a non-negative number, got ${String(w)}`)
    }
  }

  get size (): number {
    return this.#peers.size
  }

  score (peerId: string): number {
    const entry = this.#peers.get(peerId)
    if (entry === undefined) return 0
    const now = this.#clock.now()
    const score = this.#decayed(entry, now)
    if (score < NEGLIGIBLE_SCORE) {
      this.#peers.delete(peerId)
      return 0
    }
    return score
  }

  isBanned (peerId: string): boolean {
    return this.score(peerId) >= this.#threshold
  }

  strike (peerId: string, kind: StrikeKind): number {
    if (typeof peerId !== 'string' || peerId === '') throw new TypeError(`peerId: expected a non-empty string, got ${typeof peerId}`)
    const weight = Object.hasOwn(this.#weights, kind) ? this.#weights[kind] : undefined
    if (weight === undefined) throw new TypeError(`kind: expected one of ${Object.keys(this.#weights).join(', ')}, got ${String(kind)}`)
    const now = this.#clock.now()
    const entry = this.#peers.get(peerId)
    const score = (entry === undefined ? 0 : this.#decayed(entry, now)) + weight
    // Re-insert: the most recently struck peer goes to the end of the LRU order.
    this.#peers.delete(peerId)
    this.#peers.set(peerId, { score, at: now })
    while (this.#peers.size > this.#maxPeers) {
      const oldest = this.#peers.keys().next().value as string
      this.#peers.delete(oldest)
    }
    return score
  }

  #decayed (entry: { score: number, at: number }, now: number): number {
    // A clock that steps back never makes a score grow.
    const elapsed = Math.max(0, now - entry.at)
    return entry.score * 2 ** (-elapsed / this.#halfLifeMs)
  }
}
