/**
 * The parity oracle: @digitaldefiance/reed-solomon-erasure.wasm, a WebAssembly build of the Rust
 * `reed-solomon-erasure` crate (galois_8). Loaded with `fromBytes` (its directory-based loaders
 * fail under Node ESM). Dev dependency only. Its bad parameters trap the module, so callers pass
 * only k ≥ 1, m ≥ 1, k + m ≤ 256.
 *
 * Found here: one instance reused across calls of different shapes sometimes answers
 * `reconstruct` with "too few shards present" or wrong bytes (its allocator state leaks between
 * calls), so every call gets a fresh instance of the module.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'

const require = createRequire(import.meta.url)
const wasm = readFileSync(require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm'))
const fresh = (): ReedSolomonErasure => ReedSolomonErasure.fromBytes(wasm)

/** Parity shards the Rust crate computes for these data shards (m ≥ 1). */
export function oracleParity (data: readonly Uint8Array[], m: number): Uint8Array[] {
  const oracle = fresh()
  const k = data.length
  const s = data[0].length
  const buf = new Uint8Array((k + m) * s)
  data.forEach((d, i) => buf.set(d, i * s))
  const rc = oracle.encode(buf, k, m)
  if (rc !== ReedSolomonErasure.RESULT_OK) throw new Error(`oracle encode: ${ReedSolomonErasure.getResultMessage(rc)}`)
  return Array.from({ length: m }, (_, j) => buf.slice((k + j) * s, (k + j + 1) * s))
}

/** Data shards the Rust crate restores (it leaves lost parity alone). */
export function oracleReconstructData (shards: ReadonlyArray<Uint8Array | undefined>, k: number, m: number): Uint8Array[] {
  const oracle = fresh()
  const s = (shards.find(x => x !== undefined) as Uint8Array).length
  const buf = new Uint8Array((k + m) * s)
  shards.forEach((d, i) => { if (d !== undefined) buf.set(d, i * s) })
  const rc = oracle.reconstruct(buf, k, m, shards.map(x => x !== undefined))
  if (rc !== ReedSolomonErasure.RESULT_OK) throw new Error(`oracle reconstruct: ${ReedSolomonErasure.getResultMessage(rc)}`)
  return Array.from({ length: k }, (_, i) => buf.slice(i * s, (i + 1) * s))
}
