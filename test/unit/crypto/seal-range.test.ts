import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { layoutSeal, newSealKeys, planSealRanges, payloadAadFor, type SealLayout, type SealRange, type SealRangePlan } from '../../../src/crypto/seal-plan.js'
import { sealRange, type SealRangeInput, type SealSource } from '../../../src/crypto/tessera-sealer.js'
import { hashPieces } from '../../../src/crypto/worker-jobs.js'
import { combineShares } from '../../../src/codec/piece-shares.js'
import { openIndex, openPayloadStream, openThumbnail, unwrapContentKey } from '../../../src/crypto/index.js'
import { blake3 } from '../../../src/crypto/hash.js'
import { planFragments } from '../../../src/core/plan.js'
import { toHex } from '../../../src/core/hex.js'
import type { TesseraMetadata } from '../../../src/core/types.js'

const metadata: TesseraMetadata = { title: 't', description: '', date: '2026-01-01', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private' }
const vaultKey = new Uint8Array(32).fill(7)

function pseudoRandom (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff }
  return out
}

function source (bytes: Uint8Array, name: string): SealSource {
  return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>]), name, type: 'application/octet-stream', lastModified: 1 }
}

/**
 * Seals a save split into `workers` ranges, the ranges running concurrently; returns the
 * payload and the combined hashes. `retile` may replace the plan's lanes (same messages).
 */
async function sealSplit (files: SealSource[], layout: SealLayout, keys: { wrappedKey: Uint8Array, payloadHeader: Uint8Array }, workers: number, extra: Partial<SealRangeInput> = {}, retile?: (plan: SealRangePlan) => SealRangePlan): Promise<{ payload: Uint8Array, hashes: Uint8Array[], metadata?: Uint8Array, thumbnail?: Uint8Array, ranges: number }> {
  const planned = planSealRanges(layout, workers)
  const split = retile?.(planned) ?? planned
  const chunks: Uint8Array[] = []
  const results = await Promise.all(split.ranges.map(async (range, r) => {
    const gen = sealRange({ files, headerBytes: layout.headerBytes, chunkSize: layout.chunkSize, chunkCount: layout.chunkCount, vaultKey, ...keys, range, lanes: split.lanes[r], phases: split.phases[r], messages: split.messages, pieceBytes: split.pieceBytes, ...(r === 0 ? { index: layout.index } : {}), ...extra })
    for (;;) {
      const step = await gen.next()
      if (step.done === true) return step.value
      chunks[step.value.index] = step.value.bytes
    }
  }))
  const hashes = await combineShares(split.messages, split.pieceBytes, results.flatMap(r => r.shares), async (pieces) => (await hashPieces({ pieces })).hashes)
  const total = keys.payloadHeader.length + chunks.reduce((a, c) => a + c.length, 0)
  const payload = new Uint8Array(total)
  payload.set(keys.payloadHeader)
  let at = keys.payloadHeader.length
  for (const c of chunks) { payload.set(c, at); at += c.length }
  return { payload, hashes, metadata: results[0].encryptedMetadata, thumbnail: results[0].sealedThumbnail, ranges: split.ranges.length }
}

/** BLAKE3 of the payload, then of each zero-padded data shard (none when the payload is its own shard). */
function referenceHashes (payload: Uint8Array): string[] {
  const plan = planFragments(payload.length)
  const own = plan.k === 1 && plan.shardSize === payload.length
  const shards = own
    ? []
    : Array.from({ length: plan.k }, (_, i) => {
      const shard = new Uint8Array(plan.shardSize)
      const start = Math.min(i * plan.shardSize, payload.length)
      shard.set(payload.subarray(start, Math.min(start + plan.shardSize, payload.length)))
      return toHex(blake3(shard))
    })
  return [toHex(blake3(payload)), ...shards]
}

async function opened (payload: Uint8Array, layout: SealLayout, wrappedKey: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  const header = payload.subarray(0, 24)
  const sealed = layout.chunkSize + 16
  const chunks = Array.from({ length: layout.chunkCount }, (_, i) => payload.subarray(24 + i * sealed, Math.min(payload.length, 24 + (i + 1) * sealed)))
  const parts: Uint8Array[] = []
  for await (const p of openPayloadStream(unwrapContentKey(vaultKey, wrappedKey), chunks, header, layout.chunkCount, { aad })) parts.push(p)
  return new Uint8Array(await new Blob(parts as Array<Uint8Array<ArrayBuffer>>).arrayBuffer())
}

describe('sealRange: a save sealed and hashed in ranges on several workers', () => {
  it('gives the same payload and hashes whatever the number of ranges, and the payload opens to the container', async () => {
    // Small chunks make the medium tier (≥ 4 MB) quick: 65 chunks, 16 data shards.
    const files = [source(pseudoRandom(3_000_000, 1), 'a.bin'), source(pseudoRandom(1_300_123, 2), 'b.bin')]
    const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata, chunkSize: 65_536 })
    expect(planFragments(layout.size).tier).toBe('medium')
    const keys = newSealKeys(vaultKey, layout.chunkSize)
    const one = await sealSplit(files, layout, keys, 1)
    expect(one.ranges).toBe(1)
    expect(one.hashes.map(toHex)).toEqual(referenceHashes(one.payload))
    for (const workers of [2, 3, 7]) {
      const split = await sealSplit(files, layout, keys, workers)
      expect(split.ranges).toBe(workers)
      expect(toHex(blake3(split.payload))).toBe(toHex(blake3(one.payload)))
      expect(split.hashes.map(toHex)).toEqual(referenceHashes(split.payload))
    }
    const container = await opened(one.payload, layout, keys.wrappedKey)
    expect(container.subarray(0, layout.headerBytes.length)).toEqual(layout.headerBytes)
    expect(toHex(blake3(container.subarray(layout.headerBytes.length)))).toBe(toHex(blake3(new Uint8Array(await new Blob([files[0].blob as Blob, files[1].blob as Blob]).arrayBuffer()))))
    expect(openIndex(unwrapContentKey(vaultKey, keys.wrappedKey), one.metadata as Uint8Array).files.map(f => f.name)).toEqual(['a.bin', 'b.bin'])
  }, 60_000)

  it('matches the reference for any file sizes, chunk size and number of workers (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(1024, 4096, 16_384), fc.integer({ min: 1, max: 5 }), fc.integer(),
      async (sizes, chunkSize, workers, seed) => {
        const files = sizes.map((n, i) => source(pseudoRandom(n, seed + i), `f${i}`))
        const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata, chunkSize })
        const keys = newSealKeys(vaultKey, chunkSize)
        const { payload, hashes } = await sealSplit(files, layout, keys, workers)
        expect(payload.length).toBe(layout.size)
        expect(hashes.map(toHex)).toEqual(referenceHashes(payload))
        const container = await opened(payload, layout, keys.wrappedKey)
        expect(container.length).toBe(layout.containerSize)
      }), { numRuns: 25 })
  }, 60_000)

  it('seals and hashes the same whatever lanes tile the ranges, in whatever order of their chunks (property)', async () => {
    // A medium-tier payload (16 data shards) of 1 KiB chunks, cut into arbitrary lanes.
    const files = [source(pseudoRandom(4_200_000, 9), 'a.bin')]
    const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata, chunkSize: 16_384 })
    expect(planFragments(layout.size).tier).toBe('medium')
    const keys = newSealKeys(vaultKey, layout.chunkSize)
    const reference = await sealSplit(files, layout, keys, 1, {}, plan => ({ ...plan, lanes: [plan.ranges], phases: [[0]] }))
    expect(reference.hashes.map(toHex)).toEqual(referenceHashes(reference.payload))
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: layout.chunkCount - 1 }), { maxLength: 40 }), fc.integer({ min: 1, max: 3 }),
      async (cuts, workers) => {
        const retile = (plan: SealRangePlan): SealRangePlan => {
          // Lanes at the cut points, within each worker's range.
          const lanes = plan.ranges.map(range => {
            const inside = [...new Set(cuts)].filter(c => c > range.first && c < range.end).sort((a, b) => a - b)
            const bounds = [range.first, ...inside, range.end]
            const at = (chunk: number): number => (chunk === range.first ? range.from : 24 + chunk * (layout.chunkSize + 16))
            return bounds.slice(1).map((end, i): SealRange => ({ first: bounds[i], end, from: at(bounds[i]), to: end === range.end ? range.to : at(end) }))
          })
          // Any phases: the chunks are then sealed in any lane-wise order, with the same result.
          const phases = lanes.map(own => own.map((_, i) => ((cuts[i % Math.max(1, cuts.length)] ?? 0) * 7919) % 50_000 - 25_000))
          return { ...plan, lanes, phases }
        }
        const split = await sealSplit(files, layout, keys, workers, {}, retile)
        expect(toHex(blake3(split.payload))).toBe(toHex(blake3(reference.payload)))
        expect(split.hashes.map(toHex)).toEqual(reference.hashes.map(toHex))
      }), { numRuns: 12 })
  }, 120_000)

  it('binds a sealed memory\'s open-after date in every range and seals the thumbnail on the first', async () => {
    const sealedMeta: TesseraMetadata = { ...metadata, visibility: 'sealed', openAfter: '2030-01-01' }
    const files = [source(pseudoRandom(40_000, 5), 'a')]
    const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata: sealedMeta, chunkSize: 4096 })
    const keys = newSealKeys(vaultKey, 4096)
    const aad = payloadAadFor(sealedMeta)
    const { payload, thumbnail } = await sealSplit(files, layout, keys, 2, { aad, thumbnail: new Uint8Array([1, 2, 3]) })
    expect((await opened(payload, layout, keys.wrappedKey, aad)).length).toBe(layout.containerSize)
    await expect(opened(payload, layout, keys.wrappedKey)).rejects.toMatchObject({ name: 'DecryptionError' })
    expect(openThumbnail(unwrapContentKey(vaultKey, keys.wrappedKey), thumbnail as Uint8Array)).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('fails with UnreadableFileError when its part of a file cannot be read, and AbortError when cancelled', async () => {
    const good = pseudoRandom(50_000, 3)
    const broken: SealSource = { name: 'gone.jpg', type: 'image/jpeg', lastModified: 1, blob: { size: 50_000, slice: () => ({ arrayBuffer: async () => { throw new Error('NotReadableError') } }) } }
    const files = [source(good, 'ok.bin'), broken]
    const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata, chunkSize: 4096 })
    const keys = newSealKeys(vaultKey, 4096)
    await expect(sealSplit(files, layout, keys, 2)).rejects.toMatchObject({ name: 'UnreadableFileError' })
    const controller = new AbortController()
    controller.abort()
    const split = planSealRanges(layout, 1)
    const gen = sealRange({ files, headerBytes: layout.headerBytes, chunkSize: 4096, chunkCount: layout.chunkCount, vaultKey, ...keys, range: split.ranges[0], messages: split.messages, pieceBytes: split.pieceBytes }, { signal: controller.signal })
    await expect(gen.next()).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('refuses an empty file, a range outside the chunks and a wrong vault key with typed errors', async () => {
    expect(() => layoutSeal({ files: [{ name: 'e', type: '', size: 0, lastModified: 1 }], metadata })).toThrow(expect.objectContaining({ code: 'ERR_EMPTY_FILE' }))
    const files = [source(pseudoRandom(10_000, 4), 'a')]
    const layout = layoutSeal({ files: files.map(f => ({ ...f, size: f.blob.size })), metadata, chunkSize: 4096 })
    const keys = newSealKeys(vaultKey, 4096)
    const split = planSealRanges(layout, 1)
    const base: SealRangeInput = { files, headerBytes: layout.headerBytes, chunkSize: 4096, chunkCount: layout.chunkCount, vaultKey, ...keys, range: split.ranges[0], messages: split.messages, pieceBytes: split.pieceBytes }
    await expect(sealRange({ ...base, range: { ...base.range, end: layout.chunkCount + 1 } }).next()).rejects.toThrow(RangeError)
    // Lanes must tile the range: a gap, an overlap or a short last lane is refused.
    const { first, end, from } = base.range
    const mid = { first: 1, end, from: 24 + 4112, to: base.range.to }
    await expect(sealRange({ ...base, lanes: [{ first, end: 1, from, to: 24 + 4112 }, { ...mid, first: 2 }] }).next()).rejects.toThrow(/lanes/)
    await expect(sealRange({ ...base, lanes: [{ first, end: 2, from, to: 24 + 2 * 4112 }, mid] }).next()).rejects.toThrow(/lanes/)
    await expect(sealRange({ ...base, lanes: [{ first, end: 1, from, to: 24 + 4112 }] }).next()).rejects.toThrow(/lanes/)
    await expect(sealRange({ ...base, lanes: [] }).next()).rejects.toThrow(/lanes/)
    // One finite phase per lane.
    await expect(sealRange({ ...base, phases: [0, 0] }).next()).rejects.toThrow(RangeError)
    await expect(sealRange({ ...base, phases: [Number.NaN] }).next()).rejects.toThrow(/phases/)
    await expect(sealRange({ ...base, vaultKey: new Uint8Array(32) }).next()).rejects.toMatchObject({ name: 'DecryptionError' })
  })
})
