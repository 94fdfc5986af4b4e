import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  LARGE_TIER_MIN_BYTES, MAX_PAYLOAD_BYTES, MAX_TESSERA_BYTES, SMALL_TIER_MAX_BYTES, planFragments, shardRange
} from '../../../src/core/index.js'
import type { FragmentPlan } from '../../../src/core/index.js'

describe('planFragments', () => {
  it.each([
    [1, 'small', 1, 0, 1],
    [SMALL_TIER_MAX_BYTES - 1, 'small', 1, 0, SMALL_TIER_MAX_BYTES - 1],
    [SMALL_TIER_MAX_BYTES, 'medium', 16, 8, SMALL_TIER_MAX_BYTES / 16],
    [SMALL_TIER_MAX_BYTES + 1, 'medium', 16, 8, SMALL_TIER_MAX_BYTES / 16 + 1],
    [LARGE_TIER_MIN_BYTES - 1, 'medium', 16, 8, LARGE_TIER_MIN_BYTES / 16],
    [LARGE_TIER_MIN_BYTES, 'large', 48, 24, Math.ceil(LARGE_TIER_MIN_BYTES / 48)],
    [MAX_PAYLOAD_BYTES, 'large', 48, 24, Math.ceil(MAX_PAYLOAD_BYTES / 48)]
  ])('plans %i bytes as %s %i+%i with shard size %i', (size, tier, k, m, shardSize) => {
    expect(planFragments(size)).toEqual({ tier, k, m, shardSize, replicas: 7 })
  })

  it('allows the AEAD overhead of a maximal tessera', () => {
    // 1 GiB in 896 KiB chunks is 1171 chunks (the last one partial), each with a 16-byte tag.
    expect(MAX_PAYLOAD_BYTES).toBe(MAX_TESSERA_BYTES + 24 + 16 * 1171)
  })

  it.each([0, -1, MAX_PAYLOAD_BYTES + 1])('rejects %i bytes with RangeError', size => {
    expect(() => planFragments(size)).toThrow(RangeError)
  })

  it.each([1.5, Number.NaN, Infinity, '10'])('rejects non-integer %s with TypeError', size => {
    expect(() => planFragments(size as number)).toThrow(TypeError)
  })

  it('always has shardSize * k >= size with less than one shard of padding', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_PAYLOAD_BYTES }), size => {
      const plan = planFragments(size)
      expect(plan.shardSize * plan.k).toBeGreaterThanOrEqual(size)
      expect(plan.shardSize * plan.k - size).toBeLessThan(plan.k)
    }))
  })
})

describe('shardRange', () => {
  it('data shards tile the payload exactly, in order, each at most shardSize', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_PAYLOAD_BYTES }), size => {
      const plan = planFragments(size)
      let next = 0
      for (let i = 0; i < plan.k; i++) {
        const { start, end } = shardRange(plan, i, size)
        expect(start).toBe(next)
        expect(end - start).toBeLessThanOrEqual(plan.shardSize)
        next = end
      }
      expect(next).toBe(size)
    }))
  })

  it('gives shards wholly past the data an empty range at the end', () => {
    const plan: FragmentPlan = { tier: 'medium', k: 16, m: 8, shardSize: 1, replicas: 7 }
    expect(shardRange(plan, 4, 5)).toEqual({ start: 4, end: 5 })
    expect(shardRange(plan, 5, 5)).toEqual({ start: 5, end: 5 })
    expect(shardRange(plan, 15, 5)).toEqual({ start: 5, end: 5 })
  })

  it('clips the last shard to the payload size', () => {
    const size = SMALL_TIER_MAX_BYTES + 1
    const plan = planFragments(size)
    expect(shardRange(plan, 15, size)).toEqual({ start: 15 * plan.shardSize, end: size })
  })

  it.each([-1, 16, 24, 0.5])('rejects shard index %s (parity or out of range) with RangeError', index => {
    const plan = planFragments(SMALL_TIER_MAX_BYTES)
    expect(() => shardRange(plan, index, SMALL_TIER_MAX_BYTES)).toThrow(RangeError)
  })

  it('rejects a plan that does not fit the size', () => {
    expect(() => shardRange(planFragments(100), 0, 101)).toThrow(RangeError)
  })
})
