/**
 * The worker's side of [Note: Range hashing] (piece-shares.ts): fed one contiguous range of a
 * byte stream in order, it hashes every piece of every message that lies wholly in the range
 * (incrementally on the SIMD kernel, no copy beyond the kernel's own staging) and keeps the
 * bytes of the pieces the range's edges cut. Loads the BLAKE3 kernel: worker-side only.
 */
import { Blake3SimdHasher, blake3SimdSupported } from './blake3.js'
import { pieceHash } from './blake3-pieces.js'
import { assertPieceMessages, pieceCountOf, type MessageShare, type PieceMessage } from './piece-shares.js'

export interface RangeHasherInit {
  messages: PieceMessage[]
  pieceBytes: number
  /** The range of the stream this hasher is fed: bytes [from, to). */
  from: number
  to: number
  /** Force the plain fallback (tests); default: the SIMD kernel when this engine supports it. */
  simd?: boolean
}

export interface RangeHasher {
  /** Stream bytes fed so far, from `from`. */
  readonly position: number
  /** Feeds the next bytes of the range. @throws RangeError past `to` or after {@link finish} */
  update(bytes: Uint8Array): void
  /** One share per message. @throws RangeError unless exactly `to − from` bytes were fed */
  finish(): MessageShare[]
}

/** A piece being hashed or collected. */
interface OpenPiece {
  piece: number
  /** Bytes still expected for it in this range. */
  left: number
  /** Where this range's bytes of it start within the piece (0 unless cut at the start). */
  at: number
  /** Wholly in this range (else cut by an edge). */
  whole: boolean
  /** Wholly in range, on the kernel. */
  hasher?: Blake3SimdHasher
  /** Cut by an edge, or wholly in range without the kernel: its bytes so far. */
  bytes?: Uint8Array
  filled: number
}

/**
 * @example
 * const h = createRangeHasher({ messages: [{ origin: 0, length: size }], pieceBytes: 1 << 20, from, to })
 * for (const part of parts) h.update(part); const shares = h.finish()
 * @throws RangeError for bad messages or piece size, or a range with to < from
 */
export function createRangeHasher (init: RangeHasherInit): RangeHasher {
  const { messages, pieceBytes, from, to } = init
  assertPieceMessages(messages, pieceBytes)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw new RangeError(`range: expected 0 ≤ from ≤ to, got [${String(from)}, ${String(to)})`)
  }
  const simd = init.simd ?? blake3SimdSupported()
  const shares: MessageShare[] = messages.map(() => ({ whole: [], cut: [] }))
  const open: Array<OpenPiece | undefined> = messages.map(() => undefined)
  const spare: Blake3SimdHasher[] = []
  let position = from
  let finished = false

  function start (i: number, piece: number, at: number): OpenPiece {
    const { origin, length } = messages[i]
    const pieceStart = origin + piece * pieceBytes
    const pieceEnd = Math.min(origin + length, pieceStart + pieceBytes)
    const whole = pieceStart >= from && pieceEnd <= to
    const first = Math.max(pieceStart, from)
    const left = Math.min(pieceEnd, to) - first
    if (at !== first) throw new Error(`range hasher: message ${i} piece ${piece} entered at ${at}, expected ${first}`)
    const single = pieceCountOf(length, pieceBytes) === 1
    if (whole && simd) {
      const hasher = spare.pop() ?? new Blake3SimdHasher()
      if (single) hasher.reset()
      else hasher.resetSubtree(piece * pieceBytes / 1024)
      return { piece, left, at: 0, whole, hasher, filled: 0 }
    }
    return { piece, left, at: first - pieceStart, whole, bytes: new Uint8Array(left), filled: 0 }
  }

  function close (i: number, p: OpenPiece): void {
    open[i] = undefined
    if (p.hasher !== undefined) {
      shares[i].whole.push({ piece: p.piece, cv: p.hasher.digest() })
      spare.push(p.hasher)
    } else if (p.whole) {
      const root = pieceCountOf(messages[i].length, pieceBytes) === 1
      shares[i].whole.push({ piece: p.piece, cv: pieceHash(p.bytes as Uint8Array, p.piece * pieceBytes / 1024, root) })
    } else {
      shares[i].cut.push({ piece: p.piece, at: p.at, bytes: p.bytes as Uint8Array })
    }
  }

  return {
    get position () { return position },
    update (bytes) {
      if (finished) throw new RangeError('range hasher: update after finish')
      if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
      const end = position + bytes.length
      if (end > to) throw new RangeError(`range hasher: ${end - position} bytes at ${position} run past the range's end ${to}`)
      messages.forEach(({ origin, length }, i) => {
        let at = Math.max(position, origin)
        const stop = Math.min(end, origin + length)
        while (at < stop) {
          const piece = Math.floor((at - origin) / pieceBytes)
          let p = open[i]
          if (p === undefined || p.piece !== piece) p = open[i] = start(i, piece, at)
          const take = Math.min(stop - at, p.left)
          const part = bytes.subarray(at - position, at - position + take)
          if (p.hasher !== undefined) p.hasher.update(part)
          else (p.bytes as Uint8Array).set(part, p.filled)
          p.filled += take
          p.left -= take
          at += take
          if (p.left === 0) close(i, p)
        }
      })
      position = end
    },
    finish () {
      if (finished) throw new RangeError('range hasher: finish called twice')
      if (position !== to) throw new RangeError(`range hasher: fed ${position - from} of ${to - from} bytes`)
      finished = true
      if (open.some(p => p !== undefined)) throw new Error('range hasher: a piece is still open at the end of the range')
      return shares
    }
  }
}
