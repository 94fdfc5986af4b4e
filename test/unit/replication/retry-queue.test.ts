import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { BoundedQueue, backoffDelay, retry, systemClock } from '../../../src/replication/index.js'
import { seededRandom } from './helpers.js'

describe('backoffDelay', () => {
  it('grows exponentially, stays within jitter bounds and under the cap (property)', () => {
    fc.assert(fc.property(fc.nat(30), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempt, jitter, u) => {
      const d = backoffDelay(attempt, { initialMs: 100, maxMs: 10_000, jitter }, () => u)
      const base = Math.min(10_000, 100 * 2 ** attempt)
      expect(d).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-9)
      expect(d).toBeLessThanOrEqual(base * (1 + jitter) + 1e-9)
    }))
    expect(backoffDelay(3, { initialMs: 1000, jitter: 0 })).toBe(8000)
  })

  it('rejects bad settings', () => {
    expect(() => backoffDelay(-1)).toThrow(RangeError)
    expect(() => backoffDelay(0, { jitter: 2 })).toThrow(RangeError)
    expect(() => backoffDelay(0, { initialMs: 10, maxMs: 5 })).toThrow(RangeError)
  })
})

describe('retry', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('retries with backoff until an attempt succeeds', async () => {
    const calls: number[] = []
    const delays: number[] = []
    const p = retry(async (attempt) => {
      calls.push(attempt)
      if (attempt < 2) throw new Error('refused')
      return 'ok'
    }, { initialMs: 1000, random: seededRandom(1), onRetry: (_e, _a, d) => delays.push(d) })
    await vi.advanceTimersByTimeAsync(10_000)
    await expect(p).resolves.toBe('ok')
    expect(calls).toEqual([0, 1, 2])
    expect(delays).toHaveLength(2)
  })

  it('gives up with RetriesExhaustedError carrying the last failure', async () => {
    const last = new Error('still refused')
    const p = retry(async () => { throw last }, { attempts: 3, initialMs: 10, random: () => 0.5 })
    const caught = p.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(1000)
    expect(await caught).toMatchObject({ name: 'RetriesExhaustedError', code: 'ERR_RETRIES_EXHAUSTED', attempts: 3, cause: last })
  })

  it('stops waiting when aborted', async () => {
    const controller = new AbortController()
    const p = retry(async () => { throw new Error('x') }, { initialMs: 60_000, clock: systemClock }, { signal: controller.signal })
    const caught = p.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(10)
    controller.abort()
    expect(await caught).toMatchObject({ name: 'AbortError' })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not retry what shouldRetry refuses', async () => {
    const err = Object.assign(new Error('bad'), { code: 'BAD' })
    await expect(retry(async () => { throw err }, { shouldRetry: () => false })).rejects.toBe(err)
  })
})

describe('BoundedQueue', () => {
  const deferred = (): { promise: Promise<void>, resolve: () => void } => {
    let resolve = (): void => {}
    const promise = new Promise<void>(r => { resolve = r })
    return { promise, resolve }
  }

  it('runs at most `concurrency` jobs and holds at most `maxLength` waiting', async () => {
    const q = new BoundedQueue({ concurrency: 2, maxLength: 1 })
    const gates = [deferred(), deferred(), deferred()]
    let active = 0
    let peak = 0
    const job = (i: number) => async () => {
      active++
      peak = Math.max(peak, active)
      await gates[i].promise
      active--
      return i
    }
    const runs = [q.add(job(0)), q.add(job(1)), q.add(job(2))]
    await expect(q.add(job(0))).rejects.toMatchObject({ name: 'QueueFullError', code: 'ERR_QUEUE_FULL' })
    expect(q.running).toBe(2)
    expect(q.size).toBe(1)
    for (const g of gates) g.resolve()
    expect(await Promise.all(runs)).toEqual([0, 1, 2])
    expect(peak).toBe(2)
    await q.onIdle()
    expect(q.running).toBe(0)
  })

  it('removes a waiting job whose signal aborts, and aborts running ones on clear', async () => {
    const q = new BoundedQueue({ concurrency: 1, maxLength: 5 })
    let seen: AbortSignal | undefined
    const running = q.add(async ({ signal }) => {
      seen = signal
      await new Promise((_resolve, reject) => signal?.addEventListener('abort', () => { reject(new Error('aborted')) }))
    })
    const controller = new AbortController()
    const waiting = q.add(async () => 'never', { signal: controller.signal })
    const other = q.add(async () => 'never either')
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    expect(q.size).toBe(1)
    q.clear()
    await expect(other).rejects.toMatchObject({ name: 'AbortError' })
    await expect(running).rejects.toThrow('aborted')
    expect(seen?.aborted).toBe(true)
    await q.onIdle()
    await expect(q.add(async () => 'usable again')).resolves.toBe('usable again')
  })

  it('rejects bad limits', () => {
    expect(() => new BoundedQueue({ concurrency: 0 })).toThrow(RangeError)
    expect(() => new BoundedQueue({ maxLength: -1 })).toThrow(RangeError)
  })
})
