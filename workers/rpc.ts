/**
 * The one typed RPC contract between the main thread and `codec.worker.ts`.
 * [Note: Codec RPC] Every request carries a `jobId`. The worker answers with zero or more
 * `progress` / `chunk` messages (a chunk may carry its progress event) and exactly one `result` or `error`. Cancellation is a
 * `cancel` message (AbortSignal cannot be cloned). Streaming jobs use credit-based flow
 * control: the worker may have at most `credit` un-acknowledged `chunk` messages in flight,
 * and the client grants one more with `credit` after it has consumed one. Buffers travel
 * in transfer lists, never copied.
 */
import type { ErrorData } from '../src/core/errors.js'
import type { TesseraIndex, TesseraMetadata } from '../src/core/types.js'
import type { CutPiece } from '../src/codec/piece-shares.js'
import type { OpenShardsInput, SealedChunk, SealRangeInput, SealRangeResult } from '../src/crypto/index.js'

/** A file to pack: the Blob is cloned by reference (no bytes copied). */
export interface SaveFileInput {
  blob: Blob
  name: string
  type: string
  lastModified: number
}

/** One worker's part of a save (src/crypto/tessera-sealer.ts `sealRange`), files as Blobs. */
export type SealRangeJobInput = Omit<SealRangeInput, 'files'> & {
  files: SaveFileInput[]
  /** Max sealed chunks in flight before waiting for credit. */
  credit?: number
}

export interface ParityStripeInput {
  k: number
  m: number
  /** k slices of equal length: the same column range of each data shard. */
  data: Uint8Array[]
  /** The stripe's first column / 1024: where its parity columns sit in their shards, in chunks. */
  chunkOffset: number
  /** true when the stripe is the whole shard: return hashes, not CVs. */
  root: boolean
}

export interface ParityStripeResult {
  /** Per parity shard: the CV of this stripe's column (its BLAKE3 hash when `root`). */
  parityCvs: Uint8Array[]
  /** The data slices, handed back (transferred) for reuse. */
  data: Uint8Array[]
}

export interface ChecksumShardInput {
  /** One whole shard; transfer its buffer in. */
  bytes: Uint8Array
}

export interface ChecksumShardResult {
  /** BLAKE3 of the shard. */
  checksum: Uint8Array
  /** The shard, handed back (transferred). */
  bytes: Uint8Array
}

export interface HashPiecesInput {
  /** Pieces a save's range boundaries cut, joined (src/codec/piece-shares.ts). */
  pieces: CutPiece[]
}

export interface OpenRecordInput {
  vaultKey: Uint8Array
  wrappedKey: Uint8Array
  encryptedMetadata: Uint8Array
  sealedThumbnail?: Uint8Array
}

export interface OpenRecordResult {
  index: TesseraIndex
  thumbnail?: Uint8Array
}

export interface JobMap {
  /** Seal and hash one range of a save's chunks, streaming the sealed chunks (tessera-sealer.ts sealRange). */
  sealRange: { input: SealRangeJobInput, result: SealRangeResult, chunk: SealedChunk }
  /** The pieces cut by range boundaries (src/crypto/worker-jobs.ts hashPieces). */
  hashPieces: { input: HashPiecesInput, result: { hashes: Uint8Array[] }, chunk: never }
  parityStripe: { input: ParityStripeInput, result: ParityStripeResult, chunk: never }
  /** Recovery: BLAKE3 of one fetched shard (src/crypto/worker-jobs.ts checksumShard). */
  checksumShard: { input: ChecksumShardInput, result: ChecksumShardResult, chunk: never }
  openRecord: { input: OpenRecordInput, result: OpenRecordResult, chunk: never }
  /** Recovery: k shards → plaintext container (src/crypto/worker-jobs.ts openShards). */
  openShards: { input: OpenShardsInput, result: { container: Uint8Array, payload?: Uint8Array }, chunk: never }
}

export type JobType = keyof JobMap

export type WorkerRequest =
  | { [T in JobType]: { kind: 'job', type: T, jobId: number, input: JobMap[T]['input'] } }[JobType]
  | { kind: 'cancel', jobId: number }
  | { kind: 'credit', jobId: number, n: number }

export type WorkerResponse =
  | { kind: 'progress', jobId: number, event: { type: string, done: number, total: number } }
  /** `event`: the progress reached with this chunk (saves one message per chunk). */
  | { kind: 'chunk', jobId: number, chunk: { index: number, bytes: Uint8Array }, event?: { type: string, done: number, total: number } }
  | { kind: 'result', jobId: number, result: unknown }
  | { kind: 'error', jobId: number, error: ErrorData }
