/**
 * BLAKE3 of several messages of one byte stream that several workers each saw a contiguous
 * range of: each worker's {@link MessageShare}s (from `createRangeHasher`, range-hasher.ts) are
 * combined here into the messages' hashes. Plain JavaScript (no WebAssembly): the main thread
 * combines; the few pieces cut by range edges are hashed by whoever the caller passes.
 *
 * [Note: Range hashing]
 * A save seals its payload on several workers, each a contiguous range of chunks, and needs
 * the BLAKE3 of the whole payload (the tessera hash) and of each data shard (payload bytes
 * [i·S, (i+1)·S), zero-padded). Each of these is a message: bytes [origin, origin + length)
 * of the stream (the payload, then zeros up to k·S). A message is cut into aligned pieces of
 * `pieceBytes` (a power of two ≥ 1 KiB) counted from its origin, so each piece is a node of
 * its BLAKE3 tree ([Note: BLAKE3 pieces] in blake3-tree.ts). A worker hashes every piece that
 * lies wholly in its range (a CV, or the message's hash when the message is one piece) and
 * keeps the bytes of the pieces its range edges cut (at most one per message per edge). The
 * combiner joins the cut fragments of each piece (contiguous, since the ranges tile the
 * stream), hashes those pieces, and merges all CVs of a message in piece order. Every byte is
 * hashed once, by the worker that sealed it, except the cut pieces (≤ 2 × pieceBytes per
 * range boundary per message).
 */
import { createCvMerger } from './blake3-tree.js'

/** A message hashed in pieces: stream bytes [origin, origin + length), length ≥ 1. */
export interface PieceMessage {
  origin: number
  length: number
}

/** The bytes of one piece that an edge of a worker's range cut: they start `at` bytes into the piece. */
export interface PieceCut {
  piece: number
  at: number
  bytes: Uint8Array
}

/** What one worker contributes to one message. */
export interface MessageShare {
  /** Pieces wholly in the worker's range: CV (the message's hash when it has one piece). */
  whole: Array<{ piece: number, cv: Uint8Array }>
  /** Pieces cut by the range's edges. */
  cut: PieceCut[]
}

/** A piece to hash from joined cut fragments: its CV, or with `root` the message's hash. */
export interface CutPiece {
  bytes: Uint8Array
  /** The piece's first 1 KiB chunk within its message (piece · pieceBytes / 1024). */
  chunkOffset: number
  root: boolean
}

/** Pieces of a message of `length` bytes (at least 1). */
export function pieceCountOf (length: number, pieceBytes: number): number {
  return Math.max(1, Math.ceil(length / pieceBytes))
}

/**
 * Checks the parameters shared by the hasher and the combiner.
 * @throws RangeError for a piece size that is not a power of two ≥ 1024, or an empty or negative message
 */
export function assertPieceMessages (messages: PieceMessage[], pieceBytes: number): void {
  if (!Number.isSafeInteger(pieceBytes) || pieceBytes < 1024 || (pieceBytes & (pieceBytes - 1)) !== 0) {
    throw new RangeError(`pieceBytes: expected a power of two ≥ 1024, got ${String(pieceBytes)}`)
  }
  if (!Array.isArray(messages)) throw new TypeError('messages: expected an array')
  for (const m of messages) {
    if (!Number.isSafeInteger(m?.origin) || m.origin < 0 || !Number.isSafeInteger(m.length) || m.length < 1) {
      throw new RangeError(`messages: expected { origin ≥ 0, length ≥ 1 }, got ${JSON.stringify(m)}`)
    }
  }
}

/**
 * CV merges (one BLAKE3 parent compression in JavaScript, ~4 µs) done in one task by
 * {@link combineShares} before it yields: a 300 MB save merged ~9,000 CVs in one 61 ms task.
 */
export const MERGES_PER_TASK = 1024

/**
 * Combines the workers' shares into one hash per message ([Note: Range hashing]).
 * @param shares - per worker, one share per message (same order as `messages`)
 * @param hashCut - hashes joined cut pieces (e.g. a codec worker job), one result per piece, in order
 * @returns the BLAKE3 hash of each message
 * @throws RangeError when the shares do not cover every piece exactly once (workers saw
 *   overlapping or missing ranges)
 */
export async function combineShares (messages: PieceMessage[], pieceBytes: number, shares: MessageShare[][], hashCut: (pieces: CutPiece[]) => Promise<Uint8Array[]>): Promise<Uint8Array[]> {
  assertPieceMessages(messages, pieceBytes)
  const cvs = messages.map(m => new Array<Uint8Array | undefined>(pieceCountOf(m.length, pieceBytes)))
  const cuts = messages.map(() => new Map<number, PieceCut[]>())
  for (const worker of shares) {
    if (worker.length !== messages.length) throw new RangeError(`shares: expected ${messages.length} per worker, got ${worker.length}`)
    worker.forEach((share, i) => {
      for (const { piece, cv } of share.whole) {
        if (cvs[i][piece] !== undefined || piece >= cvs[i].length) throw new RangeError(`shares: message ${i} piece ${piece} hashed twice or out of range`)
        cvs[i][piece] = cv
      }
      for (const cut of share.cut) {
        const list = cuts[i].get(cut.piece) ?? []
        list.push(cut)
        cuts[i].set(cut.piece, list)
      }
    })
  }
  const pending: Array<{ message: number, piece: number }> = []
  const pieces: CutPiece[] = []
  cuts.forEach((byPiece, i) => {
    const { length } = messages[i]
    for (const [piece, fragments] of byPiece) {
      if (cvs[i][piece] !== undefined || piece >= cvs[i].length) throw new RangeError(`shares: message ${i} piece ${piece} both whole and cut, or out of range`)
      const size = Math.min(pieceBytes, length - piece * pieceBytes)
      fragments.sort((a, b) => a.at - b.at)
      const bytes = new Uint8Array(size)
      let filled = 0
      for (const f of fragments) {
        if (f.at !== filled || filled + f.bytes.length > size) throw new RangeError(`shares: message ${i} piece ${piece} has a gap or an overlap at byte ${f.at}`)
        bytes.set(f.bytes, filled)
        filled += f.bytes.length
      }
      if (filled !== size) throw new RangeError(`shares: message ${i} piece ${piece} has ${filled} of ${size} bytes`)
      pending.push({ message: i, piece })
      pieces.push({ bytes, chunkOffset: piece * pieceBytes / 1024, root: cvs[i].length === 1 })
    }
  })
  const hashed = pieces.length > 0 ? await hashCut(pieces) : []
  if (hashed.length !== pieces.length) throw new RangeError(`hashCut: expected ${pieces.length} hashes, got ${hashed.length}`)
  pending.forEach(({ message, piece }, n) => { cvs[message][piece] = hashed[n] })
  const hashes: Uint8Array[] = []
  let merges = 0
  for (const [i, list] of cvs.entries()) {
    const missing = list.findIndex(cv => cv === undefined)
    if (missing >= 0) throw new RangeError(`shares: message ${i} piece ${missing} is missing`)
    if (list.length === 1) {
      hashes.push(list[0] as Uint8Array)
      continue
    }
    const merger = createCvMerger()
    for (const cv of list) {
      merger.push(cv as Uint8Array)
      // Thousands of pieces per large save: let the page run between slices of the merging.
      if (++merges % MERGES_PER_TASK === 0) await new Promise(resolve => setTimeout(resolve, 0))
    }
    hashes.push(merger.root())
  }
  return hashes
}
