/**
 * Slow, obviously-correct Reed-Solomon over GF(2^8) for differential tests. Shares no code
 * with src/codec: multiplication is shift-and-add with reduction by 0x11D, powers are
 * repeated multiplication, matrices are arrays of arrays, inversion is textbook Gauss-Jordan.
 */

/** a·b in GF(2^8) by carry-less multiplication reduced modulo x^8+x^4+x^3+x^2+1. */
export function refMul (a: number, b: number): number {
  let p = 0
  while (b > 0) {
    if (b & 1) p ^= a
    a <<= 1
    if (a & 0x100) a ^= 0x11d
    b >>= 1
  }
  return p
}

/** a^n with 0^0 = 1. */
export function refPow (a: number, n: number): number {
  let r = 1
  for (let i = 0; i < n; i++) r = refMul(r, a)
  return r
}

function refInv (a: number): number {
  for (let b = 1; b < 256; b++) if (refMul(a, b) === 1) return b
  throw new Error('no inverse')
}

type Matrix = number[][]

function mul (a: Matrix, b: Matrix): Matrix {
  return a.map(row => b[0].map((_, j) => row.reduce((acc, x, t) => acc ^ refMul(x, b[t][j]), 0)))
}

function invert (m: Matrix): Matrix {
  const n = m.length
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))])
  for (let c = 0; c < n; c++) {
    const p = a.findIndex((row, r) => r >= c && row[c] !== 0)
    if (p < 0) throw new Error('singular')
    ;[a[c], a[p]] = [a[p], a[c]]
    const s = refInv(a[c][c])
    a[c] = a[c].map(x => refMul(x, s))
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = a[r][c]
      a[r] = a[r].map((x, j) => x ^ refMul(f, a[c][j]))
    }
  }
  return a.map(row => row.slice(n))
}

/** The (k+m)×k systematic matrix: Vandermonde r^c times the inverse of its top square. */
export function refMatrix (k: number, m: number): Matrix {
  const v = Array.from({ length: k + m }, (_, r) => Array.from({ length: k }, (_, c) => refPow(r, c)))
  return mul(v, invert(v.slice(0, k)))
}

/** Parity shards for k data shards, column by column. */
export function refEncode (data: Uint8Array[], m: number): Uint8Array[] {
  const k = data.length
  const rows = refMatrix(k, m).slice(k)
  const len = data[0].length
  return rows.map(row => {
    const out = new Uint8Array(len)
    for (let x = 0; x < len; x++) {
      let acc = 0
      for (let i = 0; i < k; i++) acc ^= refMul(row[i], data[i][x])
      out[x] = acc
    }
    return out
  })
}

/** All k+m shards from any k present ones: solve for the data, then re-encode. */
export function refReconstruct (shards: Array<Uint8Array | undefined>, k: number, m: number): Uint8Array[] {
  const full = refMatrix(k, m)
  const idx = shards.map((s, i) => (s === undefined ? -1 : i)).filter(i => i >= 0).slice(0, k)
  if (idx.length < k) throw new Error('too few shards')
  const dec = invert(idx.map(i => full[i]))
  const len = (shards[idx[0]] as Uint8Array).length
  const data = dec.map(row => {
    const out = new Uint8Array(len)
    for (let x = 0; x < len; x++) {
      let acc = 0
      for (let t = 0; t < k; t++) acc ^= refMul(row[t], (shards[idx[t]] as Uint8Array)[x])
      out[x] = acc
    }
    return out
  })
  return [...data, ...refEncode(data, m)]
}
