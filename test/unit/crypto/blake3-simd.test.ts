import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createBLAKE3 } from 'hash-wasm'
import { Blake3SimdHasher, blake3Simd, blake3SimdSupported } from '../../../src/codec/blake3.js'
import { BLAKE3_IV } from '../../../src/codec/blake3-wat.js'
import { BLAKE3_KERNEL_SIMD_B64 } from '../../../src/codec/generated/blake3-kernel.js'
import { blake3Backend, blake3Fast, createBlake3Hasher } from '../../../src/crypto/index.js'
import { toHex } from '../../../src/core/index.js'

// Official BLAKE3 test vectors (BLAKE3-team/BLAKE3 test_vectors/test_vectors.json): every
// case, first 32 bytes of "hash" and "keyed_hash". Input is bytes i % 251 of the given
// length; the key is the ASCII string below.
const VECTOR_KEY = new TextEncoder().encode('whats the Elvish word for friend')
const VECTORS: Array<[number, string, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', '92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213', '6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11', 'c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7', '75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444', '357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a', '879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030', '9f29700902f7c86e514ddc4df1e3049f258b2472b6dd5267f61bf13983b78dd5'],
  [3072, 'b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2', '044a0e7b172a312dc02a4c9a818c036ffa2776368d7f528268d2e6b5df191770'],
  [3073, '7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3', '68dede9bef00ba89e43f31a6825f4cf433389fedae75c04ee9f0cf16a427c95a'],
  [4096, '015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e969', 'befc660aea2f1718884cd8deb9902811d332f4fc4a38cf7c7300d597a081bfc0'],
  [4097, '9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995', '00df940cd36bb9fa7cbbc3556744e0dbc8191401afe70520ba292ee3ca80abbc'],
  [5120, '9cadc15fed8b5d854562b26a9536d9707cadeda9b143978f319ab34230535833', '2c493e48e9b9bf31e0553a22b23503c0a3388f035cece68eb438d22fa1943e20'],
  [5121, '628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff', '6ccf1c34753e7a044db80798ecd0782a8f76f33563accaddbfbb2e0ea4b2d024'],
  [6144, '3e2e5b74e048f3add6d21faab3f83aa44d3b2278afb83b80b3c35164ebeca205', '3d6b6d21281d0ade5b2b016ae4034c5dec10ca7e475f90f76eac7138e9bc8f1d'],
  [6145, 'f1323a8631446cc50536a9f705ee5cb619424d46887f3c376c695b70e0f0507f', '9ac301e9e39e45e3250a7e3b3df701aa0fb6889fbd80eeecf28dbc6300fbc539'],
  [7168, '61da957ec2499a95d6b8023e2b0e604ec7f6b50e80a9678b89d2628e99ada77a', 'b42835e40e9d4a7f42ad8cc04f85a963a76e18198377ed84adddeaecacc6f3fc'],
  [7169, 'a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817', 'ed9b1a922c046fdb3d423ae34e143b05ca1bf28b710432857bf738bcedbfa511'],
  [8192, 'aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63', 'dc9637c8845a770b4cbf76b8daec0eebf7dc2eac11498517f08d44c8fc00d58a'],
  [8193, 'bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b', '954a2a75420c8d6547e3ba5b98d963e6fa6491addc8c023189cc519821b4a1f5'],
  [16384, 'f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4', '9e9fc4eb7cf081ea7c47d1807790ed211bfec56aa25bb7037784c13c4b707b0d'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47', 'efa53b389ab67c593dba624d898d0f7353ab99e4ac9d42302ee64cbf9939a419'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085', '1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7']
]

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

  it('serves keyed hashers through createBlake3Hasher', async () => {
    const bytes = pseudoRandom(5000, 9)
    const hasher = await createBlake3Hasher({ key: VECTOR_KEY })
    expect(hasher.update(bytes).digest()).toEqual(nobleBlake3(bytes, { key: VECTOR_KEY }))
    expect(await blake3Fast(bytes)).toEqual(nobleBlake3(bytes))
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
    await expect(createBlake3Hasher({ key: new Uint8Array(16) })).rejects.toThrow(RangeError)
  })
})
