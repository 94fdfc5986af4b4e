import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createBLAKE3 } from 'hash-wasm'
import { Blake3SimdHasher, blake3Simd, blake3SimdSupported } from '../../../src/codec/blake3.js'
import { BLAKE3_IV } from '../../../src/codec/blake3-wat.js'
import { BLAKE3_KERNEL_SIMD_B64 } from '../../../src/codec/generated/blake3-kernel.js'
import { blake3Backend, blake3Fast } from '../../../src/crypto/index.js'
import { toHex } from '../../../src/core/index.js'

import { VECTOR_KEY, VECTORS } from './blake3-vectors.js'

/** Edge lengths: block and chunk boundaries, 4-lane groups, the 64-chunk stage, stack merges. */
const EDGE_LENGTHS = [
  0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 3072, 4095, 4096, 4097, 5 * 1024, 7 * 1024 + 1,
  16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 65535, 65536, 65537, 66 * 1024, 128 * 1024, 128 * 1024 + 1,
  3 * 65536 + 1, 5 * 65536 + 1023, 1024 * 1024 + 17
]

const pattern = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => i % 251)

/** Deterministic pseudo-random bytes (xorshift32), cheap enough for multi-MB inputs. */
function pseudoRandom (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = (seed | 0) || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 255
  }
  return out
}

/** Feeds `bytes` to `hasher` cut at the (sorted, deduplicated) `cuts`. */
function feed<H extends { update: (b: Uint8Array) => unknown }> (hasher: H, bytes: Uint8Array, cuts: number[]): H {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const p of [...points, bytes.length]) {
    hasher.update(bytes.subarray(from, p))
    from = p
  }
  return hasher
}

async function hashWasm (bytes: Uint8Array, key?: Uint8Array): Promise<Uint8Array> {
  const h = await createBLAKE3(256, key)
  h.init()
  h.update(bytes)
  return h.digest('binary')
}

describe('BLAKE3 on the WebAssembly SIMD kernel', () => {
  it('is supported in this Node and is the bulk backend of src/crypto', async () => {
    expect(blake3SimdSupported()).toBe(true)
    expect(await blake3Backend()).toBe('simd')
  })

  it.each(VECTORS)('matches the official hash vector for %i bytes', (n, hashHex) => {
    expect(toHex(blake3Simd(pattern(n)))).toBe(hashHex)
  })

  it.each(VECTORS)('matches the official keyed_hash vector for %i bytes', (n, _, keyedHex) => {
    expect(toHex(blake3Simd(pattern(n), VECTOR_KEY))).toBe(keyedHex)
  })

  it.each(VECTORS)('matches the official vectors for %i bytes fed in 333-byte slices', (n, hashHex, keyedHex) => {
    const bytes = pattern(n)
    const cuts = Array.from({ length: Math.ceil(n / 333) }, (_, i) => i * 333)
    expect(toHex(feed(new Blake3SimdHasher(), bytes, cuts).digest())).toBe(hashHex)
    expect(toHex(feed(new Blake3SimdHasher(VECTOR_KEY), bytes, cuts).digest())).toBe(keyedHex)
  })

  it.each(EDGE_LENGTHS)('agrees with noble and hash-wasm at %i bytes, one-shot and incremental', async (n) => {
    const bytes = pseudoRandom(n, n + 1)
    const expected = nobleBlake3(bytes)
    expect(await hashWasm(bytes)).toEqual(expected)
    expect(blake3Simd(bytes)).toEqual(expected)
    // Cuts just before, at and after the stage and chunk boundaries.
    const cuts = [1, 63, 1024, 1025, 4096, 65535, 65536, 65537, 131072, n - 1]
    expect(feed(new Blake3SimdHasher(), bytes, cuts).digest()).toEqual(expected)
    expect(blake3Simd(bytes, VECTOR_KEY)).toEqual(nobleBlake3(bytes, { key: VECTOR_KEY }))
  })

  it('gives the same hash as noble and hash-wasm for random inputs up to 64 KiB and random splits', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 64 * 1024 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(),
      async (bytes, cuts, keyed) => {
        const key = keyed ? VECTOR_KEY : undefined
        const expected = nobleBlake3(bytes, key === undefined ? {} : { key })
        expect(feed(new Blake3SimdHasher(key), bytes, cuts).digest()).toEqual(expected)
        expect(blake3Simd(bytes, key)).toEqual(expected)
        expect(await hashWasm(bytes, key)).toEqual(expected)
      }), { numRuns: 80 })
  })

  it('gives the same hash as noble and hash-wasm for multi-MB inputs and random splits', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1024 * 1024, max: 5 * 1024 * 1024 }), fc.integer(), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
      async (n, seed, cuts) => {
        const bytes = pseudoRandom(n, seed)
        const expected = nobleBlake3(bytes)
        expect(feed(new Blake3SimdHasher(), bytes, cuts).digest()).toEqual(expected)
        expect(blake3Simd(bytes)).toEqual(expected)
        expect(await hashWasm(bytes)).toEqual(expected)
      }), { numRuns: 4 })
  })

  it('gives the same hash when fed one byte at a time across two chunks', () => {
    const bytes = pseudoRandom(2 * 1024 + 3, 7)
    const hasher = new Blake3SimdHasher()
    for (let i = 0; i < bytes.length; i++) hasher.update(bytes.subarray(i, i + 1))
    expect(hasher.digest()).toEqual(nobleBlake3(bytes))
  })

  it('hashes a view without reading outside it', () => {
    const backing = pseudoRandom(300_000, 3)
    const view = backing.subarray(1001, 1001 + 200_003)
    expect(blake3Simd(view)).toEqual(nobleBlake3(view.slice()))
  })

  it('keeps interleaved hashers independent', () => {
    const a = pseudoRandom(150_000, 11)
    const b = pseudoRandom(90_000, 12)
    const ha = new Blake3SimdHasher()
    const hb = new Blake3SimdHasher(VECTOR_KEY)
    for (let i = 0; i < 150_000; i += 10_000) {
      ha.update(a.subarray(i, i + 10_000))
      hb.update(b.subarray(i, i + 10_000))
      // The one-shot function shares one instance; it must not disturb the others.
      expect(blake3Simd(a.subarray(0, i))).toEqual(nobleBlake3(a.subarray(0, i)))
    }
    expect(ha.digest()).toEqual(nobleBlake3(a))
    expect(hb.digest()).toEqual(nobleBlake3(b, { key: VECTOR_KEY }))
  })

  it('can be reset and reused, switching between hash and keyed_hash', () => {
    const bytes = pseudoRandom(70_000, 5)
    const hasher = new Blake3SimdHasher(VECTOR_KEY)
    expect(hasher.update(bytes).digest()).toEqual(nobleBlake3(bytes, { key: VECTOR_KEY }))
    expect(hasher.reset().update(bytes).digest()).toEqual(nobleBlake3(bytes))
    expect(hasher.reset(VECTOR_KEY).update(bytes).digest()).toEqual(nobleBlake3(bytes, { key: VECTOR_KEY }))
  })

  it('carries chunk counters across 2^32 in every lane like the scalar compression', () => {
    // Chunk counters above 2^32 need 4 TiB of input, so drive the kernel directly: lanes of
    // hash_many against the scalar compress (which the vectors cover) at counters 2^32·5 − 2 …
    const kernel = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(BLAKE3_KERNEL_SIMD_B64, 'base64')), {}).exports as unknown as {
      memory: WebAssembly.Memory
      hash_many: (...args: number[]) => void
      compress: (...args: number[]) => void
    }
    const mem = new Uint8Array(kernel.memory.buffer)
    const view = new DataView(kernel.memory.buffer)
    const KEY = 0; const CV = 32; const OUT = 1024; const IN = 8192
    BLAKE3_IV.forEach((w, i) => view.setUint32(KEY + 4 * i, w, true))
    mem.set(pseudoRandom(4 * 1024, 77), IN)
    const lo = 0xFFFFFFFE
    const hi = 5
    kernel.hash_many(IN, 3, 1024, 16, OUT, KEY, lo, hi, 1, 0, 1, 2)
    for (let lane = 0; lane < 4; lane++) {
      const ctrLo = (lo + lane) >>> 0
      const ctrHi = hi + (lo + lane > 0xFFFFFFFF ? 1 : 0)
      mem.copyWithin(CV, KEY, KEY + 32)
      for (let b = 0; b < 16; b++) kernel.compress(CV, IN + 1024 * lane + 64 * b, 64, ctrLo, ctrHi, (b === 0 ? 1 : 0) | (b === 15 ? 2 : 0))
      const scalar = mem.slice(CV, CV + 32)
      const simd = mem.slice(OUT + 32 * lane, OUT + 32 * lane + 32)
      // Lane 3 is beyond n = 3: computed but not stored, so its slot keeps zeros.
      if (lane < 3) expect(simd).toEqual(scalar)
      else expect(simd).toEqual(new Uint8Array(32))
    }
  })

  it('refuses to be used after digest', () => {
    const hasher = new Blake3SimdHasher()
    hasher.digest()
    expect(() => hasher.update(new Uint8Array(1))).toThrow('update after digest')
    expect(() => hasher.digest()).toThrow('digest called twice')
  })

  it('rejects non-bytes with TypeError and a wrong key length with RangeError', async () => {
    expect(() => blake3Simd('x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => new Blake3SimdHasher().update([1] as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => new Blake3SimdHasher('k' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => new Blake3SimdHasher(new Uint8Array(31))).toThrow('key: expected 32 bytes, got 31')
    expect(() => blake3Simd(new Uint8Array(1), new Uint8Array(33))).toThrow(RangeError)
  })
})
