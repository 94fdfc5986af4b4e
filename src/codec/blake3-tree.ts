/**
 * BLAKE3 of a long input hashed in pieces, wherever each piece happens to be: every aligned
 * piece gets its subtree chaining value (CV) from `subtreeCv` or `pieceHash`
 * (blake3-pieces.ts, on the SIMD kernel, see [Note: BLAKE3 subtrees] in blake3.ts), and a
 * {@link CvMerger} here folds the CVs, in piece order, into the root hash. The result is
 * byte-identical to hashing the whole input at once. This module is plain JavaScript (no
 * WebAssembly), so the main thread can merge without loading the kernel.
 *
 * [Note: BLAKE3 pieces]
 * Pieces are `pieceBytes` long (a power of two ≥ 1024: 2^p whole chunks) and aligned: piece j
 * is input bytes [j·pieceBytes, (j+1)·pieceBytes), the last one possibly shorter (≥ 1 byte).
 * Each piece is then a node of BLAKE3's left-complete tree, and the tree above the pieces is
 * the left-complete tree over the pieces themselves (splitting c chunks at the largest power
 * of two below c is splitting ⌈c/2^p⌉ pieces at the largest power of two below that). So the
 * merger works like the reference `Hasher`'s CV stack with pieces in place of chunks: before
 * pushing piece j's CV, merge the stack down to popcount(j) entries (lazy: a parent is built
 * only once it is known not to be the root); at the end fold the stack right to left, the
 * last parent with the ROOT flag. An input of one piece (≤ pieceBytes, including empty) has
 * no parent: hash it directly as the root (blake3 of it), never through the merger.
 * BLAKE3 spec §2.1 (flags), §5.1.2 (incremental tree).
 */
import { BLAKE3_IV } from './blake3-wat.js'

/** Bytes of a chunk, the smallest piece. BLAKE3 spec §2.1. */
export const BLAKE3_CHUNK_BYTES = 1024

const CHUNK_START = 1
const CHUNK_END = 2
const PARENT = 4
const ROOT = 8
const KEYED_HASH = 16
const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]

function keyWords (key?: Uint8Array): Uint32Array {
  if (key === undefined) return Uint32Array.from(BLAKE3_IV)
  if (!(key instanceof Uint8Array)) throw new TypeError('key: expected Uint8Array')
  if (key.length !== 32) throw new RangeError(`key: expected 32 bytes, got ${key.length}`)
  const dv = new DataView(key.buffer, key.byteOffset, 32)
  return Uint32Array.from({ length: 8 }, (_, i) => dv.getUint32(4 * i, true))
}

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

/** SCHEDULE[r][i]: the original message word used as word i in round r. BLAKE3 spec §2.2. */
const SCHEDULE: number[][] = (() => {
  const out = [Array.from({ length: 16 }, (_, i) => i)]
  for (let r = 1; r < 7; r++) out.push(out[r - 1].map((_, i) => out[r - 1][MSG_PERMUTATION[i]]))
  return out
})()

/** Scratch state and message words of {@link compressWords} (synchronous, so shared). */
const V = new Uint32Array(16)
const M = new Uint32Array(16)

function g (a: number, b: number, c: number, d: number, x: number, y: number): void {
  const v = V
  v[a] = v[a] + v[b] + x; v[d] = rotr(v[d] ^ v[a], 16)
  v[c] = v[c] + v[d]; v[b] = rotr(v[b] ^ v[c], 12)
  v[a] = v[a] + v[b] + y; v[d] = rotr(v[d] ^ v[a], 8)
  v[c] = v[c] + v[d]; v[b] = rotr(v[b] ^ v[c], 7)
}

/**
 * One BLAKE3 compression in plain JavaScript, returning the new chaining value (8 words).
 * BLAKE3 spec §2.2. Used for parents (one per piece, on the main thread: about a microsecond
 * each) and by {@link subtreeCvScalar}.
 */
function compressWords (cv: Uint32Array, block: Uint8Array, counter: number, blockLen: number, flags: number): Uint32Array {
  const m = M
  const v = V
  const bdv = new DataView(block.buffer, block.byteOffset, 64)
  for (let i = 0; i < 16; i++) m[i] = bdv.getUint32(4 * i, true)
  v.set(cv, 0)
  v[8] = BLAKE3_IV[0]; v[9] = BLAKE3_IV[1]; v[10] = BLAKE3_IV[2]; v[11] = BLAKE3_IV[3]
  v[12] = counter >>> 0; v[13] = Math.floor(counter / 0x100000000) >>> 0; v[14] = blockLen; v[15] = flags
  for (let r = 0; r < 7; r++) {
    const w = SCHEDULE[r]
    g(0, 4, 8, 12, m[w[0]], m[w[1]]); g(1, 5, 9, 13, m[w[2]], m[w[3]]); g(2, 6, 10, 14, m[w[4]], m[w[5]]); g(3, 7, 11, 15, m[w[6]], m[w[7]])
    g(0, 5, 10, 15, m[w[8]], m[w[9]]); g(1, 6, 11, 12, m[w[10]], m[w[11]]); g(2, 7, 8, 13, m[w[12]], m[w[13]]); g(3, 4, 9, 14, m[w[14]], m[w[15]])
  }
  const out = new Uint32Array(8)
  for (let i = 0; i < 8; i++) out[i] = v[i] ^ v[i + 8]
  return out
}

function wordsToBytes (words: Uint32Array): Uint8Array {
  const out = new Uint8Array(32)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) dv.setUint32(4 * i, words[i], true)
  return out
}

/** A parent compression: block = left CV ‖ right CV, counter 0. */
function parentCompress (kw: Uint32Array, left: Uint8Array, right: Uint8Array, flags: number): Uint8Array {
  const block = new Uint8Array(64)
  block.set(left, 0)
  block.set(right, 32)
  return wordsToBytes(compressWords(kw, block, 0, 64, flags))
}

/** Set bits of a non-negative safe integer. */
function popcount (x: number): number {
  let c = 0
  for (; x > 0; x = Math.floor(x / 2)) c += x % 2
  return c
}

function assertCv (cv: unknown, name: string): asserts cv is Uint8Array {
  if (!(cv instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`)
  if (cv.length !== 32) throw new RangeError(`${name}: expected a 32-byte chaining value, got ${cv.length} bytes`)
}

/** Folds piece CVs, in piece order, into the root hash. See [Note: BLAKE3 pieces]. */
export interface CvMerger {
  /** Pieces pushed so far. */
  readonly count: number
  /** Adds the CV of the next piece. @throws RangeError when not 32 bytes, or after {@link root} */
  push(cv: Uint8Array): void
  /** The root hash of all pieces. @throws RangeError for fewer than 2 pieces (hash a lone piece as the root instead), or when called twice */
  root(): Uint8Array
}

/**
 * A merger of piece CVs (lazy stack merge, ROOT on the last parent).
 * @param key - the input's keyed_hash key, if the pieces were hashed keyed
 * @example const m = createCvMerger(); for (const cv of cvs) m.push(cv); const hash = m.root()
 */
export function createCvMerger (key?: Uint8Array): CvMerger {
  const kw = keyWords(key)
  const flags = PARENT | (key !== undefined ? KEYED_HASH : 0)
  const stack: Uint8Array[] = []
  let count = 0
  let done = false
  return {
    get count () { return count },
    push (cv) {
      if (done) throw new RangeError('cv merger: push after root')
      assertCv(cv, 'cv')
      // Lazy: merge only what is now known to have a right sibling (popcount(count) subtrees stay).
      const keep = popcount(count)
      while (stack.length > keep) {
        const right = stack.pop() as Uint8Array
        const left = stack.pop() as Uint8Array
        stack.push(parentCompress(kw, left, right, flags))
      }
      stack.push(cv.slice())
      count++
    },
    root () {
      if (done) throw new RangeError('cv merger: root called twice')
      if (count < 2) throw new RangeError(`cv merger: ${count} piece(s); a single piece is hashed directly as the root`)
      done = true
      let right = stack.pop() as Uint8Array
      while (stack.length > 0) {
        const left = stack.pop() as Uint8Array
        right = parentCompress(kw, left, right, flags | (stack.length === 0 ? ROOT : 0))
      }
      return right
    }
  }
}

/**
 * CV of one piece in plain JavaScript (no WebAssembly): the fallback of `subtreeCv` on
 * engines without WebAssembly SIMD, and a second implementation for tests. About 20× slower
 * than the kernel. Same rules as [Note: BLAKE3 subtrees] in blake3.ts: a non-empty aligned node,
 * never the root.
 * @throws RangeError when the piece is empty or not aligned at `chunkOffset`
 */
export function subtreeCvScalar (bytes: Uint8Array, chunkOffset: number, key?: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
  const n = Math.ceil(bytes.length / BLAKE3_CHUNK_BYTES)
  let span = 1
  while (span < n) span *= 2
  if (!Number.isSafeInteger(chunkOffset) || chunkOffset < 0 || n === 0 || chunkOffset % span !== 0) {
    throw new RangeError(`blake3 subtree: ${n} chunks at chunk ${String(chunkOffset)} is not a node of the tree`)
  }
  const kw = keyWords(key)
  const keyed = key !== undefined ? KEYED_HASH : 0
  const block = new Uint8Array(64)
  const stack: Uint8Array[] = []
  for (let c = 0; c < n; c++) {
    const chunk = bytes.subarray(c * BLAKE3_CHUNK_BYTES, (c + 1) * BLAKE3_CHUNK_BYTES)
    const blocks = Math.max(1, Math.ceil(chunk.length / 64))
    let cv: Uint32Array = kw
    for (let b = 0; b < blocks; b++) {
      const len = Math.min(64, chunk.length - 64 * b)
      block.fill(0)
      block.set(chunk.subarray(64 * b, 64 * b + len))
      const flags = keyed | (b === 0 ? CHUNK_START : 0) | (b === blocks - 1 ? CHUNK_END : 0)
      cv = compressWords(cv, block, chunkOffset + c, len, flags)
    }
    // Lazy merge as in createCvMerger, with chunks in place of pieces.
    const keep = popcount(c)
    while (stack.length > keep) {
      const right = stack.pop() as Uint8Array
      const left = stack.pop() as Uint8Array
      stack.push(parentCompress(kw, left, right, PARENT | keyed))
    }
    stack.push(wordsToBytes(cv))
  }
  let right = stack.pop() as Uint8Array
  while (stack.length > 0) right = parentCompress(kw, stack.pop() as Uint8Array, right, PARENT | keyed)
  return right
}
