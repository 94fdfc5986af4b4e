import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createReedSolomon, splitIntoShards } from '../../../src/codec/index.js'
import { oracleParity, oracleReconstructData } from './oracle.js'
import { KERNELS, bytes } from './kernels.js'
import vectors from './vectors.json' with { type: 'json' }

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

describe('compatibility with the Rust reed-solomon-erasure crate', () => {
  for (const kernel of KERNELS) {
    it(`matches the committed known-answer vectors (${kernel})`, () => {
      for (const v of vectors.vectors) {
        const data = splitIntoShards(fromHex(v.payloadHex), v.k)
        const parity = v.parityHex.map(() => new Uint8Array(data[0].length))
        createReedSolomon(v.k, v.m, { kernel }).encode(data, parity)
        expect(parity.map(p => Buffer.from(p).toString('hex'))).toEqual(v.parityHex)
      }
    })
  }

  it('encodes the oracle\'s parity for random k, m and payload lengths', () => {
    const arb = fc.record({
      k: fc.integer({ min: 1, max: 40 }),
      m: fc.integer({ min: 1, max: 20 }),
      len: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2000 })),
      seed: fc.integer()
    })
    fc.assert(fc.property(arb, ({ k, m, len, seed }) => {
      const data = splitIntoShards(bytes(len, seed), k)
      const expected = oracleParity(data, m)
      for (const kernel of KERNELS) {
        const parity = Array.from({ length: m }, () => new Uint8Array(data[0].length))
        createReedSolomon(k, m, { kernel }).encode(data, parity)
        expect(parity).toEqual(expected)
      }
    }), { numRuns: 60 })
  })

  it('encodes the oracle\'s parity at the tier codings 16+8 and 48+24 with lengths not divisible by k', () => {
    for (const [k, m, len] of [[16, 8, 100_003], [48, 24, 50_021]]) {
      const data = splitIntoShards(bytes(len, k), k)
      const parity = Array.from({ length: m }, () => new Uint8Array(data[0].length))
      createReedSolomon(k, m).encode(data, parity)
      expect(parity).toEqual(oracleParity(data, m))
    }
  })

  it('restores the same data shards as the oracle', () => {
    fc.assert(fc.property(fc.record({ k: fc.integer({ min: 1, max: 12 }), m: fc.integer({ min: 1, max: 6 }), len: fc.integer({ min: 1, max: 200 }), seed: fc.integer() })
      .chain(c => fc.record({ c: fc.constant(c), lost: fc.subarray(Array.from({ length: c.k + c.m }, (_, i) => i), { maxLength: c.m }) })), ({ c, lost }) => {
      const data = Array.from({ length: c.k }, (_, i) => bytes(c.len, c.seed + i))
      const parity = oracleParity(data, c.m)
      const shards: Array<Uint8Array | undefined> = [...data, ...parity]
      for (const i of lost) shards[i] = undefined
      expect(oracleReconstructData(shards, c.k, c.m)).toEqual(data)
      expect(createReedSolomon(c.k, c.m).reconstruct(shards.slice()).slice(0, c.k)).toEqual(data)
    }), { numRuns: 30 })
  })
})
