import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createDataShardHasher } from '../../../src/crypto/tessera-sealer.js'
import { dataShardHashJob } from '../../../src/crypto/worker-jobs.js'
import { blake3 } from '../../../src/crypto/hash.js'
import { toHex } from '../../../src/core/hex.js'

/** Reference: BLAKE3 of each data shard cut from the whole payload, zero-padded to shardSize. */
function referenceChecksums (payload: Uint8Array, k: number): string[] {
  const shardSize = Math.ceil(payload.length / k)
  return Array.from({ length: k }, (_, i) => {
    const shard = new Uint8Array(shardSize)
    const start = Math.min(i * shardSize, payload.length)
    shard.set(payload.subarray(start, Math.min(start + shardSize, payload.length)))
    return toHex(blake3(shard))
  })
}

function pseudoRandom (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff }
  return out
}

describe('createDataShardHasher', () => {
  const cases: Array<[size: number, k: number, piece: number]> = [
    [17, 16, 5], // S = 2: shards 9..15 lie wholly past the payload (all zeros)
    [1000, 16, 1], // byte by byte
    [160_000, 16, 4096], // pieces smaller than a shard
    [160_003, 16, 65_557], // pieces spanning several shards; ragged last shard
    [300_001, 48, 24 + 7000], // large-tier k
    [200_000, 1, 9999] // one shard, no padding
  ]
  for (const [size, k, piece] of cases) {
    it(`gives the checksums of the zero-padded shards for ${size} bytes, k ${k}, fed in pieces of ${piece}`, async () => {
      const payload = pseudoRandom(size, size + k)
      const hasher = createDataShardHasher(k, Math.ceil(size / k))
      for (let at = 0; at < size; at += piece) await hasher.update(payload.subarray(at, Math.min(size, at + piece)))
      expect((await hasher.digest()).map(c => toHex(c))).toEqual(referenceChecksums(payload, k))
    })
  }

  it('rejects more bytes than k shards hold with RangeError', async () => {
    const hasher = createDataShardHasher(2, 4)
    await expect(hasher.update(new Uint8Array(9))).rejects.toThrow(RangeError)
  })

  it('rejects a bad k or shard size with RangeError', () => {
    expect(() => createDataShardHasher(0, 4)).toThrow(RangeError)
    expect(() => createDataShardHasher(2, 0)).toThrow(RangeError)
  })
})

describe('dataShardHashJob (data-shard checksums in another worker)', () => {
  it('gives the reference checksums when calls are issued without waiting, in pieces of any size', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 48 }), fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 12 }), fc.integer(),
      async (size, k, cuts, seed) => {
        const payload = pseudoRandom(size, seed)
        const shardSize = Math.ceil(size / k)
        const sessionId = `s${seed}-${size}-${k}`
        const calls: Array<Promise<{ checksums?: Uint8Array[] }>> = []
        let at = 0
        for (const c of cuts) {
          if (at >= size) break
          const end = Math.min(size, at + c)
          // Several parts per call, one of them possibly empty: the order must still hold.
          const mid = at + ((end - at) >> 1)
          calls.push(dataShardHashJob({ k, shardSize, parts: [payload.slice(at, mid), payload.slice(mid, end)], last: false, sessionId }))
          at = end
        }
        if (at < size) calls.push(dataShardHashJob({ k, shardSize, parts: [payload.slice(at)], last: false, sessionId }))
        const last = dataShardHashJob({ k, shardSize, parts: [], last: true, sessionId })
        await Promise.all(calls)
        expect(((await last).checksums ?? []).map(c => toHex(c))).toEqual(referenceChecksums(payload, k))
      }), { numRuns: 25 })
  })

  it('rejects a session reopened with another k with RangeError, and too many bytes with RangeError', async () => {
    await dataShardHashJob({ k: 2, shardSize: 4, parts: [new Uint8Array(3)], last: false, sessionId: 'reopen' })
    await expect(dataShardHashJob({ k: 3, shardSize: 4, parts: [], last: false, sessionId: 'reopen' })).rejects.toThrow(RangeError)
    await expect(dataShardHashJob({ k: 2, shardSize: 4, parts: [new Uint8Array(6)], last: false, sessionId: 'reopen' })).rejects.toThrow(RangeError)
  })
})
