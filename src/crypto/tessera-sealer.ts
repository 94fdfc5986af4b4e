/**
 * The save pipeline's first pass as one pure streaming function: pack → seal (STREAM AEAD) →
 * hash. [Note: Tessera format] in src/core/types.ts. Runs inside the codec worker; Node tests
 * call it directly. Up to {@link SEAL_WINDOW} chunks are being read and sealed at once
 * (WebCrypto encrypts off this thread while it hashes the previous chunks in order); files are
 * read {@link READ_BLOCK_CHUNKS} chunks at a time, one block ahead. Memory stays bounded at
 * about 2 × SEAL_WINDOW + 2 × READ_BLOCK_CHUNKS chunks. The k data-shard checksums are computed here
 * too, in the same in-order pass as the tessera hash (see {@link createDataShardHasher}), unless
 * the caller hashes them on another worker (`dataShardChecksums: false`, as Library.save does);
 * only parity needs the second pass (worker-jobs.ts `parityStripe`) over the stored payload.
 */
import { AbortError, UnreadableFileError } from '../core/errors.js'
import { encodeContainerHeader } from '../core/container.js'
import { DEFAULT_CHUNK_BYTES, MAX_TESSERA_BYTES } from '../core/constants.js'
import { planFragments } from '../core/plan.js'
import type { FileEntry, TesseraIndex, TesseraMetadata } from '../core/types.js'
import { createPayloadSealer, openAfterAad, payloadSizeFor } from './payload.js'
import { newContentKey, sealIndex, sealThumbnail, wrapContentKey } from './aead.js'
import { createBlake3Hasher, type Blake3Hasher } from './hash.js'

/** A file source: anything Blob-like (File in browsers, Blob in Node). */
export interface SealSource {
  blob: { size: number, slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> } }
  name: string
  type: string
  lastModified: number
}

export interface SealTesseraInput {
  files: SealSource[]
  metadata: TesseraMetadata
  vaultKey: Uint8Array
  thumbnail?: Uint8Array
  chunkSize?: number
  /**
   * Compute the k data-shard checksums in this pass (default true). With false, the caller
   * hashes the shards elsewhere (Library.save feeds the chunks to another worker, see
   * {@link dataShardHashJob}); `dataChecksums` is then absent.
   */
  dataShardChecksums?: boolean
}

export interface SealedChunk {
  index: number
  bytes: Uint8Array
  /** On chunk 0: the 24-byte payload header, which precedes it in the payload (and in shard 0). */
  payloadHeader?: Uint8Array
  /** On chunk 0: bytes of the whole encrypted payload (what `planFragments` takes). */
  payloadSize?: number
}

export interface SealTesseraResult {
  payloadHeader: Uint8Array
  tesseraHash: Uint8Array
  size: number
  chunkCount: number
  chunkSize: number
  wrappedKey: Uint8Array
  encryptedMetadata: Uint8Array
  sealedThumbnail?: Uint8Array
  index: TesseraIndex
  /**
   * BLAKE3 of each of the k data shards of `planFragments(size)` (zero padding included), or
   * absent for the small tier, whose one shard is the payload (checksum = tesseraHash).
   */
  dataChecksums?: Uint8Array[]
}

/** Chunks being read and sealed at once by {@link sealTessera}. */
export const SEAL_WINDOW = 4

export interface SealOptions {
  signal?: AbortSignal
  onProgress?: (event: { type: 'save:seal:progress', done: number, total: number }) => void
}

/**
 * Extra associated data of a tessera's payload: a sealed memory binds its `openAfter` date,
 * so the date cannot be changed without breaking every chunk.
 */
export function payloadAadFor (metadata: Pick<TesseraMetadata, 'visibility' | 'openAfter'>): Uint8Array | undefined {
  return metadata.visibility === 'sealed' && metadata.openAfter != null ? openAfterAad(metadata.openAfter) : undefined
}

/**
 * Chunks read from a file at once. Reading a Blob is an asynchronous round trip (in browsers a
 * message to the blob registry), so fewer, larger reads keep the sealer fed; about two blocks
 * are held at once (one being sealed, one being read).
 */
export const READ_BLOCK_CHUNKS = 4

/** Zeros fed to a shard hasher for the padding past the payload's end. */
const ZERO_PAD = new Uint8Array(64 * 1024)

/**
 * Streaming checksums of the k data shards of a payload fed in order: shard i is payload bytes
 * [i·S, (i+1)·S), zero-padded to S past the end (../shared/DESIGN.md "A tessera on disk and on
 * the wire" step 4). Chunk and shard boundaries differ, so each update is split at shard
 * boundaries; only one shard is open at a time (shards are contiguous in payload order).
 * @param k - data shards
 * @param shardSize - S, bytes per shard
 * @example const h = createDataShardHasher(16, S); h.update(header); h.update(sealed0); … ; const sums = await h.digest()
 */
export function createDataShardHasher (k: number, shardSize: number): { update: (bytes: Uint8Array) => Promise<void>, digest: () => Promise<Uint8Array[]> } {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k: expected a positive integer, got ${String(k)}`)
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize: expected a positive integer, got ${String(shardSize)}`)
  const checksums: Uint8Array[] = []
  let current: Blake3Hasher | undefined
  /** Bytes fed to the open shard. */
  let filled = 0
  async function feed (bytes: Uint8Array): Promise<void> {
    let at = 0
    while (at < bytes.length) {
      if (checksums.length >= k) throw new RangeError(`bytes: more than ${k} × ${shardSize} bytes fed`)
      current ??= await createBlake3Hasher()
      const take = Math.min(bytes.length - at, shardSize - filled)
      current.update(bytes.subarray(at, at + take))
      at += take
      filled += take
      if (filled === shardSize) {
        checksums.push(current.digest())
        current = undefined
        filled = 0
      }
    }
  }
  return {
    update: feed,
    async digest () {
      // Pad the open shard, then any shard wholly past the payload, with zeros.
      while (checksums.length < k) {
        const rest = shardSize - filled
        await feed(ZERO_PAD.subarray(0, Math.min(rest, ZERO_PAD.length)))
      }
      return checksums
    }
  }
}

/** Reads the container (header, then each file) as consecutive plaintext chunks of `chunkSize`. */
async function * containerChunks (headerBytes: Uint8Array, files: SealSource[], chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let chunk = new Uint8Array(chunkSize)
  let filled = 0
  /** `owned`: read() returns a fresh buffer this generator may hand out (and the sealer zero). */
  const sources: Array<{ read(start: number, end: number): Promise<Uint8Array>, size: number, owned: boolean }> = [
    { read: async (s, e) => headerBytes.subarray(s, e), size: headerBytes.length, owned: false },
    ...files.map(f => ({
      size: f.blob.size,
      owned: true,
      read: async (s: number, e: number) => {
        try {
          const bytes = new Uint8Array(await f.blob.slice(s, e).arrayBuffer())
          if (bytes.length !== e - s) throw new Error(`short read: ${bytes.length} of ${e - s}`)
          return bytes
        } catch (err) {
          throw new UnreadableFileError(f.name, 'unreadable', { cause: err })
        }
      }
    }))
  ]
  /** Container offset of the current source's first byte. */
  let base = 0
  for (const source of sources) {
    // Blocks end on container chunk boundaries (or the source's end), so the chunks inside a
    // block are whole views of it; the next block is read while this one is being sealed.
    const readBlock = (start: number): { end: number, bytes: Promise<Uint8Array> } => {
      const end = Math.min(source.size, start + (chunkSize - (base + start) % chunkSize) + (READ_BLOCK_CHUNKS - 1) * chunkSize)
      const bytes = source.read(start, end)
      bytes.catch(() => {}) // awaited below; abandoned when the generator stops early
      return { end, bytes }
    }
    let next = source.size > 0 ? readBlock(0) : undefined
    while (next != null) {
      if (signal?.aborted === true) throw new AbortError()
      const block = await next.bytes
      next = next.end < source.size ? readBlock(next.end) : undefined
      let at = 0
      while (at < block.length) {
        const take = Math.min(chunkSize - filled, block.length - at)
        if (filled === 0 && take === chunkSize && source.owned) {
          // A whole chunk inside a block read from a file: seal a view of it (no copy).
          yield block.subarray(at, at + take)
          at += take
          continue
        }
        chunk.set(block.subarray(at, at + take), filled)
        filled += take
        at += take
        if (filled === chunkSize) {
          yield chunk
          chunk = new Uint8Array(chunkSize)
          filled = 0
        }
      }
    }
    base += source.size
  }
  yield chunk.subarray(0, filled)
}

/**
 * Packs, encrypts and hashes one tessera, yielding sealed chunks in order and returning
 * what the manifest needs. The content key never leaves this function unwrapped.
 * @throws UnreadableFileError for an empty or unreadable file, RangeError above 1 GB, AbortError
 */
export async function * sealTessera (input: SealTesseraInput, options: SealOptions = {}): AsyncGenerator<SealedChunk, SealTesseraResult> {
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_BYTES
  for (const f of input.files) {
    if (f.blob.size === 0) throw new UnreadableFileError(f.name, 'empty')
  }
  const { headerBytes, index } = encodeContainerHeader({
    metadata: input.metadata,
    files: input.files.map(f => ({ name: f.name, type: f.type || 'application/octet-stream', size: f.blob.size, lastModified: f.lastModified }))
  })
  if (index.containerSize > MAX_TESSERA_BYTES) {
    throw new RangeError(`files: at most ${MAX_TESSERA_BYTES} bytes per memory, got ${index.containerSize}`)
  }
  const size = payloadSizeFor(index.containerSize, chunkSize)
  const contentKey = newContentKey()
  try {
    const sealer = createPayloadSealer(contentKey, { chunkSize, aad: payloadAadFor(input.metadata) })
    const whole = await createBlake3Hasher()
    whole.update(sealer.header)
    const plan = planFragments(size)
    // Small tier: the one shard is the payload itself, its checksum the tessera hash.
    const shards = (plan.k === 1 && plan.shardSize === size) || input.dataShardChecksums === false ? undefined : createDataShardHasher(plan.k, plan.shardSize)
    await shards?.update(sealer.header)
    const total = index.containerSize
    const chunkCount = Math.max(1, Math.ceil(total / chunkSize))
    const inFlight: Array<{ index: number, plainLength: number, sealed: Promise<Uint8Array> }> = []
    let done = 0
    let nextIndex = 0
    const settle = async (): Promise<SealedChunk> => {
      const head = inFlight.shift() as (typeof inFlight)[number]
      const sealed = await head.sealed
      whole.update(sealed)
      await shards?.update(sealed)
      done += head.plainLength
      options.onProgress?.({ type: 'save:seal:progress', done, total })
      return head.index === 0 ? { index: 0, bytes: sealed, payloadHeader: sealer.header.slice(), payloadSize: size } : { index: head.index, bytes: sealed }
    }
    try {
      for await (const plain of containerChunks(headerBytes, input.files, chunkSize, options.signal)) {
        const final = nextIndex === chunkCount - 1
        const sealed = sealer.seal(plain, final).finally(() => { plain.fill(0) }) // plaintext scratch
        sealed.catch(() => {}) // awaited in order by settle()
        inFlight.push({ index: nextIndex, plainLength: plain.length, sealed })
        nextIndex++
        if (inFlight.length >= SEAL_WINDOW) yield await settle()
        if (final) break
      }
      while (inFlight.length > 0) yield await settle()
    } finally {
      inFlight.length = 0
    }
    const dataChecksums = await shards?.digest()
    return {
      payloadHeader: sealer.header,
      tesseraHash: whole.digest(),
      ...(dataChecksums != null ? { dataChecksums } : {}),
      size,
      chunkCount,
      chunkSize,
      wrappedKey: wrapContentKey(input.vaultKey, contentKey),
      encryptedMetadata: sealIndex(contentKey, index),
      sealedThumbnail: input.thumbnail != null ? sealThumbnail(contentKey, input.thumbnail) : undefined,
      index
    }
  } finally {
    contentKey.fill(0)
  }
}

export type { FileEntry }
