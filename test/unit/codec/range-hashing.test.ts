import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createRangeHasher } from '../../../src/codec/range-hasher.js'
import { MERGES_PER_TASK, combineShares, type CutPiece, type MessageShare, type PieceMessage } from '../../../src/codec/piece-shares.js'
import { pieceHash } from '../../../src/codec/blake3-pieces.js'
import { blake3 } from '../../../src/crypto/hash.js'
import { toHex } from '../../../src/core/hex.js'

function pseudoRandom (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff }
  return out
}

const hashCut = async (pieces: CutPiece[]): Promise<Uint8Array[]> => pieces.map(p => pieceHash(p.bytes, p.chunkOffset, p.root))

/** Feeds `stream[from, to)` to a range hasher in parts of the given sizes (cycled). */
function shareOf (stream: Uint8Array, messages: PieceMessage[], pieceBytes: number, from: number, to: number, parts: number[], simd: boolean): MessageShare[] {
  const h = createRangeHasher({ messages, pieceBytes, from, to, simd })
  let at = from
  for (let n = 0; at < to; n++) {
    const take = Math.min(to - at, Math.max(1, parts[n % parts.length]))
    h.update(stream.subarray(at, at + take))
    at += take
  }
  return h.finish()
}

/** A payload and its tessera + k shard messages, zero-padded to k·S as a save hashes them. */
function saveLike (size: number, k: number, seed: number): { stream: Uint8Array, messages: PieceMessage[] } {
  const shardSize = Math.ceil(size / k)
  const stream = new Uint8Array(k * shardSize)
  stream.set(pseudoRandom(size, seed))
  const messages = [{ origin: 0, length: size }, ...Array.from({ length: k }, (_, i) => ({ origin: i * shardSize, length: shardSize }))]
  return { stream, messages }
}

describe('range hashing (several workers each hash a contiguous range; shares combine into whole-message hashes)', () => {
  it('equals BLAKE3 of each message, for any cut of the stream into ranges and any update sizes', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 1, max: 24 }), fc.constantFrom(1024, 2048, 8192, 65_536),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 5 }),
      fc.boolean(), fc.integer(),
      async (size, k, pieceBytes, cutFractions, parts, simd, seed) => {
        const { stream, messages } = saveLike(size, k, seed)
        const cuts = [0, ...cutFractions.map(f => Math.floor(f * stream.length)).sort((a, b) => a - b), stream.length]
        const shares = cuts.slice(1).map((to, r) => shareOf(stream, messages, pieceBytes, cuts[r], to, parts, simd))
        const hashes = await combineShares(messages, pieceBytes, shares, hashCut)
        expect(hashes.map(toHex)).toEqual(messages.map(m => toHex(blake3(stream.subarray(m.origin, m.origin + m.length)))))
      }), { numRuns: 60 })
  })

  it('lets other tasks run while merging thousands of pieces, with the same hash', async () => {
    const pieceBytes = 1024
    const stream = pseudoRandom(3 * MERGES_PER_TASK * pieceBytes + 5, 11)
    const messages = [{ origin: 0, length: stream.length }]
    const shares = [shareOf(stream, messages, pieceBytes, 0, stream.length, [65_536], true)]
    let ranMeanwhile = false
    setTimeout(() => { ranMeanwhile = true }, 0)
    const [hash] = await combineShares(messages, pieceBytes, shares, hashCut)
    expect(ranMeanwhile).toBe(true)
    expect(toHex(hash)).toBe(toHex(blake3(stream)))
  })

  it('hashes a one-piece message wholly in range as the root, with nothing left to combine', async () => {
    const stream = pseudoRandom(5000, 7)
    const messages = [{ origin: 100, length: 3000 }]
    const [share] = shareOf(stream, messages, 4096, 0, 5000, [777], true)
    expect(share.cut).toEqual([])
    expect(share.whole).toHaveLength(1)
    expect(toHex(share.whole[0].cv)).toBe(toHex(blake3(stream.subarray(100, 3100))))
  })

  it('keeps only the bytes of pieces cut by an edge, never more than a piece per edge and message', () => {
    const { stream, messages } = saveLike(1 << 20, 4, 3)
    const cut = 300_000
    const shares = shareOf(stream, messages, 65_536, 0, cut, [65_000], true)
    for (const share of shares) {
      expect(share.cut.length).toBeLessThanOrEqual(1)
      for (const c of share.cut) expect(c.bytes.length).toBeLessThanOrEqual(65_536)
    }
    expect(shares[0].cut).toEqual([{ piece: 4, at: 0, bytes: stream.subarray(4 * 65_536, cut) }])
  })

  it('rejects overlapping or missing ranges with RangeError instead of a wrong hash', async () => {
    const { stream, messages } = saveLike(100_000, 3, 9)
    const a = shareOf(stream, messages, 1024, 0, 60_000, [9000], true)
    const b = shareOf(stream, messages, 1024, 50_000, stream.length, [9000], true)
    await expect(combineShares(messages, 1024, [a, b], hashCut)).rejects.toThrow(RangeError)
    await expect(combineShares(messages, 1024, [a], hashCut)).rejects.toThrow(RangeError)
    const whole = shareOf(stream, messages, 1024, 0, stream.length, [9000], true)
    await expect(combineShares(messages, 1024, [whole, whole], hashCut)).rejects.toThrow(RangeError)
  })

  it('rejects bytes past the range, an early finish and bad parameters with RangeError', () => {
    const messages = [{ origin: 0, length: 10 }]
    const h = createRangeHasher({ messages, pieceBytes: 1024, from: 0, to: 10 })
    expect(() => { h.update(new Uint8Array(11)) }).toThrow(RangeError)
    h.update(new Uint8Array(4))
    expect(() => h.finish()).toThrow(RangeError)
    expect(() => createRangeHasher({ messages, pieceBytes: 1000, from: 0, to: 10 })).toThrow(RangeError)
    expect(() => createRangeHasher({ messages: [{ origin: 0, length: 0 }], pieceBytes: 1024, from: 0, to: 10 })).toThrow(RangeError)
    expect(() => createRangeHasher({ messages, pieceBytes: 1024, from: 5, to: 4 })).toThrow(RangeError)
  })
})
