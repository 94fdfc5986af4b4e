/**
 * The hashing side of [Note: BLAKE3 pieces] (blake3-tree.ts): CVs of aligned pieces on the
 * SIMD kernel. Loads the kernel; import it lazily from code that also runs on the main thread.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { Blake3SimdHasher, blake3Simd, blake3SimdSupported } from './blake3.js'
import { subtreeCvScalar } from './blake3-tree.js'

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
 * Piece `bytes` at `chunkOffset`: its CV, or with `root` (the piece is the whole input) its
 * BLAKE3 hash. Synchronous, so a caller can hash from shared scratch memory between awaits.
 * @throws RangeError as {@link subtreeCv}
 */
export function pieceHash (bytes: Uint8Array, chunkOffset: number, root: boolean): Uint8Array {
  if (!root) return subtreeCv(bytes, chunkOffset)
  if (chunkOffset !== 0) throw new RangeError(`chunkOffset: a root piece starts at 0, got ${String(chunkOffset)}`)
  return blake3SimdSupported() ? blake3Simd(bytes) : nobleBlake3(bytes)
}
