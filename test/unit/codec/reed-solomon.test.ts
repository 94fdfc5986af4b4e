import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createReedSolomon, splitIntoShards } from '../../../src/codec/index.js'
import { refEncode, refReconstruct } from '../../reference/reed-solomon.js'
import { KERNELS, bytes, errorOf } from './kernels.js'

const arbCode = fc.record({ k: fc.integer({ min: 1, max: 20 }), m: fc.integer({ min: 0, max: 10 }), len: fc.integer({ min: 0, max: 300 }), seed: fc.integer() })

function encoded (k: number, m: number, len: number, seed: number, kernel = KERNELS[0]): { data: Uint8Array[], parity: Uint8Array[] } {
  const rs = createReedSolomon(k, m, { kernel })
  const data = Array.from({ length: k }, (_, i) => bytes(len, seed + i))
  const parity = Array.from({ length: m }, () => new Uint8Array(len))
  rs.encode(data, parity)
  return { data, parity }
}

describe('Reed-Solomon', () => {
  it('runs on at least the simd and js kernels in Node', () => {
    expect(KERNELS).toContain('simd')
    expect(KERNELS).toContain('js')
  })

  for (const kernel of KERNELS) {
    describe(`kernel ${kernel}`, () => {
      it('reconstructs data and parity exactly after any ≤ m erasures', () => {
        fc.assert(fc.property(arbCode.chain(c => fc.record({
          c: fc.constant(c),
          lost: fc.subarray(Array.from({ length: c.k + c.m }, (_, i) => i), { maxLength: c.m })
        })), ({ c, lost }) => {
          const { data, parity } = encoded(c.k, c.m, c.len, c.seed, kernel)
          const rs = createReedSolomon(c.k, c.m, { kernel })
          const shards: Array<Uint8Array | undefined> = [...data, ...parity].map(s => s.slice())
          for (const i of lost) shards[i] = undefined
          const out = rs.reconstruct(shards)
          expect(out).toBe(shards)
          expect(out).toEqual([...data, ...parity])
        }), { numRuns: 60 })
      })

      it('restores only data shards when dataOnly is set', () => {
        const { data, parity } = encoded(5, 3, 33, 1, kernel)
        const rs = createReedSolomon(5, 3, { kernel })
        const shards: Array<Uint8Array | undefined> = [...data, ...parity]
        shards[1] = undefined; shards[6] = undefined
        rs.reconstruct(shards, { dataOnly: true })
        expect(shards.slice(0, 5)).toEqual(data)
        expect(shards[6]).toBeUndefined()
      })

      it('fails with TooManyErasuresError when m + 1 shards are missing', () => {
        fc.assert(fc.property(arbCode.filter(c => c.m + 1 <= c.k + c.m).chain(c => fc.record({
          c: fc.constant(c),
          lost: fc.subarray(Array.from({ length: c.k + c.m }, (_, i) => i), { minLength: c.m + 1, maxLength: c.m + 1 })
        })), ({ c, lost }) => {
          const { data, parity } = encoded(c.k, c.m, c.len, c.seed, kernel)
          const shards: Array<Uint8Array | undefined> = [...data, ...parity]
          for (const i of lost) shards[i] = undefined
          const err = errorOf(() => createReedSolomon(c.k, c.m, { kernel }).reconstruct(shards))
          expect(err.name).toBe('TooManyErasuresError')
          expect(err.code).toBe('ERR_TOO_MANY_ERASURES')
        }), { numRuns: 30 })
      })

      it('encodes the same parity as the reference implementation', () => {
        fc.assert(fc.property(arbCode, c => {
          const { data, parity } = encoded(c.k, c.m, c.len, c.seed, kernel)
          expect(parity).toEqual(c.len === 0 ? parity : refEncode(data, c.m))
        }), { numRuns: 40 })
      })

      it('reconstructs the same shards as the reference implementation', () => {
        const k = 7; const m = 4; const len = 41
        const { data, parity } = encoded(k, m, len, 5, kernel)
        const shards: Array<Uint8Array | undefined> = [...data, ...parity]
        for (const i of [0, 3, 8, 10]) shards[i] = undefined
        expect(refReconstruct(shards.slice(), k, m)).toEqual([...data, ...parity])
        expect(createReedSolomon(k, m, { kernel }).reconstruct(shards)).toEqual([...data, ...parity])
      })

      it('codes shards longer than one internal block the same as the reference, column by column', () => {
        // 70 001 bytes crosses the 64 KiB copy block and the kernel's column blocks.
        const k = 3; const m = 2; const len = 70_001
        const { data, parity } = encoded(k, m, len, 9, kernel)
        const ref = refEncode(data.map(d => d.subarray(len - 300)), m)
        expect(parity.map(p => p.subarray(len - 300))).toEqual(ref)
        expect(parity.map(p => p.subarray(0, 300))).toEqual(refEncode(data.map(d => d.subarray(0, 300)), m))
      })

      it('agrees between the Uint8Array API and the zero-copy workspace', () => {
        fc.assert(fc.property(arbCode, c => {
          const { data, parity } = encoded(c.k, c.m, c.len, c.seed, kernel)
          const rs = createReedSolomon(c.k, c.m, { kernel })
          const ws = rs.createWorkspace(c.len)
          data.forEach((d, i) => ws.shards[i].set(d))
          ws.encode()
          expect(ws.shards.slice(c.k)).toEqual(parity)
          const present = Array.from({ length: c.k + c.m }, (_, i) => i >= c.m)
          for (let i = 0; i < c.m; i++) ws.shards[i].fill(0xaa)
          ws.reconstruct(present)
          expect(ws.shards.slice(0, c.k)).toEqual(data)
        }), { numRuns: 30 })
      })
    })
  }

  it('gives bit-identical parity on every kernel', () => {
    fc.assert(fc.property(arbCode, c => {
      const results = KERNELS.map(kernel => encoded(c.k, c.m, c.len, c.seed, kernel).parity)
      for (const r of results) expect(r).toEqual(results[0])
    }), { numRuns: 40 })
  })

  it('verifies consistent shards and rejects a flipped parity byte', () => {
    const rs = createReedSolomon(4, 2)
    const data = splitIntoShards(bytes(99, 3), 4)
    const parity = [new Uint8Array(25), new Uint8Array(25)]
    rs.encode(data, parity)
    expect(rs.verify([...data, ...parity])).toBe(true)
    parity[1][7] ^= 1
    expect(rs.verify([...data, ...parity])).toBe(false)
  })
})
