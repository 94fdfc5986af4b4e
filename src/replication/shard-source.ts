/**
 * Shards regenerated from the owner's local copy, one shard at a time ([Note: Shard source]).
 *
 * [Note: Shard source]
 * The owner's device keeps a tessera as its encrypted payload (header ‖ sealed chunks), not as
 * shards (src/core/ports.ts TesseraRecord). Replication needs shard bytes:
 *  - data shard i (i < k) is payload bytes [i·S, (i+1)·S), zero-padded past the end: a slice,
 *    read chunk by chunk (a Small tessera's only shard is the whole payload);
 *  - parity shard j (j ≥ k) is Reed-Solomon parity of the k data shards, computed stripe by
 *    stripe with the codec's striped coder (src/codec/striped.ts), so the parity is identical to
 *    encoding whole shards while only (k + m) · stripe bytes of workspace are held.
 * Memory is bounded by the caller asking for one shard at a time: a parity pass produces as
 * many parity shards as fit `parityBatchBytes` (at least one) and keeps them until asked for,
 * so a Medium tessera of 10 MB reads its payload once for all 8 parity shards, while a 1 GB
 * Large one never holds more than the batch. The payload reader keeps one sealed chunk per
 * data shard (the stripes walk every shard front to back), at most k chunks.
 * The caller verifies each shard against the manifest checksum before it leaves the device, so
 * a corrupt local copy is never pushed ([Note: Attestation]: the owner's bytes must be trustworthy).
 */
import { createReedSolomon } from '../codec/reed-solomon.js'
import { createStripedCoder, DEFAULT_STRIPE_BYTES } from '../codec/striped.js'
import { CorruptRecordError } from '../core/errors.js'
import { AEAD_TAG_BYTES } from '../core/plan.js'
import type { AbortOptions, TesseraRecord, TesseraStore } from '../core/ports.js'
import { throwIfAborted } from './clock.js'
import { MIB } from './constants.js'

/** Largest sum of parity shards one parity pass keeps for later requests. */
export const DEFAULT_PARITY_BATCH_BYTES = 64 * MIB

/** Where the replication service gets the bytes of one shard of one of our tesseras. */
export interface ShardSource {
  /** Shard count k + m. */
  readonly shardCount: number
  /** Bytes of every shard (manifest.shardSize). */
  readonly shardSize: number
  /**
   * The whole shard `index` (`shardSize` bytes). Not verified: the caller checks the checksum.
   * @throws RangeError for a bad index, CorruptRecordError when the local payload is incomplete, AbortError
   */
  read(index: number, options?: AbortOptions): Promise<Uint8Array>
}

/** Opens the {@link ShardSource} of a local tessera. */
export type ShardSourceFactory = (record: TesseraRecord, options?: AbortOptions) => Promise<ShardSource>

/** Settings of {@link localShardSource}. */
export interface LocalShardSourceInit {
  /** Default {@link DEFAULT_PARITY_BATCH_BYTES}. */
  parityBatchBytes?: number
  /** Columns per parity stripe. Default the codec's {@link DEFAULT_STRIPE_BYTES}. */
  stripeBytes?: number
}

/**
 * A {@link ShardSourceFactory} over the owner's {@link TesseraStore} ([Note: Shard source]).
 * @example
 * const service = replicationService()({ ..., shardSource: localShardSource(tesseras) })
 */
export function localShardSource (tesseras: TesseraStore, init: LocalShardSourceInit = {}): ShardSourceFactory {
  const batchBytes = init.parityBatchBytes ?? DEFAULT_PARITY_BATCH_BYTES
  if (!(batchBytes > 0)) throw new RangeError(`parityBatchBytes: expected a positive number, got ${batchBytes}`)
  return async (record) => openShardSource(tesseras, record, batchBytes, init.stripeBytes ?? DEFAULT_STRIPE_BYTES)
}

/**
 * Reads bytes of a local tessera's encrypted payload (header ‖ sealed chunks) by offset,
 * keeping the last sealed chunk read per `slot` (one slot per data shard while striping).
 */
interface PayloadAccess {
  /** Fills `out` with payload bytes [offset, offset + out.length) (never past the payload size). */
  readInto(slot: number, offset: number, out: Uint8Array, options: AbortOptions): Promise<void>
  /** Forgets the cached chunk of `slot`, or of every slot. */
  forget(slot?: number): void
}

function payloadAccess (tesseras: TesseraStore, record: TesseraRecord): PayloadAccess {
  const { hashHex, payloadHeader } = record
  const sealedSize = record.manifest.chunkSize + AEAD_TAG_BYTES
  const headerSize = payloadHeader.length
  /** Per slot, the last sealed chunk it read. */
  const chunkCache = new Map<number, { index: number, bytes: Uint8Array }>()

  async function chunk (slot: number, index: number, options: AbortOptions): Promise<Uint8Array> {
    const cached = chunkCache.get(slot)
    if (cached?.index === index) return cached.bytes
    const bytes = await tesseras.getChunk(hashHex, index, options)
    if (bytes === undefined) throw new CorruptRecordError(`tessera ${hashHex}: payload chunk ${index} is missing`)
    chunkCache.set(slot, { index, bytes })
    return bytes
  }

  return {
    forget: (slot) => { if (slot === undefined) chunkCache.clear(); else chunkCache.delete(slot) },
    async readInto (slot, offset, out, options) {
      let pos = offset
      const stop = offset + out.length
      while (pos < stop) {
        throwIfAborted(options.signal)
        const at = pos - offset
        if (pos < headerSize) {
          const take = Math.min(headerSize, stop) - pos
          out.set(payloadHeader.subarray(pos, pos + take), at)
          pos += take
          continue
        }
        const rel = pos - headerSize
        const index = Math.floor(rel / sealedSize)
        const within = rel - index * sealedSize
        const bytes = await chunk(slot, index, options)
        const take = Math.min(bytes.length - within, stop - pos)
        if (take <= 0) throw new CorruptRecordError(`tessera ${hashHex}: payload chunk ${index} is shorter than expected`)
        out.set(bytes.subarray(within, within + take), at)
        pos += take
      }
    }
  }
}

/**
 * Random access to the encrypted payload of a local tessera, for
 * {@link payloadShardSources} (the owner's side of attestations, [Note: Attestation]): the
 * verifier reads a few ranges per challenge, so it keeps only the last sealed chunk read.
 * Runs on the main thread like the shard source (ranges are small; a `whole` challenge reads
 * one shard's worth of chunks).
 * @example const sources = payloadShardSources(manifest, manifest.size, payloadReader(tesseras, record))
 * @throws (the returned reader) CorruptRecordError when a chunk is missing, AbortError
 */
export function payloadReader (tesseras: TesseraStore, record: TesseraRecord): (offset: number, length: number, options?: AbortOptions) => Promise<Uint8Array> {
  const access = payloadAccess(tesseras, record)
  return async (offset, length, options = {}) => {
    const out = new Uint8Array(length)
    await access.readInto(0, offset, out, options)
    return out
  }
}

function openShardSource (tesseras: TesseraStore, record: TesseraRecord, batchBytes: number, stripeBytes: number): ShardSource {
  const { manifest } = record
  const { k, m, shardSize, size } = manifest
  const n = k + m
  const access = payloadAccess(tesseras, record)
  const readPayload = access.readInto
  /** Parity shards computed by an earlier pass and not yet asked for. */
  const parityReady = new Map<number, Uint8Array>()
  /** The parity pass running now: concurrent readers wait for it instead of coding twice. */
  let passing: Promise<void> | undefined

  async function dataShard (index: number, options: AbortOptions): Promise<Uint8Array> {
    const out = new Uint8Array(shardSize)
    const start = Math.min(index * shardSize, size)
    const end = Math.min(start + shardSize, size)
    if (end > start) await readPayload(index, start, out.subarray(0, end - start), options)
    access.forget(index)
    return out
  }

  async function parityPass (first: number, options: AbortOptions): Promise<void> {
    const perBatch = Math.max(1, Math.floor(batchBytes / Math.max(1, shardSize)))
    const wanted: number[] = []
    for (let j = first; j < n && wanted.length < perBatch; j++) if (!parityReady.has(j)) wanted.push(j)
    const outs = new Map(wanted.map(j => [j, new Uint8Array(shardSize)]))
    const coder = createStripedCoder(createReedSolomon(k, m), size, { stripeBytes })
    try {
      for (let s = 0; s < coder.stripeCount; s++) {
        throwIfAborted(options.signal)
        const { start } = coder.stripe(s)
        const columns = coder.columns(s)
        for (const r of coder.dataRanges(s)) {
          const col = columns[r.shard]
          const len = r.payloadEnd - r.payloadStart
          if (len > 0) await readPayload(r.shard, r.payloadStart, col.subarray(0, len), options)
          if (len < col.length) col.fill(0, len)
        }
        const parity = coder.encodeStripe(s)
        for (const [j, out] of outs) out.set(parity[j - k], start)
      }
    } finally {
      access.forget()
    }
    for (const [j, out] of outs) parityReady.set(j, out)
  }

  return {
    shardCount: n,
    shardSize,
    async read (index, options = {}) {
      throwIfAborted(options.signal)
      if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new RangeError(`index: expected 0..${n - 1}, got ${String(index)}`)
      if (index < k) return await dataShard(index, options)
      while (!parityReady.has(index)) {
        if (passing !== undefined) {
          await passing.catch(() => undefined) // its own caller sees its failure; we start our own pass
          continue
        }
        const pass = parityPass(index, options)
        passing = pass
        try {
          await pass
        } finally {
          if (passing === pass) passing = undefined
        }
      }
      const out = parityReady.get(index) as Uint8Array
      parityReady.delete(index)
      return out
    }
  }
}
