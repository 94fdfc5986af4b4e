/**
 * The hashing side of [Note: BLAKE3 pieces] (blake3-tree.ts): CVs of aligned pieces on the
 * SIMD kernel. Loads the kernel; import it lazily from code that also runs on the main thread.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { Blake3SimdHasher, blake3Simd, blake3SimdSupported } from './blake3.js'
import { BLAKE3_CHUNK_BYTES, assertPieceShare, pieceCount, subtreeCvScalar, type PieceCv, type PieceShare } from './blake3-tree.js'

/**
 * An incremental hasher of one piece (a node starting at chunk `chunkOffset` of the whole
 * input) on the SIMD kernel; `digest()` returns its CV. Reuse it with `resetSubtree`.
 * @throws RangeError when the kernel is unsupported (blake3SimdSupported) or the offset is bad
 */
export function createSubtreeHasher (chunkOffset: number, key?: Uint8Array): Blake3SimdHasher {
  return new Blake3SimdHasher(key).resetSubtree(chunkOffset, key)
}

/** One reusable hasher for {@link subtreeCv}; safe because each use is synchronous. */
let shared: Blake3SimdHasher | undefined

/**
 * CV of one piece (node) of a bigger input, non-root: on the SIMD kernel, or in plain
 * JavaScript ({@link subtreeCvScalar}, slow) on engines without WebAssembly SIMD.
 * @param bytes - the piece: 1 byte up to the node's size
 * @param chunkOffset - counter of its first chunk in the whole input (byte offset / 1024)
 * @throws RangeError when the piece is empty or not an aligned node
 */
export function subtreeCv (bytes: Uint8Array, chunkOffset: number, key?: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
  if (!blake3SimdSupported()) return subtreeCvScalar(bytes, chunkOffset, key)
  shared ??= new Blake3SimdHasher()
  return shared.resetSubtree(chunkOffset, key).update(bytes).digest()
}

/**
 * Hashes the owned pieces of an input of `size` bytes fed in order, in any slices: each owned
 * piece gets its CV as its last byte arrives (one hasher, reused). Bytes of pieces owned by
 * the other side are skipped. Needs at least 2 pieces (a lone piece is the root: hash it whole).
 * @example const h = createPieceStreamHasher(size, share); h.update(a); h.update(b); const cvs = h.finish()
 * @throws RangeError for a bad share, fewer than 2 pieces, more than `size` bytes, or (finish) fewer
 */
export function createPieceStreamHasher (size: number, share: PieceShare, key?: Uint8Array): { update: (bytes: Uint8Array) => void, finish: () => PieceCv[] } {
  assertPieceShare(share)
  const { pieceBytes, period, own } = share
  const count = pieceCount(size, pieceBytes)
  if (count < 2) throw new RangeError(`size: ${size} bytes is one piece of ${pieceBytes}; hash it whole`)
  const owned = new Set(own)
  const cvs: PieceCv[] = []
  let hasher: Blake3SimdHasher | undefined
  let pos = 0
  return {
    update (bytes) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
      if (pos + bytes.length > size) throw new RangeError(`bytes: more than ${size} bytes fed`)
      let at = 0
      while (at < bytes.length) {
        const j = Math.floor(pos / pieceBytes)
        const pieceEnd = Math.min(size, (j + 1) * pieceBytes)
        const take = Math.min(bytes.length - at, pieceEnd - pos)
        if (owned.has(j % period)) {
          if (pos === j * pieceBytes) {
            hasher ??= new Blake3SimdHasher(key)
            hasher.resetSubtree(j * pieceBytes / BLAKE3_CHUNK_BYTES, key)
          }
          const h = hasher as Blake3SimdHasher
          h.update(bytes.subarray(at, at + take))
          if (pos + take === pieceEnd) cvs.push({ index: j, cv: h.digest() })
        }
        at += take
        pos += take
      }
    },
    finish () {
      if (pos !== size) throw new RangeError(`bytes: ${pos} of ${size} bytes fed`)
      return cvs
    }
  }
}


/**
 * Piece `bytes` at `chunkOffset`: its CV, or with `root` (the piece is the whole input) its
 * BLAKE3 hash. Synchronous, so a caller can hash from shared scratch memory between awaits.
 * @throws RangeError as {@link subtreeCv}
 */
export function pieceHash (bytes: Uint8Array, chunkOffset: number, root: boolean): Uint8Array {
  if (!root) return subtreeCv(bytes, chunkOffset)
  if (chunkOffset !== 0) throw new RangeError(`chunkOffset: a root piece starts at 0, got ${String(chunkOffset)}`)
  return blake3SimdSupported() ? blake3Simd(bytes) : nobleBlake3(bytes)
}
