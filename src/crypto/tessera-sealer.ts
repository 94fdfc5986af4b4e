/**
 * The save pipeline's first pass: pack → seal (STREAM AEAD) → hash, as pure streaming
 * functions. [Note: Tessera format] in src/core/types.ts. The main thread lays the save out
 * ({@link layoutSeal}, {@link newSealKeys}, {@link planSealRanges}); each codec worker then seals one
 * contiguous range of chunks ({@link sealRange}: it reads its part of the files, seals, and
 * hashes what it sealed — [Note: Range hashing] in src/codec/piece-shares.ts), so the two
 * cores encrypt and hash at once. Up to {@link SEAL_WINDOW} chunks of a range are being read
 * and sealed at once (WebCrypto encrypts off the calling thread); files are read
 * {@link READ_BLOCK_CHUNKS} chunks at a time, one block ahead. Only parity needs a second pass
 * (worker-jobs.ts `parityStripe`) over the stored payload. Node tests call these directly.
 */
import { AbortError, UnreadableFileError } from '../core/errors.js'
import type { FileEntry, TesseraIndex } from '../core/types.js'
import type { MessageShare, PieceMessage } from '../codec/piece-shares.js'
import { createRangeHasher } from '../codec/range-hasher.js'
import { createPayloadSealer } from './payload.js'
import { sealIndex, sealThumbnail, unwrapContentKey } from './aead.js'
import type { SealRange } from './seal-plan.js'

/** A file source: anything Blob-like (File in browsers, Blob in Node). */
export interface SealSource {
  blob: { size: number, slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> } }
  name: string
  type: string
  lastModified: number
}

export interface SealedChunk {
  index: number
  bytes: Uint8Array
}

/** Chunks being read and sealed at once by {@link sealRange}. */
export const SEAL_WINDOW = 4

export interface SealOptions {
  signal?: AbortSignal
  onProgress?: (event: { type: 'save:seal:progress', done: number, total: number }) => void
}

/**
 * Chunks read from a file at once. Reading a Blob is an asynchronous round trip (in browsers a
 * message to the blob registry), so fewer, larger reads keep the sealer fed; about two blocks
 * are held at once (one being sealed, one being read).
 */
export const READ_BLOCK_CHUNKS = 4

/** Input of {@link sealRange}: one worker's part of a save. */
export interface SealRangeInput {
  files: SealSource[]
  /** {@link SealLayout} fields. */
  headerBytes: Uint8Array
  chunkSize: number
  chunkCount: number
  /** From {@link newSealKeys}. */
  vaultKey: Uint8Array
  wrappedKey: Uint8Array
  payloadHeader: Uint8Array
  /** {@link payloadAadFor} of the memory's metadata. */
  aad?: Uint8Array
  /** From {@link planSealRanges}. */
  range: SealRange
  messages: PieceMessage[]
  pieceBytes: number
  /** On exactly one range: the index and thumbnail to seal under the content key. */
  index?: TesseraIndex
  thumbnail?: Uint8Array
}

export interface SealRangeResult {
  /** Per message of the plan, this range's share of its hash. */
  shares: MessageShare[]
  /** Present when the input had `index`. */
  encryptedMetadata?: Uint8Array
  sealedThumbnail?: Uint8Array
}

/** Zeros fed for the shards' padding past the payload's end (fewer than k bytes). */
const ZERO_PAD = new Uint8Array(256)

/**
 * Reads container bytes [first·chunkSize, min(total, end·chunkSize)) (the header, then each
 * file) as consecutive plaintext chunks of `chunkSize`.
 */
async function * containerChunks (headerBytes: Uint8Array, files: SealSource[], chunkSize: number, first: number, end: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
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
  const total = sources.reduce((sum, src) => sum + src.size, 0)
  const rangeStart = first * chunkSize
  const rangeEnd = Math.min(total, end * chunkSize)
  /** Container offset of the current source's first byte. */
  let base = 0
  for (const source of sources) {
    const from = Math.max(0, rangeStart - base)
    const to = Math.min(source.size, rangeEnd - base)
    base += source.size
    if (from >= to) continue
    const sourceBase = base - source.size
    // Blocks end on container chunk boundaries (or the part's end), so the chunks inside a
    // block are whole views of it; the next block is read while this one is being sealed.
    const readBlock = (start: number): { end: number, bytes: Promise<Uint8Array> } => {
      const blockEnd = Math.min(to, start + (chunkSize - (sourceBase + start) % chunkSize) + (READ_BLOCK_CHUNKS - 1) * chunkSize)
      const bytes = source.read(start, blockEnd)
      bytes.catch(() => {}) // awaited below; abandoned when the generator stops early
      return { end: blockEnd, bytes }
    }
    let next: { end: number, bytes: Promise<Uint8Array> } | undefined = readBlock(from)
    while (next != null) {
      if (signal?.aborted === true) throw new AbortError()
      const block = await next.bytes
      next = next.end < to ? readBlock(next.end) : undefined
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
  }
  if (filled > 0) yield chunk.subarray(0, filled)
}

function assertRange (input: SealRangeInput): void {
  const { range, chunkCount } = input
  if (!Number.isSafeInteger(chunkCount) || chunkCount < 1) throw new RangeError(`chunkCount: expected a positive integer, got ${String(chunkCount)}`)
  if (range == null || !Number.isSafeInteger(range.first) || !Number.isSafeInteger(range.end) || range.first < 0 || range.end <= range.first || range.end > chunkCount) {
    throw new RangeError(`range: expected chunks 0 ≤ first < end ≤ ${chunkCount}, got ${JSON.stringify(range)}`)
  }
}

/**
 * Seals chunks [first, end) of a save and hashes the stream bytes they make, yielding sealed
 * chunks in order; returns this range's shares of the hashes (and, on the range given the
 * index, the sealed metadata and thumbnail). The content key is unwrapped here and never
 * leaves this function.
 * @throws UnreadableFileError for an unreadable file, AbortError, RangeError for a bad range,
 *   DecryptionError when `wrappedKey` does not open under `vaultKey`
 */
export async function * sealRange (input: SealRangeInput, options: SealOptions = {}): AsyncGenerator<SealedChunk, SealRangeResult> {
  assertRange(input)
  const { range, chunkSize, chunkCount } = input
  const contentKey = unwrapContentKey(input.vaultKey, input.wrappedKey)
  try {
    const sealer = createPayloadSealer(contentKey, { chunkSize, aad: input.aad, continueFrom: { header: input.payloadHeader, index: range.first } })
    const hasher = createRangeHasher({ messages: input.messages, pieceBytes: input.pieceBytes, from: range.from, to: range.to })
    if (range.first === 0) hasher.update(input.payloadHeader)
    const containerSize = input.headerBytes.length + input.files.reduce((sum, f) => sum + f.blob.size, 0)
    const total = Math.min(containerSize, range.end * chunkSize) - range.first * chunkSize
    const inFlight: Array<{ index: number, plainLength: number, sealed: Promise<Uint8Array> }> = []
    let done = 0
    let nextIndex = range.first
    const settle = async (): Promise<SealedChunk> => {
      const head = inFlight.shift() as (typeof inFlight)[number]
      const sealed = await head.sealed
      hasher.update(sealed)
      done += head.plainLength
      options.onProgress?.({ type: 'save:seal:progress', done, total })
      return { index: head.index, bytes: sealed }
    }
    try {
      for await (const plain of containerChunks(input.headerBytes, input.files, chunkSize, range.first, range.end, options.signal)) {
        const sealed = sealer.seal(plain, nextIndex === chunkCount - 1).finally(() => { plain.fill(0) }) // plaintext scratch
        sealed.catch(() => {}) // awaited in order by settle()
        inFlight.push({ index: nextIndex, plainLength: plain.length, sealed })
        nextIndex++
        if (inFlight.length >= SEAL_WINDOW) yield await settle()
      }
      while (inFlight.length > 0) yield await settle()
    } finally {
      inFlight.length = 0
    }
    if (nextIndex !== range.end) throw new RangeError(`range: the container has ${nextIndex - range.first} chunks in [${range.first}, ${range.end})`)
    // The last range's stream runs on past the payload in zeros: the data shards' padding.
    for (let left = range.to - hasher.position; left > 0; left -= ZERO_PAD.length) hasher.update(ZERO_PAD.subarray(0, Math.min(left, ZERO_PAD.length)))
    return {
      shares: hasher.finish(),
      ...(input.index != null ? { encryptedMetadata: sealIndex(contentKey, input.index) } : {}),
      ...(input.index != null && input.thumbnail != null ? { sealedThumbnail: sealThumbnail(contentKey, input.thumbnail) } : {})
    }
  } finally {
    contentKey.fill(0)
  }
}

export type { FileEntry }
