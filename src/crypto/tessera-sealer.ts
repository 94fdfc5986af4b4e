/**
 * The save pipeline's first pass: pack → seal (STREAM AEAD) → hash, as pure streaming
 * functions. [Note: Tessera format] in src/core/types.ts. The main thread lays the save out
 * ({@link layoutSeal}, {@link newSealKeys}, {@link planSealRanges}); each codec worker then seals one
 * contiguous range of chunks ({@link sealRange}: it reads its part of the files, seals, and
 * hashes what it sealed — [Note: Range hashing] in src/codec/piece-shares.ts), so the two
 * cores encrypt and hash at once. Up to {@link SEAL_WINDOW} chunks of a range are being read
 * and sealed at once (WebCrypto encrypts off the calling thread); files are read into
 * {@link READ_BLOCKS} reused blocks of {@link READ_BLOCK_CHUNKS} chunks (container-reader.ts),
 * one block ahead, so a range allocates nothing per read. Only parity needs a second pass
 * (worker-jobs.ts `parityStripe`) over the stored payload. Node tests call these directly.
 */
import { AbortError } from '../core/errors.js'
import type { TesseraIndex } from '../core/types.js'
import type { MessageShare, PieceMessage } from '../codec/piece-shares.js'
import { createRangeHasher } from '../codec/range-hasher.js'
import { createPayloadSealer } from './payload.js'
import { sealIndex, sealThumbnail, unwrapContentKey } from './aead.js'
import type { SealRange } from './seal-plan.js'
import { createContainerReader, type SealSource } from './container-reader.js'

export type { SealSource }

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

/** Chunks per read block: the container is read into blocks of this many chunks. */
export const READ_BLOCK_CHUNKS = 4

/**
 * Read blocks per range, reused round robin: one being read while the others' chunks are being
 * sealed. A block is read into again only once every chunk sealed from it has settled.
 */
export const READ_BLOCKS = 3

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
    const reader = createContainerReader(input.headerBytes, input.files, range.first * chunkSize, range.end * chunkSize)
    const total = reader.remaining
    const blocks: Array<{ bytes: Uint8Array, sealed: Promise<unknown> }> = Array.from({ length: READ_BLOCKS }, () => ({ bytes: new Uint8Array(READ_BLOCK_CHUNKS * chunkSize), sealed: Promise.resolve() }))
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
    /** Reads the next block into slot `b` once the chunks sealed from its last contents have settled. */
    const readInto = async (b: number): Promise<Uint8Array> => {
      await blocks[b].sealed
      const view = await reader.read(blocks[b].bytes)
      blocks[b].bytes = new Uint8Array(view.buffer) // the read may have moved the buffer to a new owner object
      return view
    }
    let b = 0
    let reading: Promise<Uint8Array> | undefined = readInto(0)
    try {
      while (reading !== undefined) {
        if (options.signal?.aborted === true) throw new AbortError()
        const block = await reading
        const slot = b
        b = (b + 1) % READ_BLOCKS
        reading = reader.remaining > 0 ? readInto(b) : undefined
        reading?.catch(() => {}) // awaited next round; abandoned when this generator stops early
        const seals: Array<Promise<Uint8Array>> = []
        for (let at = 0; at < block.length; at += chunkSize) {
          const plain = block.subarray(at, Math.min(block.length, at + chunkSize))
          const sealed = sealer.seal(plain, nextIndex === chunkCount - 1)
          sealed.catch(() => {}) // awaited in order by settle()
          seals.push(sealed)
          inFlight.push({ index: nextIndex, plainLength: plain.length, sealed })
          nextIndex++
          if (inFlight.length >= SEAL_WINDOW) yield await settle()
        }
        blocks[slot].sealed = Promise.allSettled(seals)
      }
      while (inFlight.length > 0) yield await settle()
    } finally {
      inFlight.length = 0
      reader.close()
      // Plaintext scratch: wipe what is still ours (a block being read was moved to the reader).
      for (const block of blocks) if (block.bytes.buffer.byteLength > 0) block.bytes.fill(0)
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

