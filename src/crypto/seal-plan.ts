/**
 * How a save is laid out before any byte is read, on the main thread: the container header
 * and sizes ({@link layoutSeal}), the save's secrets ({@link newSealKeys}) and the split of
 * its first pass among codec workers ({@link planSealRanges}); each worker then runs
 * `sealRange` (tessera-sealer.ts) on its range. No WebAssembly here.
 */
import { UnreadableFileError } from '../core/errors.js'
import { encodeContainerHeader } from '../core/container.js'
import { DEFAULT_CHUNK_BYTES, MAX_TESSERA_BYTES } from '../core/constants.js'
import { PAYLOAD_HEADER_BYTES, AEAD_TAG_BYTES, planFragments } from '../core/plan.js'
import type { TesseraIndex, TesseraMetadata } from '../core/types.js'
import type { PieceMessage } from '../codec/piece-shares.js'
import { newPayloadHeader, openAfterAad, payloadSizeFor } from './payload.js'
import { newContentKey, wrapContentKey } from './aead.js'

/**
 * Pieces of the hashed messages ([Note: Range hashing]): 256 KiB. Each of a save's lane
 * boundaries (about one per data shard, [Note: Seal lanes]) leaves at most one piece per side
 * and message to join and hash afterwards (1 MiB pieces cut about 70 MiB per 256 MiB save),
 * and every piece is one CV to merge on the page (64 KiB pieces made ~9,000 for 300 MB).
 */
export const SEAL_PIECE_BYTES = 256 * 1024

/** Fewest chunks a range is given: below 2 × this, one worker seals the whole payload. */
export const MIN_RANGE_CHUNKS = 4

/**
 * Extra associated data of a tessera's payload: a sealed memory binds its `openAfter` date,
 * so the date cannot be changed without breaking every chunk.
 */
export function payloadAadFor (metadata: Pick<TesseraMetadata, 'visibility' | 'openAfter'>): Uint8Array | undefined {
  return metadata.visibility === 'sealed' && metadata.openAfter != null ? openAfterAad(metadata.openAfter) : undefined
}

/** The shape of a save, known before any byte is read: what the main thread plans with. */
export interface SealLayout {
  /** The plaintext container's header (metadata and file table), its first bytes. */
  headerBytes: Uint8Array
  index: TesseraIndex
  /** Plaintext container bytes. */
  containerSize: number
  /** Encrypted payload bytes (header + sealed chunks). */
  size: number
  chunkCount: number
  chunkSize: number
}

/**
 * Lays a save out: the container header and the sizes that follow from it.
 * @throws UnreadableFileError for an empty file, RangeError above 1 GB, TypeError for bad metadata
 */
export function layoutSeal (input: { files: Array<{ name: string, type: string, size: number, lastModified: number }>, metadata: TesseraMetadata, chunkSize?: number }): SealLayout {
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_BYTES
  for (const f of input.files) {
    if (f.size === 0) throw new UnreadableFileError(f.name, 'empty')
  }
  const { headerBytes, index } = encodeContainerHeader({
    metadata: input.metadata,
    files: input.files.map(f => ({ name: f.name, type: f.type || 'application/octet-stream', size: f.size, lastModified: f.lastModified }))
  })
  if (index.containerSize > MAX_TESSERA_BYTES) {
    throw new RangeError(`files: at most ${MAX_TESSERA_BYTES} bytes per memory, got ${index.containerSize}`)
  }
  return {
    headerBytes,
    index,
    containerSize: index.containerSize,
    size: payloadSizeFor(index.containerSize, chunkSize),
    chunkCount: Math.max(1, Math.ceil(index.containerSize / chunkSize)),
    chunkSize
  }
}

/**
 * The secrets of one save, made once: a fresh content key, returned only wrapped under the
 * vault key (each range's sealer unwraps it), and the payload header with its random nonce prefix.
 */
export function newSealKeys (vaultKey: Uint8Array, chunkSize: number = DEFAULT_CHUNK_BYTES): { wrappedKey: Uint8Array, payloadHeader: Uint8Array } {
  const contentKey = newContentKey()
  try {
    return { wrappedKey: wrapContentKey(vaultKey, contentKey), payloadHeader: newPayloadHeader(chunkSize) }
  } finally {
    contentKey.fill(0)
  }
}

/** One worker's part of a save: chunks [first, end) and the stream bytes [from, to) they make. */
export interface SealRange {
  first: number
  end: number
  from: number
  to: number
}

/** How a save's first pass is split among workers and what it hashes. */
export interface SealRangePlan {
  /** The tessera (the whole payload), then, unless the payload is its own one shard, the k data shards. */
  messages: PieceMessage[]
  pieceBytes: number
  /** Per worker, its contiguous range. */
  ranges: SealRange[]
  /** Per worker, its range cut into lanes ([Note: Seal lanes]), in payload order. */
  lanes: SealRange[][]
  /** Per worker, each lane's phase: its chunk j ≥ 1 starts at shard column phase + j·(sealed chunk size) ([Note: Seal lanes]). */
  phases: number[][]
}

/**
 * [Note: Seal lanes]
 * A save's parity needs, for each stripe, the same columns of all k data shards: payload bytes
 * spread over the whole payload. Sealed front to back, the first stripe is complete only when
 * the last shard is, so parity had to wait for a second pass that read the whole stored payload
 * back (from IndexedDB: about a third of a save). Instead, each worker's range is cut into
 * lanes, about one per data shard, and the worker seals its lanes a chunk of each in turn
 * (ordered as below): every shard then fills at about the same pace, and the main thread encodes
 * each stripe as soon as the chunks under it have been sealed, while later chunks are still
 * being sealed. Each lane is hashed as a range of its own ([Note: Range hashing]); a lane
 * boundary cuts at most one piece per message, joined and hashed afterwards (about 2 MiB per
 * boundary). Without parity (Small tier) a worker's range is its one lane.
 * The chunks of a worker's lanes are sealed in the order of the shard column where the stripe
 * reader first needs them: 0 for a lane's first chunk (it holds its shard's start), then
 * phase + j·(sealed chunk) for chunk j, the phase being where the lane's chunks start relative
 * to its shard (in (−sealed chunk, 0], or the header's 24 bytes for the first shard). The reader
 * then takes each chunk as it arrives. Plain round robin by position sealed row j of every lane
 * before row j + 1, while a stripe could need chunk j + 1 of an early-phase lane first: the
 * chunks sealed meanwhile were held untaken (up to a row, ~21 MB per worker for 48+24).
 */

/** Splits chunks [first, end) into `count` contiguous runs of nearly equal size (each ≥ 1 chunk). */
function split (first: number, end: number, count: number): Array<[number, number]> {
  return Array.from({ length: count }, (_, r) => [first + Math.floor(r * (end - first) / count), first + Math.floor((r + 1) * (end - first) / count)])
}

/**
 * One lane per data shard, starting at the chunk that holds the shard's first byte (shards
 * narrower than a chunk share one): the chunks the first stripe needs are then every lane's
 * first, sealed first. A chunk holding a shard's end is also needed by the last stripe; it is
 * read back from the store then ([Note: Seal lanes]).
 */
function shardLanes (plan: { k: number, shardSize: number }, chunkCount: number, sealedSize: number): Array<{ run: [number, number], phase: number }> {
  const chunkAt = (byte: number): number => Math.min(chunkCount - 1, Math.max(0, Math.floor((byte - PAYLOAD_HEADER_BYTES) / sealedSize)))
  /** First chunk of each lane → the start of the first shard it holds. */
  const shardOf = new Map<number, number>()
  for (let i = plan.k - 1; i >= 0; i--) shardOf.set(i === 0 ? 0 : chunkAt(i * plan.shardSize), i * plan.shardSize)
  const starts = [...shardOf.keys()].sort((a, b) => a - b)
  // Where the lane's chunk j ≥ 1 starts, minus j sealed chunks, relative to its shard.
  const phaseOf = (first: number): number => PAYLOAD_HEADER_BYTES + first * sealedSize - (shardOf.get(first) as number)
  return starts.map((first, i) => ({ run: [first, i + 1 < starts.length ? starts[i + 1] : chunkCount], phase: phaseOf(first) }))
}

/** Deals `lanes` (in order) to at most `workers` workers, contiguous runs of nearly equal counts. */
function lanesPerWorker<T> (lanes: T[], workers: number): T[][] {
  return split(0, lanes.length, Math.min(workers, lanes.length)).map(([a, b]) => lanes.slice(a, b))
}

/**
 * Splits a save among up to `workers` sealers (contiguous chunk ranges of nearly equal size,
 * none under {@link MIN_RANGE_CHUNKS}), cuts the ranges into lanes ([Note: Seal lanes]) and
 * names the messages each hashes: the payload, and each data shard of `planFragments(size)`
 * with its zero padding (the last range's stream runs on to k·S in zeros). Small tier: the
 * one shard is the payload, so only the payload is hashed.
 */
export function planSealRanges (layout: Pick<SealLayout, 'size' | 'chunkCount' | 'chunkSize'>, workers: number): SealRangePlan {
  const { size, chunkCount, chunkSize } = layout
  const plan = planFragments(size)
  const ownShard = plan.k === 1 && plan.shardSize === size
  const messages: PieceMessage[] = [{ origin: 0, length: size }]
  if (!ownShard) for (let i = 0; i < plan.k; i++) messages.push({ origin: i * plan.shardSize, length: plan.shardSize })
  const streamEnd = ownShard ? size : plan.k * plan.shardSize
  const count = Math.max(1, Math.min(Math.floor(workers), Math.floor(chunkCount / MIN_RANGE_CHUNKS)))
  const sealed = chunkSize + AEAD_TAG_BYTES
  const offsetOf = (chunk: number): number => (chunk === 0 ? 0 : PAYLOAD_HEADER_BYTES + chunk * sealed)
  const rangeOf = ([first, end]: [number, number]): SealRange => ({ first, end, from: offsetOf(first), to: end === chunkCount ? streamEnd : offsetOf(end) })
  const dealt = plan.m === 0
    ? split(0, chunkCount, count).map(run => [{ run, phase: 0 }])
    : lanesPerWorker(shardLanes(plan, chunkCount, sealed), count)
  const lanes = dealt.map(own => own.map(l => rangeOf(l.run)))
  const ranges = lanes.map(own => rangeOf([own[0].first, own[own.length - 1].end]))
  return { messages, pieceBytes: SEAL_PIECE_BYTES, ranges, lanes, phases: dealt.map(own => own.map(l => l.phase)) }
}
