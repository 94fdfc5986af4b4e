/**
 * Systematic Reed-Solomon erasure coding over GF(2^8), parity byte-identical to the Rust
 * `reed-solomon-erasure` crate (galois_8). See ./gf.ts for the matrix construction and
 * ./kernel.ts for the inner loops.
 */
import { codingMatrix, matInvert, matMul } from './gf.js'
import { InvalidCodingParametersError, ShardSizeMismatchError, TooManyErasuresError } from './errors.js'
import { JsEngine, WasmEngine, supportedKernels } from './kernel.js'
import type { Engine, KernelName } from './kernel.js'

/** Largest k + m in GF(2^8). */
export const MAX_TOTAL_SHARDS = 256

/** Options of {@link createReedSolomon}. */
export interface ReedSolomonOptions {
  /**
   * Inner loop: `'auto'` (default) picks the fastest this engine validates — relaxed SIMD,
   * then SIMD, then plain JavaScript. Asking for an unsupported kernel throws a RangeError.
   */
  kernel?: KernelName | 'auto'
}

/** Options of {@link ReedSolomon.reconstruct}. */
export interface ReconstructOptions {
  /** Restore only missing data shards; missing parity stays missing. Default false. */
  dataOnly?: boolean
}

/**
 * Shards living in the coder's WebAssembly memory, for zero-copy use: write data into
 * `shards[0..k)` (e.g. straight from a file reader), call {@link encode}, read parity from
 * `shards[k..k+m)`. Views stay valid for the workspace's lifetime.
 */
export interface ShardWorkspace {
  /** Bytes per shard (the length of every view). */
  readonly shardBytes: number
  /** k data views then m parity views, each `shardBytes` long. */
  readonly shards: readonly Uint8Array[]
  /**
   * Computes parity columns [0, length) from data columns [0, length).
   * @param length - columns to encode, default `shardBytes`
   */
  encode: (length?: number) => void
  /**
   * Restores, in place, the shards whose `present[i]` is false (columns [0, length)).
   * @throws {TooManyErasuresError} when fewer than k are present
   */
  reconstruct: (present: readonly boolean[], options?: ReconstructOptions & { length?: number }) => void
}

/** A Reed-Solomon coder for fixed k data and m parity shards. Not safe for re-entrant use. */
export interface ReedSolomon {
  /** k */
  readonly dataShards: number
  /** m */
  readonly parityShards: number
  /** k + m */
  readonly totalShards: number
  /** The inner loop in use. */
  readonly kernel: KernelName
  /**
   * Writes m parity shards computed from k data shards. All shards have the same length.
   * @throws {TypeError} when a shard is not a Uint8Array
   * @throws {RangeError} when the shard counts are not k and m
   * @throws {ShardSizeMismatchError} when lengths differ
   */
  encode: (dataShards: readonly Uint8Array[], parityOut: readonly Uint8Array[]) => void
  /**
   * Restores missing shards (`undefined` or `null` entries) from any k present ones, writing new
   * Uint8Arrays into the given array, which is returned. Present shards are never modified.
   * @throws {RangeError} when the array does not have k + m entries
   * @throws {ShardSizeMismatchError} when present shards differ in length
   * @throws {TooManyErasuresError} when fewer than k shards are present
   */
  reconstruct: (shards: Array<Uint8Array | undefined | null>, options?: ReconstructOptions) => Uint8Array[]
  /** True when the parity shards are consistent with the data shards. */
  verify: (shards: readonly Uint8Array[]) => boolean
  /**
   * Allocates a {@link ShardWorkspace} of k + m shards of `shardBytes` in WebAssembly memory
   * (plain memory for the `'js'` kernel).
   * @throws {RangeError} when shardBytes is not a non-negative integer
   */
  createWorkspace: (shardBytes: number) => ShardWorkspace
}

/** Bytes of shard columns copied through WebAssembly memory per step by `encode`/`reconstruct`. */
function copyBlockBytes (n: number): number {
  let b = 65536
  while (b > 4096 && b * n > 1024 * 1024) b >>= 1
  return b
}

function checkParams (k: unknown, m: unknown): void {
  if (typeof k !== 'number') throw new TypeError(`k: expected a number, got ${typeof k}`)
  if (typeof m !== 'number') throw new TypeError(`m: expected a number, got ${typeof m}`)
  if (!Number.isInteger(k) || k < 1) throw new InvalidCodingParametersError(`k: expected an integer ≥ 1, got ${k}`)
  if (!Number.isInteger(m) || m < 0) throw new InvalidCodingParametersError(`m: expected an integer ≥ 0, got ${m}`)
  if (k + m > MAX_TOTAL_SHARDS) throw new InvalidCodingParametersError(`k + m: expected ≤ ${MAX_TOTAL_SHARDS}, got ${k + m}`)
}

function pickKernel (wanted: ReedSolomonOptions['kernel']): KernelName {
  const supported = supportedKernels()
  if (wanted === undefined || wanted === 'auto') return supported[0]
  if (wanted !== 'relaxed-simd' && wanted !== 'simd' && wanted !== 'js') {
    throw new RangeError(`options.kernel: expected 'relaxed-simd', 'simd', 'js' or 'auto', got ${String(wanted)}`)
  }
  if (!supported.includes(wanted)) throw new RangeError(`options.kernel: ${wanted} is not supported by this JavaScript engine`)
  return wanted
}

function checkShards (name: string, shards: readonly Uint8Array[], count: number): void {
  if (!Array.isArray(shards)) throw new TypeError(`${name}: expected an array of Uint8Array`)
  if (shards.length !== count) throw new RangeError(`${name}: expected ${count} shards, got ${shards.length}`)
  for (let i = 0; i < count; i++) {
    if (!(shards[i] instanceof Uint8Array)) throw new TypeError(`${name}[${i}]: expected a Uint8Array`)
  }
}

/**
 * Decoding plans, cached per erasure pattern: which k present shards to read and the matrix
 * mapping them to the requested missing shards.
 */
class Decoder {
  private readonly cache = new Map<string, { inputs: number[], outputs: number[], rows: Uint8Array }>()
  constructor (private readonly k: number, private readonly m: number, private readonly matrix: Uint8Array) {}

  plan (present: readonly boolean[], dataOnly: boolean): { inputs: number[], outputs: number[], rows: Uint8Array } {
    const k = this.k
    const n = k + this.m
    let key = dataOnly ? 'd' : 'a'
    for (let i = 0; i < n; i++) key += present[i] ? '1' : '0'
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    const inputs: number[] = []
    const outputs: number[] = []
    for (let i = 0; i < n; i++) {
      if (present[i]) { if (inputs.length < k) inputs.push(i) } else if (i < k || !dataOnly) outputs.push(i)
    }
    if (inputs.length < k) throw new TooManyErasuresError(inputs.length, k)
    // Rows of the chosen shards form an invertible k×k matrix (any k rows of the coding
    // matrix do); its inverse maps them back to the data shards.
    const sub = new Uint8Array(k * k)
    inputs.forEach((r, i) => sub.set(this.matrix.subarray(r * k, r * k + k), i * k))
    const dec = matInvert(sub, k)
    const rows = new Uint8Array(outputs.length * k)
    outputs.forEach((r, j) => {
      rows.set(r < k ? dec.subarray(r * k, r * k + k) : matMul(this.matrix.subarray(r * k, r * k + k), dec, 1, k, k), j * k)
    })
    const plan = { inputs, outputs, rows }
    if (this.cache.size >= 16) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, plan)
    return plan
  }
}

/**
 * Creates a Reed-Solomon coder with k data and m parity shards over GF(2^8) (polynomial 0x11D,
 * generator 2). Parity is byte-identical to the Rust `reed-solomon-erasure` crate's galois_8
 * coder. Pure: runs the same in a worker, a page or Node.
 *
 * @param k - data shards, ≥ 1
 * @param m - parity shards, ≥ 0, with k + m ≤ 256
 * @throws {InvalidCodingParametersError} for k < 1, m < 0, non-integers or k + m > 256
 * @throws {RangeError} when `options.kernel` names an unsupported kernel
 * @example
 * ```ts
 * const rs = createReedSolomon(16, 8)
 * const data = splitIntoShards(payload, 16)
 * const parity = Array.from({ length: 8 }, () => new Uint8Array(data[0].length))
 * rs.encode(data, parity)
 * const shards = [...data, ...parity]; shards[3] = undefined
 * rs.reconstruct(shards) // shards[3] restored
 * ```
 */
export function createReedSolomon (k: number, m: number, options: ReedSolomonOptions = {}): ReedSolomon {
  checkParams(k, m)
  const n = k + m
  const kernel = pickKernel(options.kernel)
  const matrix = codingMatrix(k, m)
  const parityRows = matrix.slice(k * k)
  const decoder = new Decoder(k, m, matrix)
  let engine: Engine | undefined
  const getEngine = (): Engine => {
    engine ??= kernel === 'js' ? new JsEngine() : new WasmEngine(kernel, k * Math.max(m, 1), n, copyBlockBytes(n))
    return engine
  }

  const encode = (data: readonly Uint8Array[], parity: readonly Uint8Array[]): void => {
    checkShards('dataShards', data, k)
    checkShards('parityOut', parity, m)
    const len = data[0].length
    for (const [name, arr] of [['dataShards', data], ['parityOut', parity]] as const) {
      arr.forEach((s, i) => {
        if (s.length !== len) throw new ShardSizeMismatchError(`${name}[${i}]: expected ${len} bytes, got ${s.length}`)
      })
    }
    if (m === 0 || len === 0) return
    getEngine().apply(parityRows, data, parity, len)
  }

  const reconstruct = (shards: Array<Uint8Array | undefined | null>, opts: ReconstructOptions = {}): Uint8Array[] => {
    if (!Array.isArray(shards)) throw new TypeError('shards: expected an array')
    if (shards.length !== n) throw new RangeError(`shards: expected ${n} entries, got ${shards.length}`)
    let len = -1
    const present: boolean[] = []
    for (let i = 0; i < n; i++) {
      const s = shards[i]
      if (s == null) { present.push(false); continue }
      if (!(s instanceof Uint8Array)) throw new TypeError(`shards[${i}]: expected a Uint8Array, undefined or null`)
      if (len === -1) len = s.length
      else if (s.length !== len) throw new ShardSizeMismatchError(`shards[${i}]: expected ${len} bytes, got ${s.length}`)
      present.push(true)
    }
    const plan = decoder.plan(present, opts.dataOnly === true)
    if (plan.outputs.length > 0) {
      const outs = plan.outputs.map(i => (shards[i] = new Uint8Array(len)))
      if (len > 0) getEngine().apply(plan.rows, plan.inputs.map(i => shards[i] as Uint8Array), outs, len)
    }
    return shards as Uint8Array[]
  }

  const verify = (shards: readonly Uint8Array[]): boolean => {
    checkShards('shards', shards, n)
    const parity = shards.slice(k).map(s => new Uint8Array(s.length))
    encode(shards.slice(0, k), parity)
    return parity.every((p, j) => {
      const s = shards[k + j]
      for (let x = 0; x < p.length; x++) if (p[x] !== s[x]) return false
      return true
    })
  }

  const createWorkspace = (shardBytes: number): ShardWorkspace => {
    if (!Number.isSafeInteger(shardBytes) || shardBytes < 0) {
      throw new RangeError(`shardBytes: expected a non-negative integer, got ${shardBytes}`)
    }
    let views: Uint8Array[]
    let run: (rows: Uint8Array, ins: number[], outs: number[], len: number) => void
    if (kernel === 'js') {
      const js = new JsEngine()
      const stride = shardBytes
      const buf = new Uint8Array(stride * n)
      views = Array.from({ length: n }, (_, i) => buf.subarray(i * stride, i * stride + shardBytes))
      run = (rows, ins, outs, len) => js.apply(rows, ins.map(i => views[i]), outs.map(i => views[i]), len)
    } else {
      const w = new WasmEngine(kernel, k * Math.max(m, 1), n, shardBytes)
      views = Array.from({ length: n }, (_, i) => w.slot(i, shardBytes))
      const addrs = views.map((_, i) => w.slotAddress(i))
      run = (rows, ins, outs, len) => w.applyAt(rows, ins.map(i => addrs[i]), outs.map(i => addrs[i]), len)
    }
    const dataIdx = Array.from({ length: k }, (_, i) => i)
    const parityIdx = Array.from({ length: m }, (_, i) => k + i)
    const checkLength = (length: number): void => {
      if (!Number.isSafeInteger(length) || length < 0 || length > shardBytes) {
        throw new RangeError(`length: expected an integer in [0, ${shardBytes}], got ${length}`)
      }
    }
    return {
      shardBytes,
      shards: views,
      encode (length = shardBytes) {
        checkLength(length)
        if (m > 0 && length > 0) run(parityRows, dataIdx, parityIdx, length)
      },
      reconstruct (present, o = {}) {
        if (!Array.isArray(present) || present.length !== n) {
          throw new RangeError(`present: expected ${n} booleans, got ${Array.isArray(present) ? present.length : typeof present}`)
        }
        const length = o.length ?? shardBytes
        checkLength(length)
        const plan = decoder.plan(present, o.dataOnly === true)
        if (plan.outputs.length > 0 && length > 0) run(plan.rows, plan.inputs, plan.outputs, length)
      }
    }
  }

  return { dataShards: k, parityShards: m, totalShards: n, kernel, encode, reconstruct, verify, createWorkspace }
}
