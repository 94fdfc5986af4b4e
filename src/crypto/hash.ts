/**
 * BLAKE3-256 checksums: the tessera hash, shard checksums, the vault id.
 * Three implementations with identical output: @noble/hashes (synchronous, pure JS; for small
 * inputs and where WebAssembly is unavailable), our WebAssembly SIMD kernel (src/codec/blake3.ts;
 * four chunks per instruction, the bulk path wherever WebAssembly SIMD runs) and hash-wasm
 * (scalar WebAssembly; the bulk path on engines without SIMD). All are checked against the
 * official test vectors.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import type { IHasher } from 'hash-wasm'

/*
 * The WebAssembly implementations load on first bulk use (dynamic imports): pages that only
 * sign or check small things (the app shell) never download their modules.
 */
type SimdModule = typeof import('../codec/blake3.js')
let simdModule: Promise<SimdModule> | undefined
async function simd (): Promise<SimdModule | undefined> {
  simdModule ??= import('../codec/blake3.js')
  const m = await simdModule
  return m.blake3SimdSupported() ? m : undefined
}
async function createHashWasmBlake3 (): Promise<IHasher> {
  const { createBLAKE3 } = await import('hash-wasm')
  return await createBLAKE3(256)
}

/** Bytes of a BLAKE3 checksum as used everywhere in Tesseras. */
export const HASH_BYTES = 32

/**
 * BLAKE3-256 of `bytes`, synchronously (pure JS). Use {@link blake3Fast} for large inputs.
 * @example toHex(blake3(new Uint8Array())) // 'af1349b9…3262'
 * @throws TypeError when `bytes` is not a Uint8Array
 */
export function blake3 (bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
  return nobleBlake3(bytes)
}

/** Which implementation {@link blake3Fast} uses in this realm. */
export async function blake3Backend (): Promise<'simd' | 'hash-wasm'> {
  return (await simd()) !== undefined ? 'simd' : 'hash-wasm'
}

/** One shared hasher for {@link blake3Fast}; safe because each use is synchronous after the await. */
let shared: Promise<IHasher> | undefined

/**
 * BLAKE3-256 of `bytes` with a WebAssembly implementation (fast for large inputs): our SIMD
 * kernel when supported (synchronous inside), else hash-wasm.
 * @throws TypeError when `bytes` is not a Uint8Array
 * @throws Error when WebAssembly is unavailable
 */
export async function blake3Fast (bytes: Uint8Array): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
  const fast = await simd()
  if (fast !== undefined) return fast.blake3Simd(bytes)
  if (shared === undefined) {
    shared = createHashWasmBlake3()
    // Forget a failed load so a later call can retry.
    shared.catch(() => { shared = undefined })
  }
  const hasher = await shared
  // No await between init and digest: concurrent callers cannot interleave on the shared state.
  hasher.init()
  hasher.update(bytes)
  return hasher.digest('binary')
}
