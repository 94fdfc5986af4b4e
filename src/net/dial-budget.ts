/**
 * [Note: Dial budget] Chrome allows about 500 RTCPeerConnections over a tab's lifetime
 * (js-libp2p#2591), and each WebRTC dial spends one even when it fails. So every WebRTC dial
 * asks the budget first: a lifetime cap for the tab, a cap on direct peers, and a per-peer
 * backoff so a peer that keeps failing is not redialled in a storm.
 */
import { Backoff } from './backoff.js'
import { DEFAULT_MAX_PEERS, DEFAULT_PEER_REDIAL_MIN_MS, DEFAULT_WEBRTC_DIAL_BUDGET, DEFAULT_BACKOFF_MAX_MS } from './constants.js'

export interface DialBudgetInit {
  /** WebRTC dials allowed over the tab's lifetime. */
  lifetimeDials?: number
  /** Direct peers kept at most. */
  maxPeers?: number
  /** Least delay (ms) between two dials to one peer; doubles per failure. */
  redialMinMs?: number
  /** Longest per-peer redial delay (ms). */
  redialMaxMs?: number
  /** Clock in ms (injected for tests). */
  now?: () => number
  /** Random source in [0, 1) for the jitter. */
  random?: () => number
}

/** Why a dial was refused, or `undefined` when it may go ahead. */
export type DialRefusal = 'lifetime-budget' | 'peer-cap' | 'backing-off' | 'in-flight'

export class DialBudget {
  readonly lifetimeDials: number
  readonly maxPeers: number
  private spent = 0
  private readonly peers = new Map<string, { backoff: Backoff, notBefore: number, inFlight: boolean }>()
  private readonly now: () => number
  private readonly init: DialBudgetInit

  constructor (init: DialBudgetInit = {}) {
    this.init = init
    this.lifetimeDials = init.lifetimeDials ?? DEFAULT_WEBRTC_DIAL_BUDGET
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_PEERS
    this.now = init.now ?? Date.now
    if (!Number.isInteger(this.lifetimeDials) || this.lifetimeDials < 0) throw new RangeError(`lifetimeDials: expected a non-negative integer, got ${this.lifetimeDials}`)
    if (!Number.isInteger(this.maxPeers) || this.maxPeers < 1) throw new RangeError(`maxPeers: expected a positive integer, got ${this.maxPeers}`)
  }

  /** Dials spent so far. */
  get used (): number { return this.spent }
  /** Dials left for this tab. */
  get remaining (): number { return this.lifetimeDials - this.spent }

  /** Whether a dial to `peer` may start now, given `connectedPeers` direct peers. */
  check (peer: string, connectedPeers: number): DialRefusal | undefined {
    if (this.spent >= this.lifetimeDials) return 'lifetime-budget'
    if (connectedPeers >= this.maxPeers) return 'peer-cap'
    const p = this.peers.get(peer)
    if (p?.inFlight === true) return 'in-flight'
    if (p != null && this.now() < p.notBefore) return 'backing-off'
    return undefined
  }

  /** Spends one dial on `peer`; call only after `check` returned undefined. */
  begin (peer: string): void {
    this.spent++
    const p = this.entry(peer)
    p.inFlight = true
  }

  /** Records the outcome of a dial started with `begin`. */
  end (peer: string, ok: boolean): void {
    const p = this.entry(peer)
    p.inFlight = false
    if (ok) {
      p.backoff.reset()
      p.notBefore = 0
    } else {
      p.notBefore = this.now() + p.backoff.next()
    }
  }

  /**
   * Lets the next dial to `peer` start now, keeping its failure count (so later failures still
   * back off as before). For a peer that just announced itself again after a disconnect.
   */
  allowNow (peer: string): void {
    const p = this.peers.get(peer)
    if (p != null) p.notBefore = 0
  }

  /** Forgets a peer's history (e.g. after it was seen connected by other means). */
  forget (peer: string): void { this.peers.delete(peer) }

  private entry (peer: string): { backoff: Backoff, notBefore: number, inFlight: boolean } {
    let p = this.peers.get(peer)
    if (p == null) {
      p = {
        backoff: new Backoff({ initialMs: this.init.redialMinMs ?? DEFAULT_PEER_REDIAL_MIN_MS, maxMs: this.init.redialMaxMs ?? DEFAULT_BACKOFF_MAX_MS * 4, random: this.init.random }),
        notBefore: 0,
        inFlight: false
      }
      this.peers.set(peer, p)
    }
    return p
  }
}

/** One budget per libp2p node: the browser node's sweep and the peer network's dials share it. */
const budgets = new WeakMap<object, DialBudget>()

/**
 * The dial budget of `node` (a libp2p instance), created with `init` on first use. Every part of
 * the adapter that dials over WebRTC asks this one budget, so a tab's lifetime cap holds however
 * many components dial ([Note: Dial budget]).
 * @throws RangeError for invalid `init` (see {@link DialBudget})
 */
export function dialBudgetFor (node: object, init?: DialBudgetInit): DialBudget {
  let budget = budgets.get(node)
  if (budget == null) {
    budget = new DialBudget(init)
    budgets.set(node, budget)
  }
  return budget
}
