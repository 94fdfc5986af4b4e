/**
 * Kernels under test. Node 20 validates relaxed SIMD only behind
 * --experimental-wasm-relaxed-simd, so the flag is turned on here before the first kernel
 * module is compiled; detection itself stays `WebAssembly.validate` (src/codec/kernel.ts).
 * Where relaxed SIMD still does not validate, it is simply absent from KERNELS.
 */
import v8 from 'node:v8'
import { supportedKernels } from '../../../src/codec/index.js'

v8.setFlagsFromString('--experimental-wasm-relaxed-simd')

/** Every kernel this engine can run, fastest first; always includes 'js'. */
export const KERNELS = supportedKernels()

/** Deterministic pseudo-random bytes (xorshift32). */
export function bytes (length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = (seed * 2654435761) | 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 255
  }
  return out
}

/** Asserts an error's name and code (never instanceof: see STYLE.md §4). */
export function errorOf (fn: () => unknown): { name: string, code?: string, message: string } {
  try { fn() } catch (err) { return err as { name: string, code?: string, message: string } }
  throw new Error('expected a throw')
}
