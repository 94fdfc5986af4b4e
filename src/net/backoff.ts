/**
 * Exponential backoff with jitter, for relay reconnects and per-peer redials.
 */
import { DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_BACKOFF_JITTER, DEFAULT_BACKOFF_MAX_MS } from './constants.js'

export interface BackoffInit {
  /** First delay in ms. */
  initialMs?: number
  /** Largest delay in ms. */
  maxMs?: number
  /** Spread of each delay, as a fraction (0.2 = ±20 %). */
  jitter?: number
  /** Random source in [0, 1); injected so tests are deterministic. */
  random?: () => number
}

/**
 * Delays grow as initial·2ⁿ up to the maximum, each spread by ±jitter; `reset()` after a success.
 *
 * @example
 * const b = new Backoff({ initialMs: 500 }); setTimeout(retry, b.next())
 */
export class Backoff {
  readonly initialMs: number
  readonly maxMs: number
  readonly jitter: number
  private readonly random: () => number
  private failures = 0

  /** @throws RangeError for a non-positive initial delay, max below initial, or jitter outside [0, 1) */
  constructor (init: BackoffInit = {}) {
    this.initialMs = init.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS
    this.maxMs = init.maxMs ?? DEFAULT_BACKOFF_MAX_MS
    this.jitter = init.jitter ?? DEFAULT_BACKOFF_JITTER
    this.random = init.random ?? Math.random
    if (!(this.initialMs > 0)) throw new RangeError(`initialMs: expected > 0, got ${this.initialMs}`)
    if (!(this.maxMs >= this.initialMs)) throw new RangeError(`maxMs: expected >= initialMs (${this.initialMs}), got ${this.maxMs}`)
    if (!(this.jitter >= 0 && this.jitter < 1)) throw new RangeError(`jitter: expected in [0, 1), got ${this.jitter}`)
  }

  /** Failures since the last reset. */
  get attempts (): number { return this.failures }

  /** Records a failure and returns the delay (ms) before the next attempt. */
  next (): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30))
    this.failures++
    const spread = base * this.jitter * (2 * this.random() - 1)
    return Math.max(0, Math.min(this.maxMs, Math.round(base + spread)))
  }

  /** Forgets past failures (after a success). */
  reset (): void { this.failures = 0 }
}
