import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createChunkFeed } from '../../../src/app/chunk-feed.js'
import { createStripeReader } from '../../../src/app/stripes.js'
import { planSealRanges } from '../../../src/crypto/seal-plan.js'
import { SEAL_WINDOW, sealOrder } from '../../../src/crypto/tessera-sealer.js'
import { planFragments } from '../../../src/core/plan.js'

/** A writer that serves chunks back from a map, counting reads. */
function fakeWriter (): { getChunk: (i: number) => Promise<Uint8Array | undefined>, stored: Map<number, Uint8Array>, reads: number[] } {
  const stored = new Map<number, Uint8Array>()
  const reads: number[] = []
  return { stored, reads, getChunk: async (i) => { reads.push(i); return stored.get(i) } }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

describe('createChunkFeed', () => {
  it('hands a chunk to the take waiting for it, and one taken before is read back once its write has settled', async () => {
    const writer = fakeWriter()
    const feed = createChunkFeed(writer, { limit: () => 4 })
    const waiting = feed.take(3)
    const chunk = new Uint8Array([3])
    let finishWrite = (): void => {}
    const written = new Promise<void>(resolve => { finishWrite = resolve })
    await feed.arrive(3, chunk, 0, written)
    expect(await waiting).toBe(chunk)
    writer.stored.set(3, chunk)
    const again = feed.take(3)
    await tick()
    expect(writer.reads).toEqual([]) // not before the write settled
    finishWrite()
    expect(await again).toBe(chunk)
    expect(writer.reads).toEqual([3])
  })

  it('holds a source back beyond its limit until chunks are taken, without holding back the others', async () => {
    const feed = createChunkFeed(fakeWriter(), { limit: () => 2 })
    const done = Promise.resolve()
    await feed.arrive(0, new Uint8Array(1), 0, done)
    await feed.arrive(1, new Uint8Array(1), 0, done)
    let released = false
    const third = feed.arrive(2, new Uint8Array(1), 0, done).then(() => { released = true })
    await tick()
    expect([released, feed.held]).toEqual([false, 3])
    await feed.arrive(10, new Uint8Array(1), 1, done) // another source: not held back
    await feed.take(0)
    await third
    expect(released).toBe(true)
  })

  it('fails pending and later takes with the given error, releases waiting arrivals, and refuses never-sealed chunks once complete', async () => {
    const feed = createChunkFeed(fakeWriter(), { limit: () => 0 })
    const pending = feed.take(5)
    const held = feed.arrive(1, new Uint8Array(1), 0, Promise.resolve())
    const cause = new Error('disk gone')
    feed.fail(cause)
    await expect(pending).rejects.toBe(cause)
    await expect(feed.take(1)).rejects.toBe(cause)
    await held // released, not stuck
    const other = createChunkFeed(fakeWriter(), { limit: () => 4 })
    const never = other.take(7)
    other.complete()
    await expect(never).rejects.toMatchObject({ name: 'CorruptRecordError' })
    await expect(other.take(8)).rejects.toMatchObject({ name: 'CorruptRecordError' })
  })

  it('feeds every stripe of a save sealed lane by lane on racing workers, holding about one row (property)', async () => {
    const chunkSize = 4096
    const sealedSize = chunkSize + 16
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 4 * 1024 * 1024, max: 6 * 1024 * 1024 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
      async (size, workers, schedule) => {
        const chunkCount = Math.ceil((size - 24) / sealedSize)
        const payloadSize = 24 + (chunkCount - 1) * sealedSize + sealedSize
        const plan = planFragments(payloadSize)
        const split = planSealRanges({ size: payloadSize, chunkCount, chunkSize }, workers)
        const writer = fakeWriter()
        const feed = createChunkFeed(writer, { limit: r => split.lanes[r].length + SEAL_WINDOW })
        const chunk = (i: number): Uint8Array => new Uint8Array(sealedSize).fill(i & 0xff)
        const header = new Uint8Array(24).fill(0xee)
        // Each worker seals its lanes round robin, as the sealer orders them; the workers take turns as `schedule` says.
        const orders = split.lanes.map((lanes, r) => sealOrder(lanes, chunkSize, split.phases[r]).map(c => c.index))
        let peak = 0
        const sealers = orders.map(async (order, r) => {
          for (const [n, index] of order.entries()) {
            if (schedule[(n + r) % schedule.length] % 3 === 0) await tick()
            const bytes = chunk(index)
            writer.stored.set(index, bytes)
            await feed.arrive(index, bytes, r, Promise.resolve())
            peak = Math.max(peak, feed.held)
          }
        })
        const width = 1024
        const reader = createStripeReader({ k: plan.k, shardSize: plan.shardSize, payloadHeader: header, payloadSize, chunkSize, getChunk: feed.take })
        for (let s = 0; s * width < plan.shardSize; s++) {
          // A reader slower than the sealers at times: they then wait for room.
          if (schedule[s % schedule.length] % 4 === 0) for (let t = 0; t < 5; t++) await tick()
          const data = await reader.read(s * width, Math.min(plan.shardSize, (s + 1) * width))
          // Spot check: the first column of shard 1 is the byte of the chunk that holds it.
          const pos = plan.shardSize + s * width
          if (pos < payloadSize) expect(data[1][0]).toBe(Math.floor((pos - 24) / sealedSize) & 0xff)
        }
        await Promise.all(sealers)
        // At most one row plus a few per worker are ever held untaken.
        expect(peak).toBeLessThanOrEqual(split.lanes.reduce((n, l) => n + l.length + SEAL_WINDOW + 1, 0))
        // Chunks spanning two shards are read back once, for the earlier shard: at most k − 1.
        expect(writer.reads.length).toBeLessThan(plan.k)
      }), { numRuns: 15 })
  }, 60_000)

  it('seals each worker\'s chunks in the order of the first stripe that needs them (property)', () => {
    const chunkSize = 4096
    const sealedSize = chunkSize + 16
    fc.assert(fc.property(fc.integer({ min: 4 * 1024 * 1024, max: 300 * 1024 * 1024 }), fc.integer({ min: 1, max: 4 }), (size, workers) => {
      const chunkCount = Math.ceil((size - 24) / sealedSize)
      const payloadSize = 24 + chunkCount * sealedSize
      const { k, shardSize: S } = planFragments(payloadSize)
      fc.pre(S >= 2 * sealedSize) // no lane shared by narrow shards
      const split = planSealRanges({ size: payloadSize, chunkCount, chunkSize }, workers)
      for (const [r, lanes] of split.lanes.entries()) {
        // Shard column at which the stripe reader first needs chunk c: 0 for a chunk holding a shard's start.
        const neededAt = (c: number): number => {
          const from = c === 0 ? 0 : 24 + c * sealedSize
          const to = 24 + (c + 1) * sealedSize
          const shard = Math.floor(from / S)
          return (shard + 1) * S < to && shard + 1 < k && from % S !== 0 ? 0 : from - shard * S
        }
        const columns = sealOrder(lanes, chunkSize, split.phases[r]).map(c => neededAt(c.index))
        expect(columns.every((col, i) => i === 0 || col >= columns[i - 1])).toBe(true)
      }
    }), { numRuns: 60 })
  })
})
