import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createCvMerger, subtreeCvScalar } from '../../../src/codec/blake3-tree.js'
import { pieceHash, subtreeCv } from '../../../src/codec/blake3-pieces.js'
import { Blake3SimdHasher, blake3Simd } from '../../../src/codec/blake3.js'
import { toHex } from '../../../src/core/index.js'
import { VECTOR_KEY, VECTORS } from '../crypto/blake3-vectors.js'

const KiB = 1024
const MiB = 1024 * KiB

/** Deterministic pseudo-random bytes (xorshift32). */
function pseudoRandom (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  const words = new Uint32Array(out.buffer, 0, n >> 2)
  let x = (seed | 0) || 1
  for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x }
  for (let i = words.length * 4; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 255 }
  return out
}

const pattern = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => i % 251)

/** Pieces of `pieceBytes` in `length` bytes (at least one). */
const pieceCount = (length: number, pieceBytes: number): number => Math.max(1, Math.ceil(length / pieceBytes))

/** BLAKE3 of `bytes` hashed piece by piece (each piece in one call), as the pipeline does. */
function byPieces (bytes: Uint8Array, pieceBytes: number, key?: Uint8Array): Uint8Array {
  const n = pieceCount(bytes.length, pieceBytes)
  if (n === 1) return blake3Simd(bytes, key)
  const merger = createCvMerger(key)
  for (let j = 0; j < n; j++) {
    merger.push(subtreeCv(bytes.subarray(j * pieceBytes, (j + 1) * pieceBytes), j * pieceBytes / KiB, key))
  }
  return merger.root()
}

/** Same, but each piece fed to an incremental subtree hasher in random slices. */
function byPiecesSliced (bytes: Uint8Array, pieceBytes: number, cuts: number[]): Uint8Array {
  const n = pieceCount(bytes.length, pieceBytes)
  if (n === 1) return blake3Simd(bytes)
  const merger = createCvMerger()
  const hasher = new Blake3SimdHasher()
  for (let j = 0; j < n; j++) {
    const piece = bytes.subarray(j * pieceBytes, (j + 1) * pieceBytes)
    hasher.resetSubtree(j * pieceBytes / KiB)
    let at = 0
    for (const c of cuts.filter(c => c < piece.length).sort((a, b) => a - b)) { hasher.update(piece.subarray(at, c)); at = c }
    hasher.update(piece.subarray(at))
    merger.push(hasher.digest())
  }
  return merger.root()
}

describe('BLAKE3 by pieces (blake3-tree)', () => {
  it('equals BLAKE3 of the whole input for random lengths and power-of-two piece sizes', () => {
    const edge = (p: number): number[] => [0, 1, 1023, 1024, 1025, p - 1, p, p + 1, 2 * p - 1, 2 * p, 2 * p + 1, 3 * p, 4 * p + 1, 5 * p + 1024, 7 * p + 17]
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 6 }).chain(p => fc.tuple(
        fc.constant(2 ** p * KiB),
        fc.oneof(fc.constantFrom(...edge(2 ** p * KiB)), fc.integer({ min: 0, max: 9 * 2 ** p * KiB + 3000 }))
      )),
      fc.integer(),
      ([pieceBytes, length], seed) => {
        const bytes = pseudoRandom(length, seed)
        expect(toHex(byPieces(bytes, pieceBytes))).toBe(toHex(nobleBlake3(bytes)))
      }
    ), { numRuns: 150 })
  })

  it('equals BLAKE3 with 1 MiB pieces at exactly k MiB and k MiB ± 1', () => {
    const big = pseudoRandom(5 * MiB + 1, 7)
    for (const length of [MiB - 1, MiB, MiB + 1, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 3 * MiB, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1]) {
      const bytes = big.subarray(0, length)
      expect(toHex(byPieces(bytes, MiB)), `${length} bytes`).toBe(toHex(blake3Simd(bytes)))
    }
    // The reference implementation once, on the largest (noble is slow).
    expect(toHex(byPieces(big, MiB))).toBe(toHex(nobleBlake3(big)))
  })

  it('does not depend on how each piece is fed to the incremental hasher', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 600 * KiB }), fc.array(fc.nat({ max: 128 * KiB }), { maxLength: 6 }), fc.integer(),
      (p, length, cuts, seed) => {
        const bytes = pseudoRandom(length, seed)
        expect(toHex(byPiecesSliced(bytes, 2 ** p * KiB, cuts))).toBe(toHex(blake3Simd(bytes)))
      }
    ), { numRuns: 60 })
  })

  it.each(VECTORS)('matches the official hash and keyed_hash vectors for %i bytes in 1 KiB and 4 KiB pieces', (n, hashHex, keyedHex) => {
    for (const piece of [KiB, 4 * KiB]) {
      expect(toHex(byPieces(pattern(n), piece))).toBe(hashHex)
      expect(toHex(byPieces(pattern(n), piece, VECTOR_KEY))).toBe(keyedHex)
    }
  })

  it('the plain JavaScript piece hasher (no-SIMD fallback) gives the kernel\'s CVs, keyed too', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 40 * KiB }), fc.nat({ max: 50 }), fc.boolean(), fc.integer(),
      (p, length, slot, keyed, seed) => {
        const piece = 2 ** p * KiB
        const bytes = pseudoRandom(Math.min(length, piece), seed)
        const offset = slot * piece / KiB
        const key = keyed ? VECTOR_KEY : undefined
        expect(toHex(subtreeCvScalar(bytes, offset, key))).toBe(toHex(subtreeCv(bytes, offset, key)))
      }
    ), { numRuns: 40 })
    // Chunk counters above 2^32 (the high counter word).
    const far = pseudoRandom(5 * KiB + 3, 9)
    expect(toHex(subtreeCvScalar(far, 2 ** 33 + 8))).toBe(toHex(subtreeCv(far, 2 ** 33 + 8)))
    expect(() => subtreeCvScalar(new Uint8Array(2 * KiB), 1)).toThrow(RangeError)
    expect(() => subtreeCvScalar(new Uint8Array(0), 0)).toThrow(RangeError)
  })

  it('pieceHash: a root piece starts at chunk 0 and is the plain hash', () => {
    expect(() => pieceHash(new Uint8Array(10), 4, true)).toThrow(RangeError)
    expect(toHex(pieceHash(pattern(10), 0, true))).toBe(toHex(nobleBlake3(pattern(10))))
  })

  it('rejects a piece that is not an aligned node of the tree', () => {
    expect(() => subtreeCv(new Uint8Array(2 * KiB), 1)).toThrow(RangeError) // 2 chunks at an odd chunk
    expect(() => subtreeCv(new Uint8Array(3 * KiB), 2)).toThrow(RangeError) // 3 chunks need 4-alignment
    expect(() => subtreeCv(new Uint8Array(0), 4)).toThrow(RangeError) // empty: only a whole input
    expect(() => subtreeCv(new Uint8Array(3 * KiB), 4)).not.toThrow()
    expect(() => new Blake3SimdHasher().resetSubtree(-1)).toThrow(RangeError)
    expect(() => new Blake3SimdHasher().resetSubtree(1.5)).toThrow(RangeError)
  })

  it('rejects bad CVs and merger misuse', () => {
    const m = createCvMerger()
    expect(() => { m.push(new Uint8Array(31)) }).toThrow(RangeError)
    m.push(new Uint8Array(32))
    expect(() => m.root()).toThrow(RangeError) // one piece: hash it as the root instead
    m.push(new Uint8Array(32))
    expect(m.count).toBe(2)
    expect(m.root()).toHaveLength(32)
    expect(() => m.root()).toThrow(RangeError)
    expect(() => { m.push(new Uint8Array(32)) }).toThrow(RangeError)
    expect(() => { createCvMerger().push(new Uint8Array(3)) }).toThrow(RangeError)
    expect(() => createCvMerger(new Uint8Array(16))).toThrow(RangeError)
  })

  it('merging two whole chunks gives the hash of both', () => {
    const bytes = pseudoRandom(2 * KiB, 3)
    const merger = createCvMerger()
    merger.push(subtreeCv(bytes.subarray(0, KiB), 0))
    merger.push(subtreeCv(bytes.subarray(KiB), 1))
    expect(toHex(merger.root())).toBe(toHex(nobleBlake3(bytes)))
  })
})
