/**
 * Matrix-times-shards engines: the one operation Reed-Solomon needs. Given an nOut×nIn
 * coefficient matrix (row-major), compute for every column x
 * `outputs[j][x] = XOR_i rows[j·nIn + i] · inputs[i][x]` in GF(2^8).
 *
 * [Note: Kernel memory]
 * The WebAssembly engines own one instance and one linear memory each ("arena"), laid out as
 * [input pointer array | output pointer array | encode tables | other tables | shard slots].
 * Memory is sized once at construction and never grows afterwards, so `Uint8Array` views onto
 * the slots (see ShardWorkspace) stay valid for the engine's lifetime.
 */
import { GF_KERNEL_RELAXED_B64, GF_KERNEL_SIMD_B64 } from './generated/gf-kernel.js'
import { gfMul, gfMulTable } from './gf.js'

/** Which inner loop computes the products. */
export type KernelName = 'relaxed-simd' | 'simd' | 'js'

function decodeB64 (b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

const modules: Partial<Record<KernelName, WebAssembly.Module | null>> = {}

/** The compiled kernel module for `name`, or null when this engine cannot validate it. */
export function kernelModule (name: 'relaxed-simd' | 'simd'): WebAssembly.Module | null {
  let mod = modules[name]
  if (mod === undefined) {
    mod = null
    if (typeof WebAssembly === 'object') {
      const bytes = decodeB64(name === 'simd' ? GF_KERNEL_SIMD_B64 : GF_KERNEL_RELAXED_B64)
      if (WebAssembly.validate(bytes)) mod = new WebAssembly.Module(bytes)
    }
    modules[name] = mod
  }
  return mod
}

/**
 * Kernels this JavaScript engine can run, fastest first (`'js'` is always last and present).
 * Detection validates the actual kernel modules with `WebAssembly.validate`.
 */
export function supportedKernels (): KernelName[] {
  const out: KernelName[] = []
  if (kernelModule('relaxed-simd') != null) out.push('relaxed-simd')
  if (kernelModule('simd') != null) out.push('simd')
  out.push('js')
  return out
}

/** Columns processed per kernel call when shards are long: keeps the inputs of a block in L2. */
function blockColumns (nIn: number): number {
  const cols = Math.floor(192 * 1024 / nIn) & ~31
  return Math.max(1024, Math.min(16384, cols))
}

/** A matrix applied to shards; implementations keep whatever tables they need. */
export interface Engine {
  readonly kernel: KernelName
  /**
   * outputs[j][0..len) = rows[j] · inputs, for nOut = outputs.length, nIn = inputs.length.
   * `rows` objects are used as cache keys for derived tables: do not mutate them.
   */
  apply: (rows: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], len: number) => void
}

/** Plain JavaScript engine using the 64 KiB product table. */
export class JsEngine implements Engine {
  readonly kernel = 'js' as const
  private readonly mul = gfMulTable()

  apply (rows: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], len: number): void {
    const nIn = inputs.length
    const mul = this.mul
    for (let j = 0; j < outputs.length; j++) {
      const out = outputs[j]
      for (let i = 0; i < nIn; i++) {
        const c = rows[j * nIn + i]
        const inp = inputs[i]
        if (i === 0) {
          if (c === 0) out.fill(0, 0, len)
          else if (c === 1) out.set(inp.subarray(0, len))
          else { const base = c << 8; for (let x = 0; x < len; x++) out[x] = mul[base | inp[x]] }
        } else if (c === 1) {
          for (let x = 0; x < len; x++) out[x] ^= inp[x]
        } else if (c !== 0) {
          const base = c << 8
          for (let x = 0; x < len; x++) out[x] ^= mul[base | inp[x]]
        }
      }
    }
  }
}

interface KernelExports {
  memory: WebAssembly.Memory
  mulacc8: (ins: number, nin: number, tab: number, outs: number, start: number, end: number) => void
  mulacc4: KernelExports['mulacc8']
  mulacc2: KernelExports['mulacc8']
  mulacc1: KernelExports['mulacc8']
}

const PTR_IN = 0
const PTR_OUT = 1024
const TABLES = 2048
const PAGE = 65536
/**
 * Extra bytes after each 4 KiB-rounded slot of 4 KiB or more: 17 cache lines, so that slot i
 * starts on cache set 17·i (mod 64) of L1 and (mod 1024) of L2. Without it, shards of 256 KiB
 * (or any multiple of 4 KiB) put the same column of all k inputs in ONE cache set: 48 inputs
 * fight over 8 ways and every load misses to L3 — the reason per-output cost grew with k.
 */
const SLOT_SKEW = 17 * 64

/**
 * WebAssembly SIMD engine: one instance, one memory, `slotCount` shard slots of `slotBytes`
 * (rounded up to 32; large slots are spread over cache sets, see {@link SLOT_SKEW}) after the
 * tables. See [Note: Kernel memory].
 */
export class WasmEngine implements Engine {
  readonly kernel: KernelName
  readonly slotCount: number
  readonly slotStride: number
  private readonly exports: KernelExports
  private readonly fns: Array<KernelExports['mulacc8']>
  private readonly tableBytes: number
  private readonly slotBase: number
  private readonly tableKeys: Array<Uint8Array | undefined> = [undefined, undefined]
  private nextTable = 0
  readonly memory: Uint8Array
  private readonly words: Uint32Array

  /**
   * @param maxCells - largest nOut·nIn matrix this engine will apply
   */
  constructor (kernel: 'relaxed-simd' | 'simd', maxCells: number, slotCount: number, slotBytes: number) {
    const mod = kernelModule(kernel)
    if (mod == null) throw new RangeError(`kernel: ${kernel} is not supported by this JavaScript engine`)
    this.kernel = kernel
    this.slotCount = slotCount
    this.slotStride = slotBytes < 4096 ? Math.ceil(slotBytes / 32) * 32 : Math.ceil(slotBytes / 4096) * 4096 + SLOT_SKEW
    this.tableBytes = Math.ceil(maxCells * 32 / 64) * 64
    this.slotBase = TABLES + 2 * this.tableBytes
    const total = this.slotBase + slotCount * this.slotStride + 64
    const instance = new WebAssembly.Instance(mod, {})
    this.exports = instance.exports as unknown as KernelExports
    const mem = this.exports.memory
    const pages = Math.ceil(total / PAGE)
    const have = mem.buffer.byteLength / PAGE
    if (pages > have) mem.grow(pages - have)
    this.memory = new Uint8Array(mem.buffer)
    this.words = new Uint32Array(mem.buffer, 0, 512)
    const e = this.exports
    this.fns = [e.mulacc1, e.mulacc2, e.mulacc4, e.mulacc8]
  }

  /** Byte address of slot `i` in {@link memory}. */
  slotAddress (i: number): number {
    return this.slotBase + i * this.slotStride
  }

  /** A view of `length` bytes of slot `i`. */
  slot (i: number, length: number): Uint8Array {
    return this.memory.subarray(this.slotAddress(i), this.slotAddress(i) + length)
  }

  /** Writes split-nibble tables for `rows` (nOut×nIn) unless already present; returns their address. */
  private tables (rows: Uint8Array, nIn: number, nOut: number): number {
    for (let s = 0; s < 2; s++) if (this.tableKeys[s] === rows) return TABLES + s * this.tableBytes
    const s = this.nextTable
    this.nextTable ^= 1
    this.tableKeys[s] = rows
    const base = TABLES + s * this.tableBytes
    const mem = this.memory
    let o = 0
    while (o < nOut) {
      const g = groupSize(nOut - o)
      const gBase = base + o * nIn * 32
      for (let i = 0; i < nIn; i++) {
        for (let j = 0; j < g; j++) {
          const c = rows[(o + j) * nIn + i]
          const t = gBase + (i * g + j) * 32
          for (let x = 0; x < 16; x++) {
            mem[t + x] = gfMul(c, x)
            mem[t + 16 + x] = gfMul(c, x << 4)
          }
        }
      }
      o += g
    }
    return base
  }

  /**
   * Applies `rows` to shards already in this engine's memory, addressed by byte offsets.
   * Columns [0, len) with len rounded up to 32 (the kernel's step): slots have room for that.
   */
  applyAt (rows: Uint8Array, inAddrs: readonly number[], outAddrs: readonly number[], len: number): void {
    const nIn = inAddrs.length
    const nOut = outAddrs.length
    if (nOut === 0 || len === 0) return
    const tab = this.tables(rows, nIn, nOut)
    const words = this.words
    for (let i = 0; i < nIn; i++) words[(PTR_IN >> 2) + i] = inAddrs[i]
    for (let j = 0; j < nOut; j++) words[(PTR_OUT >> 2) + j] = outAddrs[j]
    const end = (len + 31) & ~31
    const block = blockColumns(nIn)
    for (let c0 = 0; c0 < end; c0 += block) {
      const c1 = Math.min(end, c0 + block)
      let o = 0
      while (o < nOut) {
        const g = groupSize(nOut - o)
        this.fns[31 - Math.clz32(g)](PTR_IN, nIn, tab + o * nIn * 32, PTR_OUT + o * 4, c0, c1)
        o += g
      }
    }
  }

  /** {@link Engine.apply} for arbitrary arrays: copies blocks of columns through the slots. */
  apply (rows: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], len: number): void {
    const nIn = inputs.length
    const nOut = outputs.length
    const inAddrs: number[] = []
    const outAddrs: number[] = []
    for (let i = 0; i < nIn; i++) inAddrs.push(this.slotAddress(i))
    for (let j = 0; j < nOut; j++) outAddrs.push(this.slotAddress(nIn + j))
    const block = this.slotStride
    const mem = this.memory
    for (let c0 = 0; c0 < len; c0 += block) {
      const c1 = Math.min(len, c0 + block)
      const w = c1 - c0
      for (let i = 0; i < nIn; i++) mem.set(inputs[i].subarray(c0, c1), inAddrs[i])
      this.applyAt(rows, inAddrs, outAddrs, w)
      for (let j = 0; j < nOut; j++) outputs[j].set(mem.subarray(outAddrs[j], outAddrs[j] + w), c0)
    }
  }
}

function groupSize (remaining: number): number {
  return remaining >= 8 ? 8 : remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1
}
