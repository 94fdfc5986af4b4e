/**
 * A job queue with both a concurrency limit and a maximum length (STYLE §5: never buffer
 * without a bound). Transfers, attestations and repairs all go through one of these.
 */
import { AbortError, QueueFullError } from '../core/errors.js'
import type { AbortOptions } from '../core/ports.js'
import { DEFAULT_CONCURRENCY, DEFAULT_QUEUE_MAX_LENGTH } from './constants.js'

/** Settings of a {@link BoundedQueue}. */
export interface BoundedQueueInit {
  /** Jobs running at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number
  /** Jobs waiting at most (running ones not counted). Default {@link DEFAULT_QUEUE_MAX_LENGTH}. */
  maxLength?: number
}

/** A unit of work; it receives a signal that aborts when the caller's signal or the queue does. */
export type Job<T> = (options: AbortOptions) => Promise<T>

interface Waiting {
  start: () => void
  fail: (err: Error) => void
}

/**
 * FIFO queue running at most `concurrency` jobs, holding at most `maxLength` waiting ones.
 * @example
 * const queue = new BoundedQueue({ concurrency: 4, maxLength: 100 })
 * const ack = await queue.add(async ({ signal }) => await network.sendReplicate(peer, req, { signal }))
 */
export class BoundedQueue {
  readonly concurrency: number
  readonly maxLength: number
  readonly #waiting: Waiting[] = []
  #running = 0
  #controller = new AbortController()
  #idle: Array<() => void> = []

  /** @throws RangeError when a limit is not a positive integer (maxLength may be 0) */
  constructor (init: BoundedQueueInit = {}) {
    const concurrency = init.concurrency ?? DEFAULT_CONCURRENCY
    const maxLength = init.maxLength ?? DEFAULT_QUEUE_MAX_LENGTH
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency: expected an integer ≥ 1, got ${String(concurrency)}`)
    if (!Number.isSafeInteger(maxLength) || maxLength < 0) throw new RangeError(`maxLength: expected an integer ≥ 0, got ${String(maxLength)}`)
    this.concurrency = concurrency
    this.maxLength = maxLength
  }

  /** Jobs waiting to start. */
  get size (): number {
    return this.#waiting.length
  }

  /** Jobs running now. */
  get running (): number {
    return this.#running
  }

  /**
   * Queues `job`; resolves or rejects with its result.
   * @throws QueueFullError when `maxLength` jobs are already waiting (and no slot is free)
   * @throws AbortError when `options.signal` aborts before the job ends, or the queue is cleared
   */
  async add<T> (job: Job<T>, options: AbortOptions = {}): Promise<T> {
    const { signal } = options
    if (signal?.aborted === true) throw new AbortError()
    if (this.#running >= this.concurrency && this.#waiting.length >= this.maxLength) {
      throw new QueueFullError(`queue is full: ${this.#waiting.length} waiting, ${this.#running} running`)
    }
    const queueSignal = this.#controller.signal
    if (this.#running >= this.concurrency) {
      await new Promise<void>((resolve, reject) => {
        const entry: Waiting = {
          start: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
          fail: (err) => {
            signal?.removeEventListener('abort', onAbort)
            reject(err)
          }
        }
        const onAbort = (): void => {
          const i = this.#waiting.indexOf(entry)
          if (i >= 0) this.#waiting.splice(i, 1)
          reject(new AbortError())
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.#waiting.push(entry)
      })
    } else {
      this.#running++
    }
    // #running was incremented for us, either above or by #next() handing us its slot.
    try {
      const jobSignal = signal === undefined ? queueSignal : AbortSignal.any([signal, queueSignal])
      if (jobSignal.aborted) throw new AbortError()
      return await job({ signal: jobSignal })
    } finally {
      this.#next()
    }
  }

  /** Resolves when nothing runs or waits. */
  async onIdle (options: AbortOptions = {}): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        options.signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.#idle = this.#idle.filter(f => f !== done)
        reject(new AbortError())
      }
      if (options.signal?.aborted === true) { reject(new AbortError()); return }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.#idle.push(done)
    })
  }

  /** Rejects every waiting job with AbortError and aborts the signals of running ones. The queue stays usable. */
  clear (): void {
    const waiting = this.#waiting.splice(0)
    for (const w of waiting) w.fail(new AbortError())
    this.#controller.abort()
    this.#controller = new AbortController()
  }

  #next (): void {
    const following = this.#waiting.shift()
    if (following !== undefined) {
      following.start() // the slot passes on: #running stays the same
      return
    }
    this.#running--
    if (this.#running === 0) {
      const idle = this.#idle.splice(0)
      for (const f of idle) f()
    }
  }
}
