/**
 * Time and randomness as injected components (STYLE §9): services never call `Date.now`,
 * `setTimeout` or `Math.random` directly, so tests drive them with fake timers and seeds.
 */
import { AbortError } from '../core/errors.js'
import type { AbortOptions } from '../core/ports.js'

/** A source of time. */
export interface Clock {
  /** ms since epoch. */
  now(): number
  /**
   * Resolves after `ms` milliseconds.
   * @throws AbortError when `options.signal` aborts first (the timer is cleared)
   */
  sleep(ms: number, options?: AbortOptions): Promise<void>
}

/** A uniform random number in [0, 1). */
export type RandomNumber = () => number

/** Fills `n` random bytes; cryptographically secure in production (nonces depend on it). */
export type RandomBytes = (n: number) => Uint8Array

/**
 * The real clock: `Date.now` and `setTimeout` (both replaced by Vitest fake timers in tests).
 * @example await systemClock.sleep(1000, { signal })
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, options = {}) => {
    const { signal } = options
    if (signal?.aborted === true) throw new AbortError()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(new AbortError())
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

/** `crypto.getRandomValues` in chunks of 64 KiB (its per-call limit). */
export const secureRandomBytes: RandomBytes = (n) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  return out
}

/**
 * A uniform number in [0, 1) from `crypto.getRandomValues` (53 bits). Jitter does not need a
 * secure source, but one default source is simpler to reason about.
 */
export const secureRandom: RandomNumber = () => {
  const w = crypto.getRandomValues(new Uint32Array(2))
  return (w[0] * 2 ** 21 + (w[1] >>> 11)) / 2 ** 53
}

/** Throws the core {@link AbortError} when `signal` is aborted. */
export function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError()
}
