/**
 * The repair loop's timer ([Note: Repair schedule]): jitter bounds, runNow sharing a run, the
 * rate limit and its cursor, concurrency, errors that never reach the caller, and stop waiting
 * for the run in flight. A manual clock: each sleep waits until the test fires it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AbortError } from '../../../src/core/errors.js'
import {
  type Clock, HOUR_MS, type RepairSchedulerEvent, type Repairer, type TesseraCheck, jitteredDelay, repairScheduler
} from '../../../src/replication/index.js'
import { seededRandom } from './helpers.js'

interface Sleep { ms: number, resolve: () => void }

/** A clock whose sleeps resolve only when `fire()` is called. */
function manualClock (): Clock & { sleeps: Sleep[], fire(): Promise<void>, settle(): Promise<void> } {
  let now = 1_000_000
  const sleeps: Sleep[] = []
  const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve)) }
  return {
    sleeps,
    settle,
    now: () => now,
    sleep: async (ms, options = {}) => {
      if (options.signal?.aborted === true) throw new AbortError()
      await new Promise<void>((resolve, reject) => {
        const entry: Sleep = { ms, resolve: () => { now += ms; resolve() } }
        sleeps.push(entry)
        options.signal?.addEventListener('abort', () => {
          sleeps.splice(sleeps.indexOf(entry), 1)
          reject(new AbortError())
        }, { once: true })
      })
    },
    fire: async () => {
      const s = sleeps.shift()
      if (s === undefined) throw new Error('no sleep pending')
      s.resolve()
      await settle()
    }
  }
}

const checkResult = (hashHex: string, pushed: number[] = []): TesseraCheck => ({
  hashHex, mode: 'owner', action: { kind: 'Healthy' }, status: 'Replicated', proven: 0, missed: 0, lost: 0, found: 0, restored: [], pushed, failed: []
})

/** A fake repairer over `hashes`; `check` waits on `gate` when given. */
function fakeRepairer (hashes: string[], behaviour: { gate?: Promise<void>, fail?: string } = {}): Repairer & { checked: string[], listed: number, inflight: number, maxInflight: number, aborted: number } {
  const r = {
    checked: [] as string[],
    listed: 0,
    inflight: 0,
    maxInflight: 0,
    aborted: 0,
    work: async () => { r.listed++; return hashes.map(hashHex => ({ hashHex, mode: 'owner' as const })) },
    check: async (hashHex: string, options: { signal?: AbortSignal } = {}) => {
      r.inflight++
      r.maxInflight = Math.max(r.maxInflight, r.inflight)
      try {
        if (behaviour.gate !== undefined) {
          await Promise.race([behaviour.gate, new Promise((_resolve, reject) => {
            options.signal?.addEventListener('abort', () => { r.aborted++; reject(new AbortError()) }, { once: true })
          })])
        }
        r.checked.push(hashHex)
        if (hashHex === behaviour.fail) throw Object.assign(new Error('boom'), { name: 'NotEnoughShardsError', code: 'ERR_NOT_ENOUGH_SHARDS' })
        return checkResult(hashHex, hashHex === 'b' ? [1, 2] : [])
      } finally {
        r.inflight--
      }
    }
  }
  return r
}

const quiet = (): void => {}

describe('repair scheduler', () => {
  it('keeps every delay within interval ± jitter (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), (interval, r, share) => {
      const jitter = Math.floor(interval * share)
      const d = jitteredDelay(interval, jitter, () => r)
      return d >= interval - jitter - 1 && d <= interval + jitter + 1
    }))
  })

  it('runs first after firstRunDelayMs, then every 24 h ± 2 h, re-armed after each run', async () => {
    const clock = manualClock()
    const repair = fakeRepairer(['a', 'b'])
    const loop = repairScheduler({ firstRunDelayMs: 5000 })({ repairer: repair, clock, random: seededRandom(3), log: quiet })
    loop.start()
    loop.start() // idempotent
    await clock.settle()
    expect(clock.sleeps.map(s => s.ms)).toEqual([5000])
    for (let i = 0; i < 20; i++) await clock.fire()
    expect(repair.listed).toBe(20)
    expect(clock.sleeps).toHaveLength(1)
    const delays = clock.sleeps.map(s => s.ms)
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(22 * HOUR_MS)
      expect(d).toBeLessThanOrEqual(26 * HOUR_MS)
    }
    expect(loop.lastRun).toMatchObject({ checked: 2, repaired: 1, pushed: 2, failed: 0 })
    await loop.stop()
    expect(clock.sleeps).toHaveLength(0)
  })

  it('first run after the remembered last one, interval ± jitter later', async () => {
    const clock = manualClock()
    let kept: number | undefined = clock.now() - 20 * HOUR_MS
    const loop = repairScheduler({ jitterMs: 0 })({ repairer: fakeRepairer([]), clock, lastRun: { get: () => kept, set: (ms) => { kept = ms } }, log: quiet })
    loop.start()
    await clock.settle()
    expect(clock.sleeps.map(s => s.ms)).toEqual([4 * HOUR_MS])
    await clock.fire()
    expect(kept).toBe(clock.now())
    await loop.stop()
  })

  it('runNow shares the run in flight, reports progress, and the timer re-arms from its end', async () => {
    const clock = manualClock()
    let open!: () => void
    const gate = new Promise<void>(resolve => { open = resolve })
    const repair = fakeRepairer(['a', 'b', 'c'], { gate })
    const loop = repairScheduler({ firstRunDelayMs: HOUR_MS })({ repairer: repair, clock, random: seededRandom(4), log: quiet })
    const events: RepairSchedulerEvent[] = []
    loop.subscribe(e => { events.push(e) })
    loop.start()
    await clock.settle()
    const one = loop.runNow()
    const two = loop.runNow()
    await clock.settle()
    expect(loop.progress).toEqual({ done: 0, total: 3 })
    open()
    const [a, b] = await Promise.all([one, two])
    expect(a).toBe(b)
    expect(repair.listed).toBe(1)
    expect(a).toMatchObject({ checked: 3, pushed: 2, remaining: 0 })
    expect(events.filter(e => e.type === 'repair:run:progress').map(e => (e.detail as { done: number }).done)).toEqual([1, 2, 3])
    await clock.settle()
    // The one-hour first run was replaced by a full interval from the end of this run.
    expect(clock.sleeps).toHaveLength(1)
    expect(clock.sleeps[0].ms).toBeGreaterThanOrEqual(22 * HOUR_MS)
    await loop.stop()
    expect(await loop.runNow()).toBeUndefined()
  })

  it('checks at most maxTesserasPerRun per run, carrying on where the last run stopped, `concurrency` at once', async () => {
    const clock = manualClock()
    const repair = fakeRepairer(['a', 'b', 'c', 'd', 'e'])
    const loop = repairScheduler({ maxTesserasPerRun: 2, concurrency: 1 })({ repairer: repair, clock, log: quiet })
    loop.start()
    expect(await loop.runNow()).toMatchObject({ checked: 2, remaining: 3 })
    await loop.runNow()
    await loop.runNow()
    expect(repair.checked).toEqual(['a', 'b', 'c', 'd', 'e', 'a'])
    expect(repair.maxInflight).toBe(1)
    await loop.stop()

    const wide = fakeRepairer(Array.from({ length: 10 }, (_, i) => `t${i}`), { gate: Promise.resolve() })
    const loop4 = repairScheduler()({ repairer: wide, clock, log: quiet })
    loop4.start()
    await loop4.runNow()
    expect(wide.maxInflight).toBe(4)
    await loop4.stop()
  })

  it('never throws at the caller: a failed check is counted and reported', async () => {
    const clock = manualClock()
    const logged: string[] = []
    const loop = repairScheduler()({ repairer: fakeRepairer(['a', 'x', 'c'], { fail: 'x' }), clock, log: (m) => { logged.push(m) } })
    const events: RepairSchedulerEvent[] = []
    loop.subscribe(e => { events.push(e) })
    loop.start()
    expect(await loop.runNow()).toMatchObject({ checked: 2, failed: 1 })
    expect(events).toContainEqual({ type: 'repair:tessera:failed', detail: { hashHex: 'x', code: 'ERR_NOT_ENOUGH_SHARDS' } })
    await loop.stop()
  })

  it('stop aborts the run in flight and waits for it', async () => {
    const clock = manualClock()
    const repair = fakeRepairer(['a', 'b'], { gate: new Promise(() => {}) })
    const loop = repairScheduler()({ repairer: repair, clock, log: quiet })
    loop.start()
    const run = loop.runNow()
    await clock.settle()
    expect(repair.inflight).toBe(2)
    await loop.stop()
    expect(repair.inflight).toBe(0)
    expect(repair.aborted).toBe(2)
    expect(loop.running).toBe(false)
    expect(await run).toMatchObject({ checked: 0, failed: 0, remaining: 2 })
  })
})
