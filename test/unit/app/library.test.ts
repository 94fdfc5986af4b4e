import 'fake-indexeddb/auto'
import { describe, it, expect } from 'vitest'
import { Library } from '../../../src/app/library.js'
import { createFileRoute, fileUrl, parseRange } from '../../../src/app/file-route.js'
import { MemoryTesseraStore, MemoryVaultStore, openIdbStores } from '../../../src/store/index.js'
import type { TesseraStore } from '../../../src/core/ports.js'
import { createReedSolomon, splitIntoShards } from '../../../src/codec/index.js'
import { blake3, verifyManifest, deriveVaultKeys, openPayloadChunk, unwrapContentKey } from '../../../src/crypto/index.js'
import { toHex } from '../../../src/core/hex.js'
import type { TesseraMetadata } from '../../../src/core/types.js'
import type { TesseraRecord } from '../../../src/core/ports.js'
import { inlineCodec } from './inline-codec.js'

const metadata: TesseraMetadata = {
  title: 'Test', description: '', date: '2026-01-02', memoryType: 'mixed', tags: ['a'], language: 'en', visibility: 'private'
}

function bytes (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed || 1
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24 }
  return out
}

function file (name: string, data: Uint8Array, type = 'application/octet-stream'): File {
  return new File([data as Uint8Array<ArrayBuffer>], name, { type, lastModified: 1 })
}

async function setup (quotaBytes?: number) {
  const tesseras = new MemoryTesseraStore({ quotaBytes })
  const vault = new MemoryVaultStore()
  const library = new Library({
    codec: inlineCodec(),
    tesseras,
    vault,
    makeThumbnail: async () => undefined,
    createObjectURL: () => 'blob:x',
    revokeObjectURL: () => {}
  })
  const pending = library.newVault('en')
  await library.confirmVault(pending)
  return { library, tesseras, vault, route: createFileRoute({ tesseras, vault }) }
}

/** Index of the first differing byte, or -1 when equal (fast on large arrays, unlike toEqual). */
function firstDifference (a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  const i = Buffer.from(a.buffer, a.byteOffset, a.length).compare(Buffer.from(b.buffer, b.byteOffset, b.length)) === 0 ? -1 : a.findIndex((x, j) => x !== b[j])
  return i
}

/** Reads the whole payload back (header + chunks). */
async function payloadOf (store: TesseraStore, record: TesseraRecord): Promise<Uint8Array> {
  const parts = [record.payloadHeader]
  for (let i = 0; i < record.chunkCount; i++) parts.push((await store.getChunk(record.hashHex, i)) as Uint8Array)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

describe('Library (memory adapters, in-process codec)', () => {
  it('saves a memory whose manifest verifies, whose hash is BLAKE3 of the payload and whose files read back exactly', async () => {
    const { library, tesseras, vault, route } = await setup()
    const a = bytes(3000, 1)
    const b = new TextEncoder().encode('a note\n')
    const hashHex = await library.save({ files: [file('a.bin', a), file('n.txt', b, 'text/plain')], metadata })
    const record = (await tesseras.get(hashHex)) as TesseraRecord
    const keys = deriveVaultKeys((await vault.get())!.entropy)
    expect(() => { verifyManifest(record.manifest, keys.vaultId) }).not.toThrow()
    const payload = await payloadOf(tesseras, record)
    expect(payload.length).toBe(record.manifest.size)
    expect(toHex(blake3(payload))).toBe(hashHex)
    expect(record.manifest.tier).toBe('small')
    expect(toHex(record.manifest.shardChecksums[0])).toBe(hashHex)

    const resA = await route(new Request(`http://x${fileUrl(hashHex, 0)}`))
    expect(resA.status).toBe(200)
    expect(new Uint8Array(await resA.arrayBuffer())).toEqual(a)
    const resB = await route(new Request(`http://x${fileUrl(hashHex, 1, true)}`))
    expect(await resB.text()).toBe('a note\n')
    expect(resB.headers.get('content-disposition')).toContain("filename*=UTF-8''n.txt")
    const list = await library.list()
    expect(list).toHaveLength(1)
    expect(list[0].ok && list[0].index.metadata.title).toBe('Test')
  })

  it('writes parity checksums equal to encoding the whole payload at once (medium tier, sealed in two ranges)', async () => {
    const { library, tesseras } = await setup()
    const data = bytes(9 * 1024 * 1024 + 123, 7)
    const hashHex = await library.save({ files: [file('big.bin', data)], metadata })
    const record = (await tesseras.get(hashHex)) as TesseraRecord
    const { k, m } = record.manifest
    expect([record.manifest.tier, k, m]).toEqual(['medium', 16, 8])
    const shards = splitIntoShards(await payloadOf(tesseras, record), k)
    const parity = Array.from({ length: m }, () => new Uint8Array(shards[0].length))
    createReedSolomon(k, m).encode(shards, parity)
    const expected = [...shards, ...parity].map(s => toHex(blake3(s)))
    expect(record.manifest.shardChecksums.map(c => toHex(c))).toEqual(expected)
  })

  it('encodes parity while sealing into IndexedDB (fake), reading back only the chunks that span two shards', async () => {
    const stores = await openIdbStores({ name: `library-${Math.random()}` })
    const reads: number[] = []
    const begin = stores.tesseras.begin.bind(stores.tesseras)
    stores.tesseras.begin = async (options) => {
      const writer = await begin(options)
      const getChunk = writer.getChunk.bind(writer)
      writer.getChunk = async (index, opts) => { reads.push(index); return await getChunk(index, opts) }
      return writer
    }
    const library = new Library({ codec: inlineCodec(), tesseras: stores.tesseras, vault: stores.vault, makeThumbnail: async () => undefined, createObjectURL: () => '', revokeObjectURL: () => {} })
    await library.confirmVault(library.newVault('en'))
    const hashHex = await library.save({ files: [file('big.bin', bytes(9 * 1024 * 1024 + 123, 8))], metadata })
    const record = (await stores.tesseras.get(hashHex)) as TesseraRecord
    const { k, m } = record.manifest
    const shards = splitIntoShards(await payloadOf(stores.tesseras, record), k)
    const parity = Array.from({ length: m }, () => new Uint8Array(shards[0].length))
    createReedSolomon(k, m).encode(shards, parity)
    expect(record.manifest.shardChecksums.map(c => toHex(c))).toEqual([...shards, ...parity].map(s => toHex(blake3(s))))
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.length).toBeLessThan(k)
    stores.close()
  })

  it('keeps nothing when encoding parity fails, and reports that failure (not the sealing it cancelled)', async () => {
    const { library, tesseras } = await setup()
    const codec = inlineCodec()
    const run = codec.run.bind(codec)
    codec.run = async (type, input, options) => {
      if (type === 'parityStripe') throw Object.assign(new Error('coder broke'), { name: 'CodecError' })
      return await run(type, input, options)
    }
    ;(library as unknown as { components: { codec: typeof codec } }).components.codec = codec
    const err = await library.save({ files: [file('big.bin', bytes(9 * 1024 * 1024, 2))], metadata }).catch((e: unknown) => e)
    expect([(err as Error).name, (err as Error).message]).toEqual(['CodecError', 'coder broke'])
    expect(await tesseras.list()).toEqual([])
    expect(tesseras.data.quota.usedBytes).toBe(0)
  })

  it('keeps the tessera hash equal to BLAKE3 of the payload at 1 MiB piece edges (small and medium tiers)', async () => {
    const MiB = 1024 * 1024
    const { library, tesseras } = await setup()
    // Container overhead near 2 MiB, to hit payloads of exactly 2 MiB and 2 MiB + 1.
    const probe = (await tesseras.get(await library.save({ files: [file('p.bin', bytes(2 * MiB - 1000, 1))], metadata })) as TesseraRecord)
    const overhead = probe.manifest.size - (2 * MiB - 1000)
    const cases = [MiB - 2000, MiB + 5000, 2 * MiB - overhead, 2 * MiB - overhead + 1, 3 * MiB, 5 * MiB + 123]
    const sizes: number[] = []
    for (const [i, n] of cases.entries()) {
      const hashHex = await library.save({ files: [file('p.bin', bytes(n, i + 2))], metadata })
      const record = (await tesseras.get(hashHex)) as TesseraRecord
      sizes.push(record.manifest.size)
      expect(toHex(blake3(await payloadOf(tesseras, record))), `payload of ${record.manifest.size} bytes`).toBe(hashHex)
    }
    expect(sizes[2]).toBe(2 * MiB)
    expect(sizes[3]).toBe(2 * MiB + 1)
  })

  it('merges parity checksums from stripes hashed as pieces: one whole-shard stripe at exactly 4 MiB, a 1-byte last stripe at 4 MiB + 1', async () => {
    const MiB = 1024 * 1024
    const { library, tesseras } = await setup()
    const probe = (await tesseras.get(await library.save({ files: [file('p.bin', bytes(4 * MiB - 1000, 1))], metadata })) as TesseraRecord)
    const overhead = probe.manifest.size - (4 * MiB - 1000)
    for (const extra of [0, 1]) {
      const hashHex = await library.save({ files: [file('p.bin', bytes(4 * MiB - overhead + extra, 5 + extra))], metadata })
      const record = (await tesseras.get(hashHex)) as TesseraRecord
      const { k, m, size } = record.manifest
      expect([size, k, m]).toEqual([4 * MiB + extra, 16, 8])
      const shards = splitIntoShards(await payloadOf(tesseras, record), k)
      const parity = Array.from({ length: m }, () => new Uint8Array(shards[0].length))
      createReedSolomon(k, m).encode(shards, parity)
      expect(record.manifest.shardChecksums.map(c => toHex(c))).toEqual([...shards, ...parity].map(x => toHex(blake3(x))))
    }
  })

  it('serves Range requests across chunk boundaries with exactly those bytes', async () => {
    const { library, route } = await setup()
    const data = bytes(3 * 1024 * 1024, 3)
    const hashHex = await library.save({ files: [file('x.bin', data)], metadata })
    for (const [start, end] of [[0, 0], [1048575, 1048577], [1000, 2_500_000], [data.length - 1, data.length - 1]]) {
      const res = await route(new Request(`http://x${fileUrl(hashHex, 0)}`, { headers: { Range: `bytes=${start}-${end}` } }))
      expect(res.status).toBe(206)
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`)
      expect(firstDifference(new Uint8Array(await res.arrayBuffer()), data.subarray(start, end + 1))).toBe(-1)
    }
    const bad = await route(new Request(`http://x${fileUrl(hashHex, 0)}`, { headers: { Range: `bytes=${data.length}-` } }))
    expect(bad.status).toBe(416)
  })

  it('keeps nothing when storage runs out mid-save and reports StorageFullError', async () => {
    const { library, tesseras } = await setup(2 * 1024 * 1024)
    const err = await library.save({ files: [file('big.bin', bytes(10 * 1024 * 1024, 1))], metadata }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('StorageFullError')
    expect(await tesseras.list()).toEqual([])
    expect(tesseras.data.quota.usedBytes).toBe(0)
  })

  it('keeps nothing when the second range of a file cannot be read, and reports that file (not the cancelled first range)', async () => {
    const { library, tesseras } = await setup()
    const MiB = 1024 * 1024
    const data = file('photo.jpg', bytes(10 * MiB, 4), 'image/jpeg')
    const slice = data.slice.bind(data)
    // The file goes away: reading any part that reaches past 6 MiB fails (the second range's).
    const gone = (): DOMException => new DOMException('gone', 'NotReadableError')
    Object.defineProperty(data, 'slice', {
      value: (start: number, end: number) => (end <= 6 * MiB
        ? slice(start, end)
        : { arrayBuffer: async () => { throw gone() }, stream: () => new ReadableStream({ type: 'bytes', pull (c) { c.error(gone()) } }) })
    })
    const err = await library.save({ files: [data], metadata }).catch((e: unknown) => e) as { name: string, code: string, fileName: string }
    expect([err.name, err.code, err.fileName]).toEqual(['UnreadableFileError', 'ERR_UNREADABLE_FILE', 'photo.jpg'])
    expect(await tesseras.list()).toEqual([])
    expect(tesseras.data.quota.usedBytes).toBe(0)
  })

  it('keeps nothing when cancelled and rejects with AbortError', async () => {
    const { library, tesseras } = await setup()
    const controller = new AbortController()
    const err = await library.save({ files: [file('big.bin', bytes(4 * 1024 * 1024, 1))], metadata }, {
      signal: controller.signal,
      onProgress: (p) => { if (p.done > 1024 * 1024) controller.abort() }
    }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
    expect(await tesseras.list()).toEqual([])
    expect(tesseras.data.quota.usedBytes).toBe(0)
  })

  it('refuses an empty file with ERR_EMPTY_FILE and stores nothing', async () => {
    const { library, tesseras } = await setup()
    const err = await library.save({ files: [file('e.txt', new Uint8Array(0))], metadata }).catch((e: unknown) => e) as { code: string, fileName: string }
    expect(err.code).toBe('ERR_EMPTY_FILE')
    expect(err.fileName).toBe('e.txt')
    expect(await tesseras.list()).toEqual([])
  })

  it('binds a sealed memory’s open-after date into the payload', async () => {
    const { library, tesseras, vault, route } = await setup()
    const data = bytes(2000, 5)
    const hashHex = await library.save({ files: [file('c.bin', data)], metadata: { ...metadata, visibility: 'sealed', openAfter: '2050-01-01' } })
    const res = await route(new Request(`http://x${fileUrl(hashHex, 0)}`))
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(data)
    const record = (await tesseras.get(hashHex)) as TesseraRecord
    expect(record.chunkCount).toBe(1)
    // Without the date as associated data the chunk does not open.
    const keys = deriveVaultKeys((await vault.get())!.entropy)
    const contentKey = unwrapContentKey(keys.vaultKey, record.manifest.wrappedKey)
    const sealed = (await tesseras.getChunk(hashHex, 0)) as Uint8Array
    await expect(openPayloadChunk(contentKey, record.payloadHeader, 0, sealed, true)).rejects.toThrow(expect.objectContaining({ name: 'DecryptionError' }))
  })

  it('lists a damaged record with an error without hiding the others', async () => {
    const { library, tesseras, vault } = await setup()
    const good = await library.save({ files: [file('a.bin', bytes(100, 1))], metadata })
    const bad = await library.save({ files: [file('b.bin', bytes(100, 2))], metadata: { ...metadata, title: 'B' } })
    const held = tesseras.data.records.get(bad) as { manifest: { wrappedKey: Uint8Array } }
    held.manifest.wrappedKey = new Uint8Array(held.manifest.wrappedKey.length) // zeroed: fails to open
    const fresh = new Library({ codec: inlineCodec(), tesseras, vault, makeThumbnail: async () => undefined, createObjectURL: () => 'blob:x', revokeObjectURL: () => {} })
    await fresh.load()
    const list = await fresh.list()
    expect(list.find(e => e.hashHex === good)?.ok).toBe(true)
    expect(list.find(e => e.hashHex === bad)?.ok).toBe(false)
  })
})

describe('parseRange', () => {
  it.each([
    [null, 100, undefined],
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-500', 100, { start: 0, end: 99 }],
    ['bytes=50-1000', 100, { start: 50, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=9-3', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined]
  ])('parses %s against %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected)
  })
})
