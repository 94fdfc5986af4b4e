import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createStripeReader } from '../../../src/app/stripes.js'

/** Splits a payload (header ‖ sealed chunks) the way the store holds it. */
function stored (payloadSize: number, chunkSize: number): { payload: Uint8Array, header: Uint8Array, chunks: Uint8Array[] } {
  const payload = new Uint8Array(payloadSize).map((_, i) => (i * 7 + 3) & 255)
  const header = payload.slice(0, 24)
  const chunks: Uint8Array[] = []
  for (let at = 24; at < payloadSize; at += chunkSize + 16) chunks.push(payload.slice(at, Math.min(payloadSize, at + chunkSize + 16)))
  return { payload, header, chunks }
}

describe('createStripeReader', () => {
  it('returns the same columns as slicing the zero-padded shards, reading each chunk about once', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 41, max: 5000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 400 }),
      async (payloadSize, chunkSize, k, width) => {
        const { payload, header, chunks } = stored(payloadSize, chunkSize)
        const shardSize = Math.ceil(payloadSize / k)
        let reads = 0
        const reader = createStripeReader({ k, shardSize, payloadHeader: header, payloadSize, chunkSize, getChunk: async i => { reads++; return chunks[i] } })
        for (let start = 0; start < shardSize; start += width) {
          const end = Math.min(shardSize, start + width)
          const slices = await reader.read(start, end)
          for (let i = 0; i < k; i++) {
            const expected = new Uint8Array(end - start)
            const from = Math.min(payloadSize, i * shardSize + start)
            expected.set(payload.subarray(from, Math.min(payloadSize, i * shardSize + end)))
            expect(slices[i]).toEqual(expected)
          }
        }
        // Each chunk is read at most once per shard it overlaps.
        expect(reads).toBeLessThanOrEqual(chunks.length + k)
      }), { numRuns: 150 })
  })

  it('fills reused buffers with the same columns as fresh ones, padding included', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 41, max: 3000 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }),
      async (payloadSize, chunkSize, k, width) => {
        const { header, chunks } = stored(payloadSize, chunkSize)
        const shardSize = Math.ceil(payloadSize / k)
        const layout = { k, shardSize, payloadHeader: header, payloadSize, chunkSize, getChunk: async (i: number) => chunks[i] }
        const fresh = createStripeReader(layout)
        const reusing = createStripeReader(layout)
        // Dirty buffers, as handed back by a worker after an earlier stripe.
        let spare: Uint8Array[] = Array.from({ length: k }, () => new Uint8Array(width).fill(0xee))
        for (let start = 0; start < shardSize; start += width) {
          const end = Math.min(shardSize, start + width)
          const got = await reusing.read(start, end, spare)
          expect(got).toEqual(await fresh.read(start, end))
          spare = got.map(g => g.fill(0xee))
        }
      }), { numRuns: 100 })
  })

  it('fails with CorruptRecordError when a chunk is missing', async () => {
    const { header } = stored(100, 10)
    const reader = createStripeReader({ k: 2, shardSize: 50, payloadHeader: header, payloadSize: 100, chunkSize: 10, getChunk: async () => undefined })
    await expect(reader.read(0, 50)).rejects.toMatchObject({ name: 'CorruptRecordError' })
  })
})
