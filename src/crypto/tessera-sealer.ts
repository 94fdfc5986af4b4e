/**
 * The save pipeline's first pass: pack → seal (STREAM AEAD) → hash, as pure streaming
 * functions. [Note: Tessera format] in src/core/types.ts. The main thread lays the save out
 * ({@link layoutSeal}, {@link newSealKeys}, {@link planSealRanges}); each codec worker then seals one
 * contiguous range of chunks, cut into lanes sealed round robin ({@link sealRange}: it reads
 * its part of the files, seals, and hashes what it sealed — [Note: Range hashing] in
 * src/codec/piece-shares.ts, [Note: Seal lanes] in seal-plan.ts), so the two cores encrypt and
 * hash at once and parity can be encoded from the chunks as they come (the main thread sends
 * stripes to worker-jobs.ts `parityStripe`). Up to {@link SEAL_WINDOW} chunks are being sealed
 * and {@link READ_AHEAD} read at once, into reused one-chunk buffers, so a range allocates
 * nothing per read. Node tests call these directly.
 */
import { AbortError } from '../core/errors.js'
import type { TesseraIndex } from '../core/types.js'
import type { MessageShare, PieceMessage } from '../codec/piece-shares.js'
import { createRangeHasher } from '../codec/range-hasher.js'
import { createPayloadSealer, sealedChunkSize } from './payload.js'
import { sealIndex, sealThumbnail, unwrapContentKey } from './aead.js'
import type { SealRange } from './seal-plan.js'
import { createContainerReader, type SealSource } from './container-reader.js'

export type { SealSource }

export interface SealedChunk {
  index: number
  bytes: Uint8Array
}

/** Chunks being sealed at once by {@link sealRange} (WebCrypto encrypts off the calling thread). */
export const SEAL_WINDOW = 4

export interface SealOptions {
  signal?: AbortSignal
  onProgress?: (event: { type: 'save:seal:progress', done: number, total: number }) => void
}

/** Chunks being read ahead of sealing; a read buffer is reused once the chunk sealed from it settled. */
export const READ_AHEAD = 3

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
  /** From {@link planSealRanges}: this worker's range, and its lanes (default: the range as one lane). */
  range: SealRange
  lanes?: SealRange[]
  /** From {@link planSealRanges}: each lane's phase, which orders the chunks (default: all 0, plain round robin). */
  phases?: number[]
  messages: PieceMessage[]
  pieceBytes: number
  /** On exactly one range: the index and thumbnail to seal under the content key. */
  index?: TesseraIndex
  thumbnail?: Uint8Array
}

export interface SealRangeResult {
  /** Per lane of the range, in order: per message of the plan, the lane's share of its hash. */
  shares: MessageShare[][]
  /** Present when the input had `index`. */
  encryptedMetadata?: Uint8Array
  sealedThumbnail?: Uint8Array
}

/** Zeros fed for the shards' padding past the payload's end (fewer than k bytes). */
const ZERO_PAD = new Uint8Array(256)

/** The range's lanes, checked: contiguous, in order, tiling the range. @throws RangeError */
function lanesOf (input: SealRangeInput): SealRange[] {
  const { range, chunkCount } = input
  if (!Number.isSafeInteger(chunkCount) || chunkCount < 1) throw new RangeError(`chunkCount: expected a positive integer, got ${String(chunkCount)}`)
  const valid = (r: SealRange | undefined): boolean => r != null && Number.isSafeInteger(r.first) && Number.isSafeInteger(r.end) && r.first >= 0 && r.end > r.first && r.end <= chunkCount
  if (!valid(range)) throw new RangeError(`range: expected chunks 0 ≤ first < end ≤ ${chunkCount}, got ${JSON.stringify(range)}`)
  const lanes = input.lanes ?? [range]
  if (!Array.isArray(lanes) || lanes.length === 0) throw new RangeError('lanes: expected at least one lane')
  lanes.forEach((lane, i) => {
    const joins = i === 0 ? lane?.first === range.first && lane.from === range.from : lane?.first === lanes[i - 1].end && lane.from === lanes[i - 1].to
    if (!valid(lane) || !joins) throw new RangeError(`lanes: lane ${i} ${JSON.stringify(lane)} does not continue the range ${JSON.stringify(range)}`)
  })
  const last = lanes[lanes.length - 1]
  if (last.end !== range.end || last.to !== range.to) throw new RangeError(`lanes: they end at chunk ${last.end}, the range at ${range.end}`)
  return lanes
}

/**
 * Chunks in the order a worker seals them ([Note: Seal lanes]): the first of each lane, then by
 * the shard column where each is first needed, phase + j·(sealed chunk) for chunk j of its lane
 * (ties in lane order). With equal phases this is round robin: the second chunk of each lane,
 * then the third of each, ….
 * @throws RangeError when `phases` does not give one finite number per lane
 */
export function sealOrder (lanes: SealRange[], chunkSize: number, phases: number[] = lanes.map(() => 0)): Array<{ lane: number, index: number }> {
  if (!Array.isArray(phases) || phases.length !== lanes.length || !phases.every(Number.isFinite)) {
    throw new RangeError(`phases: expected one number per lane (${lanes.length}), got ${JSON.stringify(phases)}`)
  }
  const sealed = sealedChunkSize(chunkSize)
  // A lane's first chunk holds its shard's start: needed first, and before the lane's others
  // whatever the phase (a lane's container reader reads its chunks in order).
  const chunks = lanes.flatMap((l, lane) => Array.from({ length: l.end - l.first }, (_, j) => ({ lane, index: l.first + j, at: j === 0 ? -Infinity : phases[lane] + j * sealed })))
  return chunks.sort((a, b) => (a.at === b.at ? a.lane - b.lane : a.at - b.at)).map(({ lane, index }) => ({ lane, index }))
}

/**
 * Seals chunks [first, end) of a save and hashes the stream bytes they make, lane by lane
 * round robin ([Note: Seal lanes]); yields each sealed chunk as it settles; returns each
 * lane's shares of the hashes (and, on the range given the index, the sealed metadata and
 * thumbnail). Each lane reads its part of the files through its own container reader, into
 * buffers of one chunk reused once sealed ({@link READ_AHEAD} reads ahead, {@link SEAL_WINDOW}
 * seals in flight). The content key is unwrapped here and never leaves this function.
 * @throws UnreadableFileError for an unreadable file, AbortError, RangeError for a bad range or
 *   lanes, DecryptionError when `wrappedKey` does not open under `vaultKey`
 */
export async function * sealRange (input: SealRangeInput, options: SealOptions = {}): AsyncGenerator<SealedChunk, SealRangeResult> {
  const lanes = lanesOf(input)
  const { chunkSize, chunkCount } = input
  const contentKey = unwrapContentKey(input.vaultKey, input.wrappedKey)
  try {
    const states = lanes.map(lane => ({
      sealer: createPayloadSealer(contentKey, { chunkSize, aad: input.aad, continueFrom: { header: input.payloadHeader, index: lane.first } }),
      hasher: createRangeHasher({ messages: input.messages, pieceBytes: input.pieceBytes, from: lane.from, to: lane.to }),
      reader: createContainerReader(input.headerBytes, input.files, lane.first * chunkSize, lane.end * chunkSize),
      /** The lane's last read: a reader reads one call at a time. */
      reading: Promise.resolve() as Promise<unknown>
    }))
    if (lanes[0].first === 0) states[0].hasher.update(input.payloadHeader)
    const total = states.reduce((sum, st) => sum + st.reader.remaining, 0)
    const order = sealOrder(lanes, chunkSize, input.phases)
    /** Read buffers not in use: each holds one chunk of plaintext from its read until its seal settles. */
    const free: Uint8Array[] = Array.from({ length: READ_AHEAD + SEAL_WINDOW }, () => new Uint8Array(chunkSize))
    const reads: Array<Promise<{ lane: number, index: number, plain: Uint8Array }>> = []
    const inFlight: Array<{ lane: number, index: number, plain: Uint8Array, sealed: Promise<Uint8Array> }> = []
    let next = 0
    let done = 0
    const readAhead = (): void => {
      while (next < order.length && reads.length < READ_AHEAD && free.length > 0) {
        const { lane, index } = order[next++]
        const into = free.pop() as Uint8Array
        const st = states[lane]
        const read = st.reading.then(async () => ({ lane, index, plain: await st.reader.read(into) }))
        read.catch(() => {}) // awaited in order below; abandoned when this generator stops early
        st.reading = read.catch(() => {})
        reads.push(read)
      }
    }
    const settle = async (): Promise<SealedChunk> => {
      const head = inFlight.shift() as (typeof inFlight)[number]
      const sealed = await head.sealed
      states[head.lane].hasher.update(sealed)
      // The read may have moved the buffer to a new owner: reuse the whole of it.
      free.push(new Uint8Array(head.plain.buffer))
      done += head.plain.length
      options.onProgress?.({ type: 'save:seal:progress', done, total })
      return { index: head.index, bytes: sealed }
    }
    try {
      readAhead()
      while (reads.length > 0) {
        if (options.signal?.aborted === true) throw new AbortError()
        const { lane, index, plain } = await (reads.shift() as (typeof reads)[number])
        const sealed = states[lane].sealer.seal(plain, index === chunkCount - 1)
        sealed.catch(() => {}) // awaited in order by settle()
        inFlight.push({ lane, index, plain, sealed })
        readAhead()
        if (inFlight.length >= SEAL_WINDOW) yield await settle()
        readAhead()
      }
      while (inFlight.length > 0) yield await settle()
    } finally {
      for (const st of states) st.reader.close()
      // Plaintext scratch: wipe what is still ours (a buffer being read was moved to its reader).
      for (const b of [...free, ...inFlight.map(f => f.plain)]) if (b.buffer.byteLength > 0) new Uint8Array(b.buffer).fill(0)
      inFlight.length = 0
    }
    states.forEach((st, i) => {
      if (st.reader.remaining !== 0) throw new RangeError(`lane ${i}: ${st.reader.remaining} container bytes left unread in chunks [${lanes[i].first}, ${lanes[i].end})`)
    })
    // The last lane's stream runs on past the payload in zeros: the data shards' padding.
    const last = states[states.length - 1].hasher
    for (let left = lanes[lanes.length - 1].to - last.position; left > 0; left -= ZERO_PAD.length) last.update(ZERO_PAD.subarray(0, Math.min(left, ZERO_PAD.length)))
    return {
      shares: states.map(st => st.hasher.finish()),
      ...(input.index != null ? { encryptedMetadata: sealIndex(contentKey, input.index) } : {}),
      ...(input.index != null && input.thumbnail != null ? { sealedThumbnail: sealThumbnail(contentKey, input.thumbnail) } : {})
    }
  } finally {
    contentKey.fill(0)
  }
}
