import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createReedSolomon, createStripedCoder, joinShards, splitIntoShards } from '../../../src/codec/index.js'
import { KERNELS, bytes, errorOf } from './kernels.js'

const arb = fc.record({
  k: fc.integer({ min: 1, max: 12 }),
  m: fc.integer({ min: 0, max: 6 }),
  len: fc.integer({ min: 0, max: 2000 }),
  stripeBytes: fc.integer({ min: 1, max: 80 }),
  seed: fc.integer(),
  kernel: fc.constantFrom(...KERNELS)
})

function unstriped (payload: Uint8Array, k: number, m: number): Uint8Array[] {
  const data = splitIntoShards(payload, k)
  const parity = Array.from({ length: m }, () => new Uint8Array(data[0].length))
  createReedSolomon(k, m).encode(data, parity)
  return [...data, ...parity]
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

describe('striped coding', () => {
  it('encodes stripe by stripe exactly the shards of unstriped encoding', () => {
    fc.assert(fc.property(arb, ({ k, m, len, stripeBytes, seed, kernel }) => {
      const payload = bytes(len, seed)
      const sc = createStripedCoder(createReedSolomon(k, m, { kernel }), len, { stripeBytes })
      const cols: Uint8Array[][] = Array.from({ length: k + m }, () => [])
      for (let i = 0; i < sc.stripeCount; i++) {
        sc.loadPayload(i, payload)
        const parity = sc.encodeStripe(i)
        sc.columns(i).slice(0, k).forEach((c, j) => cols[j].push(c.slice()))
        parity.forEach((c, j) => cols[k + j].push(c.slice()))
      }
      expect(cols.map(concat)).toEqual(unstriped(payload, k, m))
    }), { numRuns: 60 })
  })

  it('rebuilds lost shards stripe by stripe, data and parity', () => {
    fc.assert(fc.property(arb.chain(c => fc.record({ c: fc.constant(c), lost: fc.subarray(Array.from({ length: c.k + c.m }, (_, i) => i), { maxLength: c.m }) })), ({ c, lost }) => {
      const payload = bytes(c.len, c.seed)
      const shards = unstriped(payload, c.k, c.m)
      const sc = createStripedCoder(createReedSolomon(c.k, c.m, { kernel: c.kernel }), c.len, { stripeBytes: c.stripeBytes })
      const rebuilt: Uint8Array[][] = Array.from({ length: c.k + c.m }, () => [])
      for (let i = 0; i < sc.stripeCount; i++) {
        const { start, end } = sc.stripe(i)
        const given = shards.map((s, j) => (lost.includes(j) ? undefined : s.subarray(start, end)))
        sc.reconstructStripe(i, given).forEach((col, j) => rebuilt[j].push(col.slice()))
      }
      const restored = rebuilt.map(concat)
      expect(restored).toEqual(shards)
      expect(joinShards(restored.slice(0, c.k), c.len)).toEqual(payload)
    }), { numRuns: 40 })
  })

  it('reads the payload through a reader function the same as from bytes', () => {
    const payload = bytes(1001, 4)
    const a = createStripedCoder(createReedSolomon(4, 2), payload.length, { stripeBytes: 64 })
    const b = createStripedCoder(createReedSolomon(4, 2), payload.length, { stripeBytes: 64 })
    for (let i = 0; i < a.stripeCount; i++) {
      a.loadPayload(i, payload)
      b.loadPayload(i, (offset, into) => into.set(payload.subarray(offset, offset + into.length)))
      expect(b.encodeStripe(i)).toEqual(a.encodeStripe(i))
    }
  })

  it('accepts data columns passed in instead of loaded', () => {
    const payload = bytes(500, 8)
    const shards = unstriped(payload, 5, 3)
    const sc = createStripedCoder(createReedSolomon(5, 3), 500, { stripeBytes: 30 })
    for (let i = 0; i < sc.stripeCount; i++) {
      const { start, end } = sc.stripe(i)
      const parity = sc.encodeStripe(i, shards.slice(0, 5).map(s => s.subarray(start, end)))
      expect(parity).toEqual(shards.slice(5).map(s => s.subarray(start, end)))
    }
  })

  it('lists the payload ranges of each data column', () => {
    const sc = createStripedCoder(createReedSolomon(3, 1), 10, { stripeBytes: 2 })
    expect(sc.shardBytes).toBe(4)
    expect(sc.stripeCount).toBe(2)
    expect(sc.dataRanges(1)).toEqual([
      { shard: 0, payloadStart: 2, payloadEnd: 4 },
      { shard: 1, payloadStart: 6, payloadEnd: 8 },
      { shard: 2, payloadStart: 10, payloadEnd: 10 }
    ])
  })

  it('keeps working memory to k + m stripe widths for a 1 GB payload', () => {
    const sc = createStripedCoder(createReedSolomon(48, 24), 1024 ** 3)
    expect(sc.columns(0).reduce((n, c) => n + c.byteLength, 0)).toBe(72 * 256 * 1024)
    expect(sc.stripeCount).toBe(Math.ceil(Math.ceil(1024 ** 3 / 48) / (256 * 1024)))
  })

  it('rejects a stripe column of the wrong width with ShardSizeMismatchError', () => {
    const sc = createStripedCoder(createReedSolomon(2, 1), 100, { stripeBytes: 10 })
    const err = errorOf(() => sc.encodeStripe(0, [new Uint8Array(10), new Uint8Array(9)]))
    expect(err.name).toBe('ShardSizeMismatchError')
    expect(err.code).toBe('ERR_SHARD_SIZE_MISMATCH')
  })

  it('rejects a stripe index out of range with RangeError', () => {
    const sc = createStripedCoder(createReedSolomon(2, 1), 100, { stripeBytes: 10 })
    expect(errorOf(() => sc.encodeStripe(5)).message).toMatch(/^index:/)
  })
})
