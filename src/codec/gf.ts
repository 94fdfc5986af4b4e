/**
 * GF(2^8) arithmetic and the Reed-Solomon coding matrix, exactly as the Rust
 * `reed-solomon-erasure` crate's `galois_8` module builds them (field polynomial 0x11D,
 * generator 2; Vandermonde matrix made systematic by multiplying with the inverse of its top
 * k×k square — the construction shared with Backblaze JavaReedSolomon and klauspost).
 * Matrices are row-major `Uint8Array`s.
 */

/** The field's reducing polynomial x^8 + x^4 + x^3 + x^2 + 1. */
export const GF_POLYNOMIAL = 0x11d

/** EXP[i] = 2^i, doubled (510 entries) so `EXP[LOG[a] + LOG[b]]` needs no modulo. */
export const GF_EXP = new Uint8Array(510)
/** LOG[a] = i with 2^i = a, for a ≠ 0 (LOG[0] is unused). */
export const GF_LOG = new Uint8Array(256)
{
  let x = 1
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x
    GF_EXP[i + 255] = x
    GF_LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= GF_POLYNOMIAL
  }
}

/** Product a·b in GF(2^8). */
export function gfMul (a: number, b: number): number {
  if (a === 0 || b === 0) return 0
  return GF_EXP[GF_LOG[a] + GF_LOG[b]]
}

/** Multiplicative inverse of a ≠ 0. */
export function gfInv (a: number): number {
  if (a === 0) throw new RangeError('a: zero has no inverse in GF(2^8)')
  return GF_EXP[255 - GF_LOG[a]]
}

/** a^n as the Rust crate defines it (0^0 = 1). */
export function gfExp (a: number, n: number): number {
  if (n === 0) return 1
  if (a === 0) return 0
  return GF_EXP[(GF_LOG[a] * n) % 255]
}

let mulTable: Uint8Array | undefined
/** The full 64 KiB product table: `table[a << 8 | b] = a·b`. Built on first use. */
export function gfMulTable (): Uint8Array {
  if (mulTable === undefined) {
    const t = new Uint8Array(65536)
    for (let a = 1; a < 256; a++) {
      const la = GF_LOG[a]
      for (let b = 1; b < 256; b++) t[(a << 8) | b] = GF_EXP[la + GF_LOG[b]]
    }
    mulTable = t
  }
  return mulTable
}

/** Product of an r×n and an n×c row-major matrix. */
export function matMul (a: Uint8Array, b: Uint8Array, r: number, n: number, c: number): Uint8Array {
  const out = new Uint8Array(r * c)
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < n; t++) {
      const x = a[i * n + t]
      if (x === 0) continue
      for (let j = 0; j < c; j++) out[i * c + j] ^= gfMul(x, b[t * c + j])
    }
  }
  return out
}

/**
 * Inverse of an n×n matrix by Gauss-Jordan elimination.
 * @throws {RangeError} when the matrix is singular (never for sub-matrices of the coding matrix).
 */
export function matInvert (m: Uint8Array, n: number): Uint8Array {
  const w = 2 * n
  const a = new Uint8Array(n * w)
  for (let i = 0; i < n; i++) {
    a.set(m.subarray(i * n, i * n + n), i * w)
    a[i * w + n + i] = 1
  }
  for (let col = 0; col < n; col++) {
    let pivot = col
    while (pivot < n && a[pivot * w + col] === 0) pivot++
    if (pivot === n) throw new RangeError('matrix: singular')
    if (pivot !== col) {
      const tmp = a.slice(col * w, col * w + w)
      a.copyWithin(col * w, pivot * w, pivot * w + w)
      a.set(tmp, pivot * w)
    }
    const scale = gfInv(a[col * w + col])
    for (let j = 0; j < w; j++) a[col * w + j] = gfMul(a[col * w + j], scale)
    for (let r = 0; r < n; r++) {
      const f = a[r * w + col]
      if (r === col || f === 0) continue
      for (let j = 0; j < w; j++) a[r * w + j] ^= gfMul(f, a[col * w + j])
    }
  }
  const out = new Uint8Array(n * n)
  for (let i = 0; i < n; i++) out.set(a.subarray(i * w + n, i * w + w), i * n)
  return out
}

/**
 * The (k+m)×k systematic coding matrix of the Rust crate: Vandermonde V[r][c] = r^c,
 * multiplied by the inverse of its top k×k square. Rows 0..k-1 are the identity; rows
 * k..k+m-1 give the parity shards.
 */
export function codingMatrix (k: number, m: number): Uint8Array {
  const n = k + m
  const v = new Uint8Array(n * k)
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) v[r * k + c] = gfExp(r, c)
  const topInv = matInvert(v.subarray(0, k * k), k)
  return matMul(v, topInv, n, k, k)
}
