/**
 * Reads stripes of a tessera's data shards back from stored sealed chunks.
 * Shard i covers payload bytes [i·S, (i+1)·S), zero-padded past the payload's end
 * (../shared/DESIGN.md "A tessera on disk and on the wire" step 4). A stripe is the same
 * column range [start, end) of every data shard.
 *
 * Stripes are read in order, so each shard walks its chunks front to back. To read every
 * stored chunk about once, the reader keeps, per shard, a view of the not-yet-used tail of the
 * chunk it last read: at most one stored chunk per shard (k × 896 KiB by default) is held, and
 * no byte is copied twice (copying the tails instead cost about ¾ of a payload copy per pass).
 * The chunks a stripe needs are requested all at once.
 */
import { CorruptRecordError } from '../core/errors.js'
import { AEAD_TAG_BYTES } from '../core/plan.js'

export interface StripeLayout {
  k: number
  shardSize: number
  payloadHeader: Uint8Array
  payloadSize: number
  /** Plaintext bytes per chunk; a sealed chunk is chunkSize + 16 bytes (the last may be shorter). */
  chunkSize: number
  /** Sealed chunk `index`; the reader only reads it (it may be the store's own buffer: see GetChunkOptions.borrow). */
  getChunk: (index: number) => Promise<Uint8Array | undefined>
}

/** Sequential stripe reader over a stored payload. */
export interface StripeReader {
  /**
   * Returns k slices of `end - start` bytes (columns [start, end) of each data shard).
   * Fastest when called with consecutive ranges.
   * @param reuse - k buffers from an earlier read to fill instead of allocating (each is used
   *   when its ArrayBuffer holds at least `end - start` bytes)
   * @throws CorruptRecordError when a chunk is missing or short
   */
  read: (start: number, end: number, reuse?: Uint8Array[]) => Promise<Uint8Array[]>
}

/** Creates a {@link StripeReader}; see the module note on memory. */
export function createStripeReader (src: StripeLayout): StripeReader {
  const sealedSize = src.chunkSize + AEAD_TAG_BYTES
  const headerSize = src.payloadHeader.length
  /** Per shard: a view of payload bytes [at, at + bytes.length) not yet used. */
  const carry: Array<{ at: number, bytes: Uint8Array } | undefined> = new Array(src.k)

  /** Chunks that {@link fill} will read for shard bytes [from, stop): the ones its carry and the header do not cover. */
  function chunksFor (shard: number, from: number, stop: number): number[] {
    let pos = from
    const c = carry[shard]
    if (c != null && pos >= c.at && pos < c.at + c.bytes.length) pos = Math.min(c.at + c.bytes.length, stop)
    if (pos < headerSize) pos = Math.min(headerSize, stop)
    const out: number[] = []
    while (pos < stop) {
      const index = Math.floor((pos - headerSize) / sealedSize)
      out.push(index)
      pos = headerSize + (index + 1) * sealedSize
    }
    return out
  }

  function fill (shard: number, out: Uint8Array, from: number, stop: number, outAt: number, fetched: Map<number, Uint8Array | undefined>): void {
    let pos = from
    const shardEnd = Math.min((shard + 1) * src.shardSize, src.payloadSize)
    while (pos < stop) {
      const at = outAt + (pos - from)
      const c = carry[shard]
      if (c != null && pos >= c.at && pos < c.at + c.bytes.length) {
        const take = Math.min(c.at + c.bytes.length, stop) - pos
        out.set(c.bytes.subarray(pos - c.at, pos - c.at + take), at)
        pos += take
        continue
      }
      carry[shard] = undefined
      if (pos < headerSize) {
        const take = Math.min(headerSize, stop) - pos
        out.set(src.payloadHeader.subarray(pos, pos + take), at)
        pos += take
        continue
      }
      const rel = pos - headerSize
      const index = Math.floor(rel / sealedSize)
      const within = rel - index * sealedSize
      const bytes = fetched.get(index)
      if (bytes == null) throw new CorruptRecordError(`payload chunk ${index} is missing`)
      const take = Math.min(bytes.length - within, stop - pos)
      if (take <= 0) throw new CorruptRecordError(`payload chunk ${index} is shorter than expected`)
      out.set(bytes.subarray(within, within + take), at)
      pos += take
      // Keep only the rest of this chunk that the shard will still need.
      const restEnd = Math.min(bytes.length, within + (shardEnd - (pos - take)))
      // A view, not a copy: the chunk is only read, never changed.
      if (within + take < restEnd) carry[shard] = { at: pos, bytes: bytes.subarray(within + take, restEnd) }
    }
  }

  return {
    async read (start, end, reuse) {
      const width = end - start
      const slices: Uint8Array[] = []
      // Every chunk this stripe needs is requested at once: shards cross chunk boundaries at
      // about the same stripe, and k reads one after another (each a storage round trip)
      // stalled the parity pass there.
      const wanted = new Set<number>()
      for (let i = 0; i < src.k; i++) {
        for (const index of chunksFor(i, i * src.shardSize + start, Math.min(i * src.shardSize + end, src.payloadSize))) wanted.add(index)
      }
      const fetched = new Map(await Promise.all([...wanted].map(async (index) => [index, await src.getChunk(index)] as const)))
      for (let i = 0; i < src.k; i++) {
        const old = reuse?.[i]
        const out = old != null && old.buffer.byteLength >= width ? new Uint8Array(old.buffer, 0, width) : new Uint8Array(width)
        const from = i * src.shardSize + start
        const stop = Math.min(i * src.shardSize + end, src.payloadSize)
        if (from < stop) fill(i, out, from, stop, 0, fetched)
        // Zero padding past the payload's end (a reused buffer holds old bytes).
        const filled = Math.max(0, stop - from)
        if (old != null && filled < width) out.fill(0, filled)
        slices.push(out)
      }
      return slices
    }
  }
}
