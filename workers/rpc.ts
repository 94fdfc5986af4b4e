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
import type { OpenShardsInput, SealedChunk, SealTesseraResult } from '../src/crypto/index.js'

/** A file to pack: the Blob is cloned by reference (no bytes copied). */
export interface SaveFileInput {
  blob: Blob
  name: string
  type: string
  lastModified: number
}

export interface SaveJobInput {
  files: SaveFileInput[]
  metadata: TesseraMetadata
  vaultKey: Uint8Array
  /** Thumbnail image bytes (plaintext) to seal with the content key. */
  thumbnail?: Uint8Array
  chunkSize?: number
  /** Max sealed chunks in flight before waiting for credit. */
  credit?: number
  /** false: skip the data-shard checksums (hashed elsewhere via `dataShardHash`). Default true. */
  dataShardChecksums?: boolean
}

/** What a save job returns: the sealer's result (src/crypto/tessera-sealer.ts), one definition. */
export type SaveJobResult = SealTesseraResult

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

export interface DataShardHashInput {
  k: number
  /** S, bytes per shard. */
  shardSize: number
  /** The next bytes of the payload, in order (the header, then sealed chunks). */
  parts: Uint8Array[]
  /** true: no more bytes; pad and return the k checksums. */
  last: boolean
  /** Identifies the running hasher across calls (one per save). */
  sessionId: string
}

export interface DataShardHashResult {
  /** Present when `last`: BLAKE3 of each zero-padded data shard. */
  checksums?: Uint8Array[]
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
  save: { input: SaveJobInput, result: SaveJobResult, chunk: SealedChunk }
  /** Data-shard checksums from sealed chunks fed in order (src/crypto/worker-jobs.ts dataShardHashJob). */
  dataShardHash: { input: DataShardHashInput, result: DataShardHashResult, chunk: never }
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
