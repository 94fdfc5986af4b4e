import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Backoff, DialBudget } from '../../../src/net/index.js'

describe('Backoff', () => {
  it('doubles from the initial delay up to the maximum without jitter', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 4000, jitter: 0 })
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000, 4000, 4000, 4000])
    expect(b.attempts).toBe(6)
  })

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 })
    b.next(); b.next(); b.reset()
    expect(b.next()).toBe(100)
  })

  it('keeps every delay within ±jitter of the base and never above the maximum', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 40 }), (initialMs, factor, jitter, randoms) => {
      const maxMs = initialMs * factor
      let i = 0
      const b = new Backoff({ initialMs, maxMs, jitter, random: () => randoms[i++ % randoms.length] })
      for (let n = 0; n < randoms.length; n++) {
        const base = Math.min(maxMs, initialMs * 2 ** n)
        const d = b.next()
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)) - 1)
        expect(d).toBeLessThanOrEqual(maxMs)
      }
    }))
  })

  it.each([
    [{ initialMs: 0 }, /initialMs/],
    [{ initialMs: 10, maxMs: 5 }, /maxMs/],
    [{ jitter: 1 }, /jitter/],
    [{ jitter: -0.1 }, /jitter/]
  ])('rejects %j with a RangeError', (init, message) => {
    expect(() => new Backoff(init)).toThrow(RangeError)
    expect(() => new Backoff(init)).toThrow(message)
  })
})

describe('DialBudget', () => {
  it('refuses once the lifetime budget is spent, even after successes', () => {
    const budget = new DialBudget({ lifetimeDials: 3, now: () => 0 })
    for (const peer of ['a', 'b', 'c']) {
      expect(budget.check(peer, 0)).toBeUndefined()
      budget.begin(peer)
      budget.end(peer, true)
    }
    expect(budget.check('d', 0)).toBe('lifetime-budget')
    expect(budget.remaining).toBe(0)
  })

  it('caps direct peers', () => {
    const budget = new DialBudget({ maxPeers: 2 })
    expect(budget.check('a', 1)).toBeUndefined()
    expect(budget.check('a', 2)).toBe('peer-cap')
  })

  it('refuses a second dial while one is in flight', () => {
    const budget = new DialBudget()
    budget.begin('a')
    expect(budget.check('a', 0)).toBe('in-flight')
  })

  it('backs off a failing peer, longer each time, and forgives on success', () => {
    let now = 0
    const budget = new DialBudget({ redialMinMs: 1000, redialMaxMs: 8000, now: () => now, random: () => 0.5 })
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      budget.begin('a'); budget.end('a', false)
      const start = now
      while (budget.check('a', 0) === 'backing-off') now += 100
      waits.push(now - start)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000])
    budget.begin('a'); budget.end('a', true)
    expect(budget.check('a', 0)).toBeUndefined()
  })

  it('lets one dial start at once after allowNow, then backs off from where it was', () => {
    let now = 0
    const budget = new DialBudget({ redialMinMs: 1000, redialMaxMs: 60_000, now: () => now, random: () => 0.5 })
    budget.begin('a'); budget.end('a', false)
    budget.begin('a'); budget.end('a', false)
    expect(budget.check('a', 0)).toBe('backing-off')
    budget.allowNow('a')
    expect(budget.check('a', 0)).toBeUndefined()
    budget.begin('a'); budget.end('a', false)
    now += 3999
    expect(budget.check('a', 0)).toBe('backing-off')
    now += 1
    expect(budget.check('a', 0)).toBeUndefined()
  })

  it('never lets more dials start than the budget, whatever the sequence (no redial storm)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 50 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.integer({ min: 0, max: 5000 })), { maxLength: 300 }), (lifetimeDials, steps) => {
      let now = 0
      const budget = new DialBudget({ lifetimeDials, now: () => now })
      let started = 0
      for (const [peer, ok, dt] of steps) {
        now += dt
        if (budget.check(String(peer), 0) == null) { budget.begin(String(peer)); started++; budget.end(String(peer), ok) }
      }
      expect(started).toBeLessThanOrEqual(lifetimeDials)
      expect(budget.used).toBe(started)
    }))
  })

  it.each([[{ lifetimeDials: -1 }], [{ lifetimeDials: 1.5 }], [{ maxPeers: 0 }]])('rejects %j', (init) => {
    expect(() => new DialBudget(init)).toThrow(RangeError)
  })
})
