/**
 * Exponential backoff with jitter, and a retry loop built on it. The owner uses it to retry
 * fallback holders after a refusal or a failure (DESIGN "Replication": "retries with exponential
 * backoff and jitter"); jitter keeps many tabs from retrying in lockstep.
 */
import { isErrorNamed } from '../core/errors.js'
import type { AbortOptions } from '../core/ports.js'
import { type Clock, type RandomNumber, secureRandom, systemClock, throwIfAborted } from './clock.js'
import { DEFAULT_RETRY_ATTEMPTS, DEFAULT_RETRY_INITIAL_MS, DEFAULT_RETRY_MAX_MS } from './constants.js'
import { RetriesExhaustedError } from './errors.js'

/** Random spread of each delay: the delay is scaled by a uniform factor in [1 − j, 1 + j]. */
export const DEFAULT_RETRY_JITTER = 0.5
/** Growth of the delay per attempt. */
export const DEFAULT_RETRY_FACTOR = 2

/** Shape of a backoff schedule. */
export interface BackoffInit {
  /** Delay before the second attempt, ms. Default {@link DEFAULT_RETRY_INITIAL_MS}. */
  initialMs?: number
  /** Cap of the delay before jitter, ms. Default {@link DEFAULT_RETRY_MAX_MS}. */
  maxMs?: number
  /** Growth per attempt. Default {@link DEFAULT_RETRY_FACTOR}. */
  factor?: number
  /** Fraction in [0, 1] of random spread. Default {@link DEFAULT_RETRY_JITTER}. */
  jitter?: number
}

/**
 * The delay, in ms, after failed attempt number `attempt` (0-based):
 * `min(maxMs, initialMs · factor^attempt) · (1 − jitter + 2 · jitter · random())`.
 * @param random - uniform in [0, 1); inject a seeded one in tests
 * @example backoffDelay(3, { initialMs: 1000, jitter: 0 }, Math.random) // 8000
 * @throws RangeError when `attempt` is not a non-negative integer or an option is out of range
 */
export function backoffDelay (attempt: number, init: BackoffInit = {}, random: RandomNumber = secureRandom): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt: expected a non-negative integer, got ${String(attempt)}`)
  const initialMs = init.initialMs ?? DEFAULT_RETRY_INITIAL_MS
  const maxMs = init.maxMs ?? DEFAULT_RETRY_MAX_MS
  const factor = init.factor ?? DEFAULT_RETRY_FACTOR
  const jitter = init.jitter ?? DEFAULT_RETRY_JITTER
  if (!(initialMs >= 0) || !Number.isFinite(initialMs)) throw new RangeError(`initialMs: expected a finite number ≥ 0, got ${initialMs}`)
  if (!(maxMs >= initialMs) || !Number.isFinite(maxMs)) throw new RangeError(`maxMs: expected a finite number ≥ initialMs, got ${maxMs}`)
  if (!(factor >= 1) || !Number.isFinite(factor)) throw new RangeError(`factor: expected a finite number ≥ 1, got ${factor}`)
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter: expected a number in [0, 1], got ${jitter}`)
  const base = Math.min(maxMs, initialMs * factor ** attempt)
  const u = random()
  return base * (1 - jitter + 2 * jitter * Math.min(Math.max(u, 0), 1))
}

/** Options of {@link retry}. */
export interface RetryInit extends BackoffInit {
  /** Attempts, the first included. Default {@link DEFAULT_RETRY_ATTEMPTS}. */
  attempts?: number
  /** Whether a failure is worth another attempt. Default: anything but AbortError. */
  shouldRetry?: (err: unknown, attempt: number) => boolean
  /** Called before each wait with the failure and the delay chosen. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
  clock?: Clock
  random?: RandomNumber
}

/**
 * Runs `operation` until it succeeds, waiting {@link backoffDelay} between attempts.
 * `operation` gets the 0-based attempt number (the owner uses it to pick the next fallback holder).
 * @example await retry(async attempt => await send(holders[attempt]), { attempts: 4 }, { signal })
 * @throws RetriesExhaustedError (cause: last failure) when every attempt failed
 * @throws the failure itself when `shouldRetry` says no
 * @throws AbortError when `options.signal` aborts (before an attempt or while waiting)
 */
export async function retry<T> (operation: (attempt: number, options: AbortOptions) => Promise<T>, init: RetryInit = {}, options: AbortOptions = {}): Promise<T> {
  const attempts = init.attempts ?? DEFAULT_RETRY_ATTEMPTS
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new RangeError(`attempts: expected an integer ≥ 1, got ${String(attempts)}`)
  const clock = init.clock ?? systemClock
  const random = init.random ?? secureRandom
  const shouldRetry = init.shouldRetry ?? ((err: unknown) => !isErrorNamed(err, 'AbortError'))
  let last: unknown
  for (let attempt = 0; attempt < attempts; attempt++) {
    throwIfAborted(options.signal)
    try {
      return await operation(attempt, { signal: options.signal })
    } catch (err) {
      throwIfAborted(options.signal)
      if (!shouldRetry(err, attempt)) throw err
      last = err
      if (attempt + 1 < attempts) {
        const delayMs = backoffDelay(attempt, init, random)
        init.onRetry?.(err, attempt, delayMs)
        await clock.sleep(delayMs, { signal: options.signal })
      }
    }
  }
  throw new RetriesExhaustedError(attempts, { cause: last })
}
