import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  chunkSpanForPlainRange, createPayloadSealer, importPayloadKey, openAfterAad, openPayloadChunk, openPayloadStream, parsePayloadHeader,
  payloadChunkCount, payloadSizeFor, plainChunkCount, plainSizeOfPayload, sealedChunkSize, PAYLOAD_HEADER_BYTES
} from '../../../src/crypto/index.js'
import { concatBytes, fromHex, toHex } from '../../../src/core/index.js'
import { expectRejectsNamed, expectThrowsNamed } from './expect-error.js'

const KEY = new Uint8Array(32).map((_, i) => i + 1)

/**
 * Seals `plain` into chunks of `chunkSize`; returns the header and sealed chunks. All chunks
 * are handed to the sealer at once (in flight together), as the save pipeline does.
 */
async function sealAll (plain: Uint8Array, chunkSize: number, key = KEY, aad?: Uint8Array): Promise<{ header: Uint8Array, chunks: Uint8Array[] }> {
  const sealer = createPayloadSealer(key, { chunkSize, aad })
  const n = plainChunkCount(plain.length, chunkSize)
  const pending: Array<Promise<Uint8Array>> = []
  for (let i = 0; i < n; i++) pending.push(sealer.seal(plain.subarray(i * chunkSize, Math.min((i + 1) * chunkSize, plain.length)), i === n - 1))
  return { header: sealer.header, chunks: await Promise.all(pending) }
}

/** AES-256-GCM by WebCrypto directly: the reference for the documented layout. */
async function gcmEncrypt (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt'])
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer> }, k, plain as Uint8Array<ArrayBuffer>))
}

async function openAll (chunks: Iterable<Uint8Array>, header: Uint8Array, total: number, key = KEY, aad?: Uint8Array): Promise<Uint8Array> {
  const out: Uint8Array[] = []
  for await (const c of openPayloadStream(key, chunks, header, total, { aad })) out.push(c)
  return concatBytes(...out)
}

async function * asAsync (chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c
}

const sealedArb = fc.record({
  plain: fc.uint8Array({ maxLength: 600 }),
  chunkSize: fc.integer({ min: 1, max: 64 })
})

describe('payload STREAM', () => {
  it('follows the documented layout (header "TSP2" ‖ chunkSize ‖ alg 1 ‖ prefix ‖ 0×8; nonce = prefix ‖ u32 index ‖ final flag; aad = header)', async () => {
    const prefix = fromHex('00010203040506')
    const sealer = createPayloadSealer(KEY, { chunkSize: 4, random: () => prefix.slice() })
    expect(toHex(sealer.header)).toBe('54535032' + '00000004' + '01' + toHex(prefix) + '0000000000000000')
    const [c0, c1] = await Promise.all([sealer.seal(new Uint8Array([1, 2, 3, 4]), false), sealer.seal(new Uint8Array([5]), true)])
    const nonce = (i: number, final: number): Uint8Array => concatBytes(prefix, new Uint8Array([0, 0, 0, i, final]))
    expect(c0).toEqual(await gcmEncrypt(KEY, nonce(0, 0), sealer.header, new Uint8Array([1, 2, 3, 4])))
    expect(c1).toEqual(await gcmEncrypt(KEY, nonce(1, 1), sealer.header, new Uint8Array([5])))
    const aad = openAfterAad('2050-01-01')
    const sealed = createPayloadSealer(KEY, { chunkSize: 4, aad, random: () => prefix.slice() })
    expect(await sealed.seal(new Uint8Array([9]), true)).toEqual(await gcmEncrypt(KEY, nonce(0, 1), concatBytes(sealed.header, aad), new Uint8Array([9])))
  })

  it('round-trips random sizes and chunk sizes, sync or async sources, any read-ahead, raw or imported key', async () => {
    const imported = await importPayloadKey(KEY, ['decrypt'])
    await fc.assert(fc.asyncProperty(sealedArb, fc.boolean(), fc.integer({ min: 1, max: 6 }), fc.boolean(), async ({ plain, chunkSize }, useAsync, concurrency, useImported) => {
      const { header, chunks } = await sealAll(plain, chunkSize)
      expect(chunks).toHaveLength(plainChunkCount(plain.length, chunkSize))
      const payloadSize = PAYLOAD_HEADER_BYTES + chunks.reduce((s, c) => s + c.length, 0)
      expect(payloadSize).toBe(payloadSizeFor(plain.length, chunkSize))
      expect(payloadChunkCount(payloadSize, chunkSize)).toBe(chunks.length)
      expect(plainSizeOfPayload(payloadSize, chunkSize)).toBe(plain.length)
      const source = useAsync ? asAsync(chunks) : chunks
      const out: Uint8Array[] = []
      for await (const c of openPayloadStream(useImported ? imported : KEY, source, header, chunks.length, { concurrency })) out.push(c)
      expect(concatBytes(...out)).toEqual(plain)
    }), { numRuns: 200 })
  })

  it('seals an empty payload as one empty final chunk', async () => {
    const { header, chunks } = await sealAll(new Uint8Array(), 64)
    expect(chunks).toHaveLength(1)
    expect(chunks[0]).toHaveLength(16)
    expect(await openAll(chunks, header, 1)).toEqual(new Uint8Array())
  })

  it('opens any single chunk by index (random access)', async () => {
    const plain = new Uint8Array(300).map((_, i) => i)
    const { header, chunks } = await sealAll(plain, 64)
    expect(await openPayloadChunk(KEY, header, 2, chunks[2], false)).toEqual(plain.subarray(128, 192))
    expect(await openPayloadChunk(KEY, header, 4, chunks[4], true)).toEqual(plain.subarray(256))
  })

  it('fails on any flipped bit of any chunk', async () => {
    await fc.assert(fc.asyncProperty(sealedArb, fc.nat(), fc.nat(), async ({ plain, chunkSize }, which, bitSeed) => {
      const { header, chunks } = await sealAll(plain, chunkSize)
      const i = which % chunks.length
      const bit = bitSeed % (chunks[i].length * 8)
      chunks[i] = chunks[i].slice()
      chunks[i][bit >> 3] ^= 1 << (bit & 7)
      await expectRejectsNamed(() => openAll(chunks, header, chunks.length), 'DecryptionError', 'ERR_DECRYPTION_FAILED')
    }), { numRuns: 150 })
  })

  it('fails on any flipped bit of the header', async () => {
    await fc.assert(fc.asyncProperty(sealedArb, fc.integer({ min: 0, max: PAYLOAD_HEADER_BYTES * 8 - 1 }), async ({ plain, chunkSize }, bit) => {
      const { header, chunks } = await sealAll(plain, chunkSize)
      const bad = header.slice()
      bad[bit >> 3] ^= 1 << (bit & 7)
      await expectRejectsNamed(() => openAll(chunks, bad, chunks.length), 'DecryptionError', 'ERR_DECRYPTION_FAILED')
    }), { numRuns: 150 })
  })

  it('fails when the last chunk is dropped, whether or not the count is adjusted', async () => {
    await fc.assert(fc.asyncProperty(sealedArb, async ({ plain, chunkSize }) => {
      const { header, chunks } = await sealAll(plain, chunkSize)
      await expectRejectsNamed(() => openAll(chunks.slice(0, -1), header, chunks.length), 'DecryptionError')
      if (chunks.length > 1) await expectRejectsNamed(() => openAll(chunks.slice(0, -1), header, chunks.length - 1), 'DecryptionError')
    }), { numRuns: 100 })
  })

  it('fails when two chunks are swapped', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 2, maxLength: 400 }), fc.nat(), fc.nat(), async (plain, a, b) => {
      const { header, chunks } = await sealAll(plain, 1 + (plain.length % 7))
      const i = a % chunks.length
      const j = b % chunks.length
      fc.pre(i !== j && toHex(chunks[i]) !== toHex(chunks[j]))
      ;[chunks[i], chunks[j]] = [chunks[j], chunks[i]]
      await expectRejectsNamed(() => openAll(chunks, header, chunks.length), 'DecryptionError')
    }), { numRuns: 100 })
  })

  it('fails when a chunk is duplicated, or a chunk is appended after the final one', async () => {
    await fc.assert(fc.asyncProperty(sealedArb, fc.nat(), async ({ plain, chunkSize }, which) => {
      const { header, chunks } = await sealAll(plain, chunkSize)
      const i = which % chunks.length
      const dup = [...chunks.slice(0, i + 1), chunks[i], ...chunks.slice(i + 1)]
      await expectRejectsNamed(() => openAll(dup, header, chunks.length), 'DecryptionError')
      await expectRejectsNamed(() => openAll(dup, header, dup.length), 'DecryptionError')
    }), { numRuns: 100 })
  })

  it('fails with a wrong key or a wrong extra aad', async () => {
    const plain = new Uint8Array(100).fill(7)
    const aad = openAfterAad('2050-01-01')
    const { header, chunks } = await sealAll(plain, 64, KEY, aad)
    expect(await openAll(chunks, header, 2, KEY, aad)).toEqual(plain)
    const otherKey = KEY.slice()
    otherKey[0] ^= 1
    await expectRejectsNamed(() => openAll(chunks, header, 2, otherKey, aad), 'DecryptionError')
    await expectRejectsNamed(() => openAll(chunks, header, 2, KEY, openAfterAad('2049-01-01')), 'DecryptionError')
    await expectRejectsNamed(() => openAll(chunks, header, 2, KEY), 'DecryptionError')
  })

  it('fails when a chunk is opened with the wrong final flag or index', async () => {
    const { header, chunks } = await sealAll(new Uint8Array(128), 64)
    await expectRejectsNamed(() => openPayloadChunk(KEY, header, 1, chunks[1], false), 'DecryptionError')
    await expectRejectsNamed(() => openPayloadChunk(KEY, header, 0, chunks[0], true), 'DecryptionError')
    await expectRejectsNamed(() => openPayloadChunk(KEY, header, 1, chunks[0], false), 'DecryptionError')
    await expectRejectsNamed(() => openPayloadChunk(KEY, header, 0, chunks[0].subarray(0, 79), false), 'DecryptionError')
    await expectRejectsNamed(() => openPayloadChunk(KEY, header, 1, new Uint8Array(15), true), 'DecryptionError')
  })

  it('gives one opaque message for every failure', async () => {
    const { header, chunks } = await sealAll(new Uint8Array(128), 64)
    const messages = new Set<string>()
    for (const fn of [
      () => openPayloadChunk(KEY, header, 1, chunks[1], false),
      () => openPayloadChunk(KEY, header.subarray(0, 23), 0, chunks[0], false),
      () => openPayloadChunk(KEY, header, 0, chunks[0].subarray(1), false)
    ]) messages.add((await expectRejectsNamed(fn, 'DecryptionError')).message)
    messages.add((await expectRejectsNamed(() => openAll(chunks.slice(0, 1), header, 2), 'DecryptionError')).message)
    expect([...messages]).toEqual(['decryption failed'])
  })

  it('stops with AbortError when the signal is aborted', async () => {
    const { header, chunks } = await sealAll(new Uint8Array(200), 64)
    const controller = new AbortController()
    controller.abort()
    await expectRejectsNamed(async () => {
      for await (const c of openPayloadStream(KEY, chunks, header, chunks.length, { signal: controller.signal })) expect(c).toBeDefined()
    }, 'AbortError')
  })
})

describe('payload sealer', () => {
  it('rejects a non-final chunk that is not exactly chunkSize with RangeError', async () => {
    const sealer = createPayloadSealer(KEY, { chunkSize: 8 })
    await expect(sealer.seal(new Uint8Array(7), false)).rejects.toThrow(RangeError)
    await expect(sealer.seal(new Uint8Array(9), false)).rejects.toThrow(RangeError)
    expect(sealer.chunksSealed).toBe(0)
  })

  it('rejects a final chunk over chunkSize with RangeError', async () => {
    await expect(createPayloadSealer(KEY, { chunkSize: 8 }).seal(new Uint8Array(9), true)).rejects.toThrow(RangeError)
  })

  it('tracks its index when seal is called (not when it completes) and refuses to seal after the final chunk', async () => {
    const sealer = createPayloadSealer(KEY, { chunkSize: 8 })
    const first = sealer.seal(new Uint8Array(8), false)
    expect(sealer.chunksSealed).toBe(1)
    const second = sealer.seal(new Uint8Array(3), true)
    expect(sealer.finished).toBe(true)
    await expectRejectsNamed(() => sealer.seal(new Uint8Array(1), true), 'SealerFinishedError', 'ERR_SEALER_FINISHED')
    const chunks = [await first, await second]
    expect(await openAll(chunks, sealer.header, 2)).toEqual(new Uint8Array(11))
  })

  it('uses a fresh nonce prefix per payload', () => {
    expect(toHex(createPayloadSealer(KEY).header)).not.toBe(toHex(createPayloadSealer(KEY).header))
  })

  it('keeps its own key copy so the caller may zero theirs', async () => {
    const key = KEY.slice()
    const sealer = createPayloadSealer(key, { chunkSize: 4 })
    key.fill(0)
    const sealed = await sealer.seal(new Uint8Array([1, 2]), true)
    expect(await openPayloadChunk(KEY, sealer.header, 0, sealed, true)).toEqual(new Uint8Array([1, 2]))
  })

  it.each([0, -1, 1.5, 64 * 1024 * 1024 + 1])('rejects chunk size %s with RangeError', chunkSize => {
    expect(() => createPayloadSealer(KEY, { chunkSize })).toThrow(RangeError)
  })

  it('rejects a key that is not 32 bytes with RangeError', () => {
    expect(() => createPayloadSealer(new Uint8Array(16))).toThrow(RangeError)
  })
})

describe('payload sizes and headers', () => {
  it('parses its own header', () => {
    const sealer = createPayloadSealer(KEY, { chunkSize: 1000 })
    const { chunkSize, alg, noncePrefix } = parsePayloadHeader(sealer.header)
    expect(chunkSize).toBe(1000)
    expect(alg).toBe(1)
    expect(noncePrefix).toEqual(sealer.header.subarray(9, 16))
  })

  it.each<[string, Uint8Array]>([
    ['too short', new Uint8Array(23)],
    ['bad magic', concatBytes(new TextEncoder().encode('TSP2'), new Uint8Array([0, 0, 0, 1]), new Uint8Array(16))],
    ['version-1 magic', concatBytes(new TextEncoder().encode('TSP1'), new Uint8Array([0, 0, 0, 1]), new Uint8Array([1]), new Uint8Array(15))],
    ['zero chunk size', concatBytes(new TextEncoder().encode('TSP2'), new Uint8Array(4), new Uint8Array([1]), new Uint8Array(15))],
    ['huge chunk size', concatBytes(new TextEncoder().encode('TSP2'), new Uint8Array([0xff, 0xff, 0xff, 0xff]), new Uint8Array([1]), new Uint8Array(15))],
    ['unknown algorithm', concatBytes(new TextEncoder().encode('TSP2'), new Uint8Array([0, 0, 0, 1]), new Uint8Array([2]), new Uint8Array(15))],
    ['a non-zero reserved byte', concatBytes(new TextEncoder().encode('TSP2'), new Uint8Array([0, 0, 0, 1]), new Uint8Array([1]), new Uint8Array(7), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]))]
  ])('rejects a header that is %s with DecryptionError', (_, header) => {
    expectThrowsNamed(() => parsePayloadHeader(header), 'DecryptionError', 'ERR_DECRYPTION_FAILED')
  })

  it('computes sealed sizes', () => {
    expect(sealedChunkSize(1024 * 1024)).toBe(1024 * 1024 + 16)
    expect(payloadSizeFor(0, 64)).toBe(24 + 16)
    expect(payloadSizeFor(64, 64)).toBe(24 + 64 + 16)
    expect(payloadSizeFor(65, 64)).toBe(24 + 65 + 32)
  })

  it.each([0, 39, 24 + 80 + 1, 24 + 80 + 15])('rejects impossible payload size %i for chunk size 64', size => {
    expect(() => payloadChunkCount(size, 64)).toThrow(RangeError)
  })
})

describe('chunkSpanForPlainRange', () => {
  it('covers exactly the chunks holding the range', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat({ max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (chunkSize, start, length) => {
      const end = start + length
      const { firstChunk, lastChunk, skipBytes } = chunkSpanForPlainRange(start, end, chunkSize)
      expect(firstChunk * chunkSize).toBeLessThanOrEqual(start)
      expect(start).toBeLessThan((firstChunk + 1) * chunkSize)
      expect(lastChunk * chunkSize).toBeLessThan(end)
      expect(end).toBeLessThanOrEqual((lastChunk + 1) * chunkSize)
      expect(skipBytes).toBe(start - firstChunk * chunkSize)
    }))
  })

  it('lets a reader rebuild any range from opened chunks', async () => {
    const plain = new Uint8Array(1000).map((_, i) => i * 31)
    const { header, chunks } = await sealAll(plain, 64)
    await fc.assert(fc.asyncProperty(fc.nat({ max: 999 }), fc.integer({ min: 1, max: 1000 }), async (start, len) => {
      const end = Math.min(plain.length, start + len)
      const { firstChunk, lastChunk, skipBytes } = chunkSpanForPlainRange(start, end, 64)
      const parts: Uint8Array[] = []
      for (let i = firstChunk; i <= lastChunk; i++) parts.push(await openPayloadChunk(KEY, header, i, chunks[i], i === chunks.length - 1))
      expect(concatBytes(...parts).subarray(skipBytes, skipBytes + end - start)).toEqual(plain.subarray(start, end))
    }), { numRuns: 50 })
  })

  it.each([[5, 5], [5, 4], [-1, 3], [0.5, 3]])('rejects range [%s, %s) with RangeError', (start, end) => {
    expect(() => chunkSpanForPlainRange(start, end, 64)).toThrow(RangeError)
  })
})
