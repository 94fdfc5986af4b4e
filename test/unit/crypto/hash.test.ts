import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { blake3, blake3Fast } from '../../../src/crypto/index.js'
import { toHex } from '../../../src/core/index.js'

// Official BLAKE3 test vectors (BLAKE3-team/BLAKE3 test_vectors/test_vectors.json, "hash",
// first 32 bytes); input is bytes i % 251 of the given length.
const VECTORS: Array<[number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085']
]

const input = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => i % 251)

describe('BLAKE3', () => {
  it.each(VECTORS)('matches the official vector for %i bytes (noble)', (n, hex) => {
    expect(toHex(blake3(input(n)))).toBe(hex)
  })

  it.each(VECTORS)('matches the official vector for %i bytes (hash-wasm)', async (n, hex) => {
    expect(toHex(await blake3Fast(input(n)))).toBe(hex)
  })

  it('gives the same hash with either implementation', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), async (bytes) => {
      expect(await blake3Fast(bytes)).toEqual(blake3(bytes))
    }), { numRuns: 100 })
  })

  it('hashes a view without reading outside it', async () => {
    const backing = input(2000)
    const view = backing.subarray(100, 1123)
    expect(await blake3Fast(view)).toEqual(blake3(view.slice()))
  })

  it('keeps concurrent fast hashes independent', async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => input(i * 100))
    const hashes = await Promise.all(inputs.map(async b => await blake3Fast(b)))
    hashes.forEach((h, i) => expect(h).toEqual(blake3(inputs[i])))
  })

  it('rejects non-bytes with TypeError', async () => {
    expect(() => blake3('x' as unknown as Uint8Array)).toThrow(TypeError)
    await expect(blake3Fast('x' as unknown as Uint8Array)).rejects.toThrow(TypeError)
  })
})
