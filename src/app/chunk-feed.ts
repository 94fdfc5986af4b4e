/**
 * Hands a save's sealed chunks to its parity pass as they arrive from the sealing workers
 * ([Note: Seal lanes] in src/crypto/seal-plan.ts), so parity is encoded while sealing goes on
 * instead of reading the whole stored payload back afterwards.
 *
 * A chunk is held from its arrival until the stripe reader takes it (the reader then keeps a
 * view of it while its shard still needs it). A chunk that spans two shards is needed again
 * later by the other shard: that second take reads it back from the writer, once its write has
 * finished (at most k − 1 such reads per save). Each source (a sealing job) may hold at most
 * `limit` untaken chunks: `arrive` waits for room beyond that, which holds the worker back
 * through the job's credit; the sources stay independent, so a worker that is behind is never
 * held back by one that is ahead.
 */
import { CorruptRecordError } from '../core/errors.js'
import type { TesseraWriter } from '../core/ports.js'

export interface ChunkFeed {
  /**
   * Chunk `index` from `source` was sealed (and handed to the store; `written` settles when
   * stored). Resolves once the source has room for more.
   */
  arrive: (index: number, bytes: Uint8Array, source: number, written: Promise<void>) => Promise<void>
  /** Chunk `index` once sealed (read back from the writer when taken before). @throws the error given to {@link ChunkFeed.fail} */
  take: (index: number) => Promise<Uint8Array | undefined>
  /** Every chunk has arrived: a take of one that never did (a bug) rejects instead of waiting forever. */
  complete: () => void
  /** Ends the feed: pending and later takes reject with `err`, waiting arrivals are released. */
  fail: (err: unknown) => void
  /** Chunks held and not yet taken, for tests and measurements. */
  readonly held: number
}

export function createChunkFeed (writer: Pick<TesseraWriter, 'getChunk'>, options: { limit: (source: number) => number, signal?: AbortSignal }): ChunkFeed {
  const arrived = new Map<number, { bytes: Uint8Array, source: number }>()
  const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void, reject: (err: unknown) => void }>()
  /** Every arrived chunk's write, awaited before a chunk taken once is read back. */
  const writes = new Map<number, Promise<void>>()
  const taken = new Set<number>()
  const heldBy = new Map<number, number>()
  const roomWaiters = new Map<number, Array<() => void>>()
  let failure: { err: unknown } | undefined
  let completed = false
  const neverSealed = (index: number): Error => new CorruptRecordError(`chunk feed: chunk ${index} was never sealed`)

  const release = (source: number): void => {
    heldBy.set(source, (heldBy.get(source) ?? 1) - 1)
    const queue = roomWaiters.get(source)
    while (queue !== undefined && queue.length > 0 && (heldBy.get(source) ?? 0) <= options.limit(source)) queue.shift()?.()
  }

  return {
    async arrive (index, bytes, source, written) {
      if (failure !== undefined) return
      writes.set(index, written)
      written.catch(() => {}) // the save awaits its writes itself
      const waiter = waiting.get(index)
      if (waiter !== undefined) {
        waiting.delete(index)
        taken.add(index)
        waiter.resolve(bytes)
        return
      }
      arrived.set(index, { bytes, source })
      heldBy.set(source, (heldBy.get(source) ?? 0) + 1)
      while (failure === undefined && (heldBy.get(source) ?? 0) > options.limit(source)) {
        await new Promise<void>(resolve => {
          const queue = roomWaiters.get(source) ?? []
          queue.push(resolve)
          roomWaiters.set(source, queue)
        })
      }
    },
    async take (index) {
      if (failure !== undefined) throw failure.err
      const held = arrived.get(index)
      if (held !== undefined) {
        arrived.delete(index)
        taken.add(index)
        release(held.source)
        return held.bytes
      }
      if (taken.has(index)) {
        await writes.get(index)
        return await writer.getChunk(index, { signal: options.signal, borrow: true })
      }
      if (waiting.has(index)) throw new Error(`chunk feed: chunk ${index} is already awaited`)
      if (completed) throw neverSealed(index)
      return await new Promise<Uint8Array>((resolve, reject) => { waiting.set(index, { resolve, reject }) })
    },
    complete () {
      completed = true
      for (const [index, w] of waiting) w.reject(neverSealed(index))
      waiting.clear()
    },
    fail (err) {
      if (failure !== undefined) return
      failure = { err }
      for (const w of waiting.values()) w.reject(err)
      waiting.clear()
      arrived.clear()
      for (const queue of roomWaiters.values()) for (const wake of queue.splice(0)) wake()
    },
    get held () { return arrived.size }
  }
}
