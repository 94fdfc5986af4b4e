/**
 * The repair loop's timer: runs {@link Repairer.check} over every tessera of this node every
 * 24 h ± 2 h by default (seed 000), in the browser while the app is open and in the anchor
 * always ([Note: Repair schedule]).
 *
 * [Note: Repair schedule]
 *  - Runs never overlap: the next run is armed after one ends (libp2p `repeating-task`), at
 *    `interval ± jitter`, uniformly. The first run comes `lastRunAt + interval ± jitter` when the
 *    caller remembers the last run (a browser tab is rarely open 24 h: the page keeps the time
 *    of the last run), else after `firstRunDelayMs`.
 *  - `runNow()` ("Check now") shares a run in flight instead of starting a second one, and the
 *    timer re-arms from its end.
 *  - Bounded work: at most `maxTesserasPerRun` tesseras per run (a cursor carries on from where
 *    the last run stopped), `concurrency` at once, each run under `runTimeoutMs`.
 *  - Never throws at callers: a failed check is logged and reported as an event; `stop()` aborts
 *    the run in flight and waits for it (a push whose receipt verified is still recorded,
 *    [Note: Owner push]).
 */
import { isErrorNamed } from '../core/errors.js'
import { type Clock, type RandomNumber, secureRandom, systemClock } from './clock.js'
import {
  DEFAULT_CONCURRENCY, DEFAULT_REPAIR_INTERVAL_MS, DEFAULT_REPAIR_JITTER_MS, DEFAULT_REPAIR_MAX_TESSERAS_PER_RUN, DEFAULT_REPAIR_FIRST_RUN_DELAY_MS, DEFAULT_REPAIR_RUN_TIMEOUT_MS
} from './constants.js'
import { BoundedQueue } from './queue.js'
import type { RepairEvent, Repairer, TesseraCheck } from './repair.js'

/** Settings of the scheduler; each has a `DEFAULT_*`. */
export interface RepairSchedulerInit {
  /** Default {@link DEFAULT_REPAIR_INTERVAL_MS}. */
  intervalMs?: number
  /** ± this much, uniformly. Default {@link DEFAULT_REPAIR_JITTER_MS}. */
  jitterMs?: number
  /** Delay of the first run when no last run is known. Default {@link DEFAULT_REPAIR_FIRST_RUN_DELAY_MS}. */
  firstRunDelayMs?: number
  /** Tesseras checked at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number
  /** Default {@link DEFAULT_REPAIR_MAX_TESSERAS_PER_RUN}. */
  maxTesserasPerRun?: number
  /** Default {@link DEFAULT_REPAIR_RUN_TIMEOUT_MS}. */
  runTimeoutMs?: number
}

/** Where the time of the last run is kept across restarts (e.g. `localStorage`). */
export interface LastRunStore {
  get(): number | undefined
  set(ms: number): void
}

/** Components of the scheduler. */
export interface RepairSchedulerComponents {
  repairer: Repairer
  clock?: Clock
  /** Uniform [0, 1): jitter. */
  random?: RandomNumber
  /** Keeps the time of the last run. Default: memory only. */
  lastRun?: LastRunStore
  /** Failures of background work (never thrown). Default `console.warn`. */
  log?: (message: string, err?: unknown) => void
}

/** Summary of one run. */
export interface RepairRunSummary {
  /** ms since epoch. */
  startedAt: number
  durationMs: number
  /** Tesseras checked (succeeded). */
  checked: number
  /** Tesseras with shards pushed or local shards restored. */
  repaired: number
  /** Shards placed on new holders, all tesseras together. */
  pushed: number
  /** Checks that failed (logged). */
  failed: number
  /** Tesseras left for the next run (rate limit or timeout). */
  remaining: number
}

/** Scheduler events, plus every {@link RepairEvent} of the checks it runs. */
export type RepairSchedulerEvent =
  | RepairEvent
  | { type: 'repair:run:scheduled', detail: { at: number } }
  | { type: 'repair:run:start', detail: { total: number } }
  | { type: 'repair:run:progress', detail: { done: number, total: number, hashHex: string } }
  | { type: 'repair:tessera:failed', detail: { hashHex: string, code: string } }
  | { type: 'repair:run:done', detail: RepairRunSummary }

/** The repair loop. Create with {@link repairScheduler}. */
export interface RepairScheduler {
  /** Arms the timer. Idempotent. */
  start(): void
  /** Stops the timer, aborts the run in flight and waits for it. Idempotent. */
  stop(): Promise<void>
  readonly running: boolean
  /** Runs now, or joins the run in flight. Never throws. @returns undefined when stopped */
  runNow(): Promise<RepairRunSummary | undefined>
  /** When the next timed run starts (ms since epoch); undefined while stopped or running. */
  readonly nextRunAt: number | undefined
  /** Progress of the run in flight. */
  readonly progress: { done: number, total: number } | undefined
  /** The last finished run. */
  readonly lastRun: RepairRunSummary | undefined
  /** @returns the unsubscribe function */
  subscribe(listener: (event: RepairSchedulerEvent) => void): () => void
}

/**
 * Creates the repair loop: `repairScheduler(init)(components)` (STYLE §2).
 * @example
 * const loop = repairScheduler({ intervalMs: 24 * HOUR_MS })({ repairer: repair })
 * loop.start()
 * const summary = await loop.runNow() // { checked: 12, repaired: 1, pushed: 8, … }
 * @throws RangeError for bad settings
 */
export function repairScheduler (init: RepairSchedulerInit = {}): (components: RepairSchedulerComponents) => RepairScheduler {
  return (components) => new DefaultRepairScheduler(init, components)
}

/**
 * The delay before the next run: `intervalMs ± jitterMs`, uniform, never negative.
 * @param random - uniform [0, 1)
 */
export function jitteredDelay (intervalMs: number, jitterMs: number, random: RandomNumber): number {
  return Math.max(0, Math.round(intervalMs + (random() * 2 - 1) * jitterMs))
}

class DefaultRepairScheduler implements RepairScheduler {
  readonly #c: RepairSchedulerComponents
  readonly #clock: Clock
  readonly #random: RandomNumber
  readonly #log: (message: string, err?: unknown) => void
  readonly #intervalMs: number
  readonly #jitterMs: number
  readonly #firstDelayMs: number
  readonly #concurrency: number
  readonly #maxPerRun: number
  readonly #runTimeoutMs: number
  readonly #listeners = new Set<(event: RepairSchedulerEvent) => void>()
  #lastRunAt: number | undefined
  #shutdown: AbortController | undefined
  #wake: AbortController | undefined
  #loop: Promise<void> | undefined
  #current: Promise<RepairRunSummary> | undefined
  #cursor = 0
  nextRunAt: number | undefined
  progress: { done: number, total: number } | undefined
  lastRun: RepairRunSummary | undefined

  constructor (init: RepairSchedulerInit, components: RepairSchedulerComponents) {
    this.#c = components
    this.#clock = components.clock ?? systemClock
    this.#random = components.random ?? secureRandom
    this.#log = components.log ?? ((message, err) => { console.warn(`repair: ${message}`, err) })
    this.#intervalMs = init.intervalMs ?? DEFAULT_REPAIR_INTERVAL_MS
    this.#jitterMs = init.jitterMs ?? DEFAULT_REPAIR_JITTER_MS
    this.#firstDelayMs = init.firstRunDelayMs ?? DEFAULT_REPAIR_FIRST_RUN_DELAY_MS
    this.#concurrency = init.concurrency ?? DEFAULT_CONCURRENCY
    this.#maxPerRun = init.maxTesserasPerRun ?? DEFAULT_REPAIR_MAX_TESSERAS_PER_RUN
    this.#runTimeoutMs = init.runTimeoutMs ?? DEFAULT_REPAIR_RUN_TIMEOUT_MS
    if (!(this.#intervalMs > 0)) throw new RangeError(`intervalMs: expected a positive number, got ${String(this.#intervalMs)}`)
    if (!(this.#jitterMs >= 0 && this.#jitterMs < this.#intervalMs)) throw new RangeError(`jitterMs: expected 0 ≤ jitter < interval, got ${String(this.#jitterMs)}`)
    if (!(this.#firstDelayMs >= 0)) throw new RangeError(`firstRunDelayMs: expected a non-negative number, got ${String(this.#firstDelayMs)}`)
    for (const [name, v] of [['concurrency', this.#concurrency], ['maxTesserasPerRun', this.#maxPerRun]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name}: expected an integer ≥ 1, got ${String(v)}`)
    }
    if (!(this.#runTimeoutMs > 0)) throw new RangeError(`runTimeoutMs: expected a positive number, got ${String(this.#runTimeoutMs)}`)
    this.#lastRunAt = components.lastRun?.get()
  }

  get running (): boolean {
    return this.#shutdown !== undefined
  }

  subscribe (listener: (event: RepairSchedulerEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  #emit (event: RepairSchedulerEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event)
      } catch (err) {
        this.#log('an event listener threw', err)
      }
    }
  }

  start (): void {
    if (this.#shutdown !== undefined) return
    const shutdown = new AbortController()
    this.#shutdown = shutdown
    this.#loop = this.#run(shutdown.signal)
  }

  async stop (): Promise<void> {
    const shutdown = this.#shutdown
    if (shutdown === undefined) return
    this.#shutdown = undefined
    shutdown.abort()
    this.nextRunAt = undefined
    await this.#loop
    await this.#current?.catch(() => undefined)
    this.#loop = undefined
  }

  async runNow (): Promise<RepairRunSummary | undefined> {
    const shutdown = this.#shutdown
    if (shutdown === undefined) return undefined
    const run = this.#runOnce(shutdown.signal)
    this.#wake?.abort() // the timer re-arms from the end of this run
    return await run
  }

  #firstDelay (): number {
    if (this.#lastRunAt === undefined) return this.#firstDelayMs
    return Math.max(0, this.#lastRunAt + jitteredDelay(this.#intervalMs, this.#jitterMs, this.#random) - this.#clock.now())
  }

  async #run (signal: AbortSignal): Promise<void> {
    let delay = this.#firstDelay()
    while (!signal.aborted) {
      const wake = new AbortController()
      this.#wake = wake
      this.nextRunAt = this.#clock.now() + delay
      this.#emit({ type: 'repair:run:scheduled', detail: { at: this.nextRunAt } })
      try {
        await this.#clock.sleep(delay, { signal: AbortSignal.any([signal, wake.signal]) })
        this.nextRunAt = undefined
        await this.#runOnce(signal)
      } catch (err) {
        if (signal.aborted) return
        if (!wake.signal.aborted) this.#log('the repair timer failed', err)
        this.nextRunAt = undefined
        await this.#current?.catch(() => undefined) // woken by runNow: re-arm after its run
      }
      delay = jitteredDelay(this.#intervalMs, this.#jitterMs, this.#random)
    }
  }

  /** One run, shared by concurrent callers. Never rejects. */
  async #runOnce (shutdown: AbortSignal): Promise<RepairRunSummary> {
    if (this.#current !== undefined) return await this.#current
    const run = this.#work(shutdown)
    this.#current = run
    try {
      return await run
    } finally {
      if (this.#current === run) this.#current = undefined
    }
  }

  async #work (shutdown: AbortSignal): Promise<RepairRunSummary> {
    const startedAt = this.#clock.now()
    const summary: RepairRunSummary = { startedAt, durationMs: 0, checked: 0, repaired: 0, pushed: 0, failed: 0, remaining: 0 }
    const signal = AbortSignal.any([shutdown, AbortSignal.timeout(this.#runTimeoutMs)])
    try {
      const all = await this.#c.repairer.work({ signal })
      const start = all.length === 0 ? 0 : this.#cursor % all.length
      const batch = [...all.slice(start), ...all.slice(0, start)].slice(0, this.#maxPerRun)
      this.#cursor = all.length === 0 ? 0 : (start + batch.length) % all.length
      summary.remaining = all.length - batch.length
      this.progress = { done: 0, total: batch.length }
      this.#emit({ type: 'repair:run:start', detail: { total: batch.length } })
      const queue = new BoundedQueue({ concurrency: this.#concurrency, maxLength: batch.length })
      await Promise.all(batch.map(async ({ hashHex }) => {
        try {
          const result: TesseraCheck = await queue.add(async ({ signal: jobSignal }) =>
            await this.#c.repairer.check(hashHex, { signal: jobSignal, onProgress: e => { this.#emit(e) } }), { signal })
          summary.checked++
          summary.pushed += result.pushed.length
          if (result.pushed.length > 0 || result.restored.length > 0) summary.repaired++
        } catch (err) {
          if (signal.aborted) {
            summary.remaining++
            return
          }
          summary.failed++
          const code = (err as { code?: unknown })?.code
          this.#emit({ type: 'repair:tessera:failed', detail: { hashHex, code: typeof code === 'string' ? code : 'ERR_UNKNOWN' } })
          if (!isErrorNamed(err, 'NotEnoughShardsError')) this.#log(`checking tessera ${hashHex} failed`, err)
        } finally {
          const p = this.progress
          if (p !== undefined) {
            this.progress = { done: p.done + 1, total: p.total }
            this.#emit({ type: 'repair:run:progress', detail: { ...this.progress, hashHex } })
          }
        }
      }))
    } catch (err) {
      if (!signal.aborted) this.#log('listing tesseras to check failed', err)
    }
    summary.durationMs = this.#clock.now() - startedAt
    this.progress = undefined
    this.lastRun = summary
    this.#lastRunAt = startedAt
    try {
      this.#c.lastRun?.set(startedAt)
    } catch (err) {
      this.#log('could not keep the time of the last run', err)
    }
    this.#emit({ type: 'repair:run:done', detail: { ...summary } })
    return summary
  }
}
