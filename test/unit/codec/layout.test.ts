import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createReedSolomon, joinShards, shardBytesFor, splitIntoShards } from '../../../src/codec/index.js'
import { bytes, errorOf } from './kernels.js'

describe('shard layout', () => {
  it('splits into k shards of ceil(len / k) bytes with zero padding', () => {
    const shards = splitIntoShards(new Uint8Array([1, 2, 3, 4, 5]), 2)
    expect(shards).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 0])])
    expect(shardBytesFor(5, 2)).toBe(3)
    expect(shardBytesFor(0, 16)).toBe(0)
  })

  it('joins shards back into the original payload', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 3000 }), fc.integer(), (k, len, seed) => {
      const payload = bytes(len, seed)
      const shards = splitIntoShards(payload, k)
      expect(shards).toHaveLength(k)
      for (const s of shards) expect(s.length).toBe(Math.ceil(len / k))
      expect(joinShards(shards, len)).toEqual(payload)
    }), { numRuns: 100 })
  })

  it('rejects an original length that does not fit the shards', () => {
    const err = errorOf(() => joinShards([new Uint8Array(2), new Uint8Array(2)], 5))
    expect(err.name).toBe('RangeError')
    expect(err.message).toMatch(/^originalLength/)
  })
})

describe('bad parameters', () => {
  const invalid: Array<[string, unknown, unknown]> = [
    ['k = 0', 0, 1], ['k < 0', -3, 2], ['k not an integer', 1.5, 1], ['k NaN', Number.NaN, 1],
    ['m < 0', 4, -1], ['m not an integer', 4, 0.5], ['k + m = 257', 200, 57], ['k = 257', 257, 0]
  ]
  for (const [what, k, m] of invalid) {
    it(`rejects ${what} with InvalidCodingParametersError`, () => {
      const err = errorOf(() => createReedSolomon(k as number, m as number))
      expect(err.name).toBe('InvalidCodingParametersError')
      expect(err.code).toBe('ERR_INVALID_CODING_PARAMETERS')
    })
  }

  it('accepts the limits k = 1, m = 0 and k + m = 256', () => {
    expect(createReedSolomon(1, 0).totalShards).toBe(1)
    expect(createReedSolomon(200, 56).totalShards).toBe(256)
  })

  const typeErrors: Array<[string, () => unknown, string, RegExp]> = [
    ['k given as a string', () => createReedSolomon('3' as unknown as number, 1), 'TypeError', /^k:/],
    ['an unknown kernel', () => createReedSolomon(3, 1, { kernel: 'avx' as 'js' }), 'RangeError', /^options\.kernel:/],
    ['too few data shards', () => createReedSolomon(3, 1).encode([new Uint8Array(1)], [new Uint8Array(1)]), 'RangeError', /^dataShards:/],
    ['a parity shard that is not bytes', () => createReedSolomon(1, 1).encode([new Uint8Array(1)], [[0] as unknown as Uint8Array]), 'TypeError', /^parityOut\[0\]:/],
    ['a shard array of the wrong size', () => createReedSolomon(2, 1).reconstruct([undefined]), 'RangeError', /^shards:/],
    ['a negative workspace size', () => createReedSolomon(2, 1).createWorkspace(-1), 'RangeError', /^shardBytes:/],
    ['k = 0 for splitting', () => splitIntoShards(new Uint8Array(3), 0), 'RangeError', /^k:/],
    ['a payload that is not bytes', () => splitIntoShards('abc' as unknown as Uint8Array, 2), 'TypeError', /^payload:/]
  ]
  for (const [what, fn, name, message] of typeErrors) {
    it(`throws ${name} naming the parameter for ${what}`, () => {
      const err = errorOf(fn)
      expect(err.name).toBe(name)
      expect(err.message).toMatch(message)
    })
  }

  it('rejects data shards of unequal length with ShardSizeMismatchError', () => {
    const err = errorOf(() => createReedSolomon(2, 1).encode([new Uint8Array(4), new Uint8Array(5)], [new Uint8Array(4)]))
    expect(err.name).toBe('ShardSizeMismatchError')
    expect(err.code).toBe('ERR_SHARD_SIZE_MISMATCH')
  })

  it('rejects a parity buffer of another length with ShardSizeMismatchError', () => {
    const err = errorOf(() => createReedSolomon(2, 1).encode([new Uint8Array(4), new Uint8Array(4)], [new Uint8Array(3)]))
    expect(err.code).toBe('ERR_SHARD_SIZE_MISMATCH')
  })

  it('rejects present shards of unequal length on reconstruct with ShardSizeMismatchError', () => {
    const err = errorOf(() => createReedSolomon(2, 1).reconstruct([new Uint8Array(4), undefined, new Uint8Array(3)]))
    expect(err.name).toBe('ShardSizeMismatchError')
  })

  it('reports TooManyErasuresError when every shard is missing', () => {
    const err = errorOf(() => createReedSolomon(2, 2).reconstruct([undefined, undefined, undefined, undefined]))
    expect(err.name).toBe('TooManyErasuresError')
    expect(err.code).toBe('ERR_TOO_MANY_ERASURES')
  })
})
