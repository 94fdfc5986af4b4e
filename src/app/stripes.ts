/**
 * Reads stripes of a tessera's data shards back from stored sealed chunks.
 * Shard i covers payload bytes [i·S, (i+1)·S), zero-padded past the payload's end
 * (../shared/DESIGN.md "A tessera on disk and on the wire" step 4). A stripe is the same
 * column range [start, end) of every data shard.
 */
import { CorruptRecordError } from '../core/errors.js'

export interface StripeSource {
  k: number
  shardSize: number
  /** Column range inside each shard. */
  start: number
  end: number
  payloadHeader: Uint8Array
  payloadSize: number
  /** Plaintext bytes per chunk; a sealed chunk is chunkSize + 16 bytes (the last may be shorter). */
  chunkSize: number
  getChunk: (index: number) => Promise<Uint8Array | undefined>
}

const TAG_BYTES = 16

/** Returns k slices of `end - start` bytes. @throws CorruptRecordError when a chunk is missing */
export async function readStripe (src: StripeSource): Promise<Uint8Array[]> {
  const width = src.end - src.start
  const sealedSize = src.chunkSize + TAG_BYTES
  const headerSize = src.payloadHeader.length
  const cache = new Map<number, Uint8Array>()
  async function chunk (index: number): Promise<Uint8Array> {
    let bytes = cache.get(index)
    if (bytes == null) {
      bytes = await src.getChunk(index)
      if (bytes == null) throw new CorruptRecordError(`payload chunk ${index} is missing`)
      if (cache.size >= 2) cache.delete(cache.keys().next().value as number)
      cache.set(index, bytes)
    }
    return bytes
  }
  const slices: Uint8Array[] = []
  for (let i = 0; i < src.k; i++) {
    const out = new Uint8Array(width)
    let pos = i * src.shardSize + src.start
    const stop = Math.min(i * src.shardSize + src.end, src.payloadSize)
    while (pos < stop) {
      const outAt = pos - (i * src.shardSize + src.start)
      if (pos < headerSize) {
        const take = Math.min(headerSize, stop) - pos
        out.set(src.payloadHeader.subarray(pos, pos + take), outAt)
        pos += take
        continue
      }
      const rel = pos - headerSize
      const index = Math.floor(rel / sealedSize)
      const within = rel - index * sealedSize
      const bytes = await chunk(index)
      const take = Math.min(bytes.length - within, stop - pos)
      if (take <= 0) throw new CorruptRecordError(`payload chunk ${index} is shorter than expected`)
      out.set(bytes.subarray(within, within + take), outAt)
      pos += take
    }
    slices.push(out)
  }
  return slices
}
