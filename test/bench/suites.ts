/**
 * Benchmark suites shared by the Node run and the Chromium worker: only web-platform APIs here
 * (no node:*). Each suite returns result rows; rates are MB/s with MB = 10^6 bytes of payload.
 */
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { gcm } from '@noble/ciphers/aes.js'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createBLAKE3 } from 'hash-wasm'
// @ts-ignore -- libsodium-wrappers ships no type declarations here; used through SodiumApi below.
import sodiumImport from 'libsodium-wrappers'
import { createReedSolomon, supportedKernels } from '../../src/codec/index.js'
import { Blake3SimdHasher, blake3SimdSupported } from '../../src/codec/index.js'
import type { KernelName } from '../../src/codec/index.js'
import { DEFAULT_CHUNK_BYTES } from '../../src/core/constants.js'

/** The part of libsodium-wrappers the bench calls. */
interface SodiumApi {
  ready: Promise<void>
  crypto_aead_xchacha20poly1305_ietf_encrypt: (m: Uint8Array, ad: null, nsec: null, nonce: Uint8Array, key: Uint8Array) => Uint8Array
  crypto_aead_xchacha20poly1305_ietf_decrypt: (nsec: null, c: Uint8Array, ad: null, nonce: Uint8Array, key: Uint8Array) => Uint8Array
}
const sodiumModule = sodiumImport as SodiumApi

/** One line of output. */
export interface BenchRow {
  suite: 'rs' | 'aead' | 'hash' | 'pipeline'
  impl: string
  env: 'node' | 'chromium-worker'
  config: string
  bytes: number
  encodeMBps: number | null
  decodeMBps: number | null
  /** Pipeline rows: the AEAD-alone rate of the same run (encrypt for store, decrypt for recover). */
  aeadMBps?: number
  /** Pipeline rows: reading the input file alone, same run (MB/s). */
  readMBps?: number
  /** Store rows: writing the sealed chunks alone into the same kind of store, same run (MB/s): the store's ceiling. */
  storeWriteMBps?: number
  /** Store rows: ms until the last chunk was sealed, and from there to the end (parity pass, commit). */
  passMs?: { seal: number, rest: number }
  /**
   * Store rows: the most any save could reach on this machine's `cores`, from the required work's
   * rates in the same run (pipeline.ts saveBound): BLAKE3 and RS parity MB/s on one thread, the
   * AEAD alone's CPU ms per MB.
   */
  bound?: { MBps: number, cores: number, hashMBps: number, parityMBps: number, aeadCpuMsPerMB: number }
  /** Pipeline rows: pipeline rate / AEAD-alone rate. */
  ratio?: number
  /** Pipeline rows: peak memory beyond the input and the stored payload, MB. */
  peakExtraMB?: number
  /** Store rows: the peak extra memory of the AEAD alone on the same data, its results dropped as sealed (same probe), MB. */
  aeadPeakExtraMB?: number
  /** Pipeline: the peak reached by the end of the save's first (seal) pass, MB. */
  peakSealMB?: number
  note?: string
}

/** Knobs: quick mode shortens every measurement. */
export interface BenchOptions {
  env: BenchRow['env']
  quick: boolean
  /** Bytes of the oracle's .wasm file (loaded by the host). */
  oracleWasm?: Uint8Array
  /** RS configs to measure ("k+m"); default {@link RS_CONFIGS}. */
  rsConfigs?: string[]
  /** Called after each row, for progress output. */
  onRow?: (row: BenchRow) => void
}

/** RS configurations measured. */
export const RS_CONFIGS: Array<[number, number]> = [[10, 4], [16, 8], [48, 24]]

/**
 * Runs `op` in rounds of at least `minMs`, returns the median rate in MB/s for `bytes` per op.
 * Async ops are awaited one at a time.
 */
export async function measure (bytes: number, op: () => unknown, quick: boolean): Promise<number> {
  const rounds = quick ? 3 : 7
  const minMs = quick ? 40 : 150
  await op() // warm-up (tier-up, table building)
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let n = 0
    const t0 = performance.now()
    let t = t0
    while (t - t0 < minMs) {
      const p = op()
      if (p instanceof Promise) await p
      n++
      t = performance.now()
    }
    rates.push(n * bytes / ((t - t0) / 1000) / 1e6)
  }
  rates.sort((a, b) => a - b)
  return rates[rates.length >> 1]
}

function fillRandom (buf: Uint8Array, seed: number): void {
  let x = seed | 1
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2)
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    words[i] = x
  }
  for (let i = words.length * 4; i < buf.length; i++) buf[i] = i * 31
}

/** Shard size for a config: 256 KiB (the default stripe width); JS gets smaller shards. */
function shardBytesFor (kernel: string, k: number): number {
  return kernel === 'js' ? Math.ceil(512 * 1024 / k / 64) * 64 : 256 * 1024
}

/** Reed-Solomon suite: ours per kernel (workspace, zero copy), ours with copies, the oracle. */
export async function rsSuite (opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const push = (row: BenchRow): void => { rows.push(row); opts.onRow?.(row) }
  const kernels = supportedKernels()
  const order: KernelName[] = ['relaxed-simd', 'simd', 'js']
  for (const [k, m] of RS_CONFIGS) {
    const config = `${k}+${m}`
    if (opts.rsConfigs !== undefined && !opts.rsConfigs.includes(config)) continue
    const lostDataFirst = Array.from({ length: k + m }, (_, i) => i >= m) // worst case: m data shards lost
    for (const kernel of order) {
      if (!kernels.includes(kernel)) {
        push({ suite: 'rs', impl: `ours-${kernel}`, env: opts.env, config, bytes: 0, encodeMBps: null, decodeMBps: null, note: 'not supported here' })
        continue
      }
      const s = shardBytesFor(kernel, k)
      const rs = createReedSolomon(k, m, { kernel })
      const ws = rs.createWorkspace(s)
      for (let i = 0; i < k; i++) fillRandom(ws.shards[i], i + 1)
      const enc = await measure(k * s, () => ws.encode(), opts.quick)
      ws.encode()
      const dec = await measure(k * s, () => ws.reconstruct(lostDataFirst, { dataOnly: true }), opts.quick)
      push({ suite: 'rs', impl: `ours-${kernel}`, env: opts.env, config, bytes: k * s, encodeMBps: enc, decodeMBps: dec })
    }
    {
      // The Uint8Array[] API: shards outside WebAssembly memory, copied through it in blocks.
      const s = shardBytesFor('simd', k)
      const rs = createReedSolomon(k, m)
      const data = Array.from({ length: k }, (_, i) => { const d = new Uint8Array(s); fillRandom(d, i + 1); return d })
      const parity = Array.from({ length: m }, () => new Uint8Array(s))
      const enc = await measure(k * s, () => rs.encode(data, parity), opts.quick)
      const all = [...data, ...parity]
      const dec = await measure(k * s, () => {
        const shards: Array<Uint8Array | undefined> = all.slice()
        for (let i = 0; i < m; i++) shards[i] = undefined
        rs.reconstruct(shards, { dataOnly: true })
      }, opts.quick)
      push({ suite: 'rs', impl: `ours-${rs.kernel}-copy`, env: opts.env, config, bytes: k * s, encodeMBps: enc, decodeMBps: dec, note: 'Uint8Array[] API' })
    }
    if (opts.oracleWasm !== undefined) {
      const s = shardBytesFor('simd', k)
      const oracle = ReedSolomonErasure.fromBytes(opts.oracleWasm)
      const buf = new Uint8Array((k + m) * s)
      fillRandom(buf.subarray(0, k * s), 7)
      const check = (rc: number): void => { if (rc !== ReedSolomonErasure.RESULT_OK) throw new Error(`rse-wasm ${config}: ${ReedSolomonErasure.getResultMessage(rc)}`) }
      const enc = await measure(k * s, () => check(oracle.encode(buf, k, m)), opts.quick)
      // A fresh instance: reusing one across call shapes makes its reconstruct fail (see test/unit/codec/oracle.ts).
      const oracle2 = ReedSolomonErasure.fromBytes(opts.oracleWasm)
      const flags = Array.from({ length: k + m }, (_, i) => i >= m)
      const dec = await measure(k * s, () => check(oracle2.reconstruct(buf, k, m, flags)), opts.quick)
      push({ suite: 'rs', impl: 'rse-wasm', env: opts.env, config, bytes: k * s, encodeMBps: enc, decodeMBps: dec })
    }
  }
  return rows
}

const CHUNK = 1024 * 1024

interface AeadImpl { name: string, seal: (c: Uint8Array) => Uint8Array | Promise<Uint8Array>, open: (c: Uint8Array) => Uint8Array | Promise<Uint8Array> }

/**
 * AEAD suite: encrypt then decrypt a payload in 1 MiB chunks and in the payload's own chunk
 * size ({@link DEFAULT_CHUNK_BYTES}), one candidate at a time. Both sizes, because Chromium's
 * WebCrypto is ~2.5× slower above 960 KiB (see DEFAULT_CHUNK_BYTES).
 */
export async function aeadSuite (opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const key = new Uint8Array(32).fill(7)
  const n12 = new Uint8Array(12).fill(1)
  const n24 = new Uint8Array(24).fill(1)
  await sodiumModule.ready
  const sodium = sodiumModule
  const subtle = globalThis.crypto.subtle
  const aesKey = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const impls: AeadImpl[] = [
    { name: 'noble-xchacha20poly1305', seal: c => xchacha20poly1305(key, n24).encrypt(c), open: c => xchacha20poly1305(key, n24).decrypt(c) },
    { name: 'noble-chacha20poly1305', seal: c => chacha20poly1305(key, n12).encrypt(c), open: c => chacha20poly1305(key, n12).decrypt(c) },
    { name: 'noble-aes-256-gcm', seal: c => gcm(key, n12).encrypt(c), open: c => gcm(key, n12).decrypt(c) },
    {
      name: 'webcrypto-aes-256-gcm',
      seal: async c => new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: n12 }, aesKey, c as Uint8Array<ArrayBuffer>)),
      open: async c => new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: n12 }, aesKey, c as Uint8Array<ArrayBuffer>))
    },
    {
      name: 'libsodium-xchacha20poly1305',
      seal: c => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(c, null, null, n24, key),
      open: c => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, c, null, n24, key)
    }
  ]
  for (const chunkSize of [CHUNK, DEFAULT_CHUNK_BYTES]) {
    const count = Math.floor((opts.quick ? 8 : 64) * CHUNK / chunkSize)
    const total = count * chunkSize
    const chunks = Array.from({ length: count }, (_, i) => { const c = new Uint8Array(chunkSize); fillRandom(c, i + 11); return c })
    const config = chunkSize === CHUNK ? '1MiB-chunks' : `${chunkSize / 1024}KiB-chunks`
    for (const impl of impls) rows.push(await aeadRow(impl, chunks, total, config, opts))
  }
  return rows
}

/** One candidate sealing then opening `chunks` (one call per chunk). */
async function aeadRow (impl: AeadImpl, chunks: Uint8Array[], total: number, config: string, opts: BenchOptions): Promise<BenchRow> {
  const sealed: Uint8Array[] = []
  for (const c of chunks) sealed.push(await impl.seal(c))
  const enc = await measure(total, async () => { for (const c of chunks) await impl.seal(c) }, true)
  const dec = await measure(total, async () => { for (const c of sealed) await impl.open(c) }, true)
  const row: BenchRow = { suite: 'aead', impl: impl.name, env: opts.env, config, bytes: total, encodeMBps: enc, decodeMBps: dec }
  opts.onRow?.(row)
  return row
}

/** Hash suite: the payload in 1 MiB chunks (streaming update where the API has it). */
export async function hashSuite (opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const total = (opts.quick ? 8 : 64) * CHUNK
  const chunks = Array.from({ length: total / CHUNK }, (_, i) => { const c = new Uint8Array(CHUNK); fillRandom(c, i + 21); return c })
  const hw = await createBLAKE3()
  const impls: Array<{ name: string, run: () => unknown, note?: string }> = [
    { name: 'noble-blake3', run: () => { const h = nobleBlake3.create(); for (const c of chunks) h.update(c); return h.digest() } },
    { name: 'hash-wasm-blake3', run: () => { hw.init(); for (const c of chunks) hw.update(c); return hw.digest('binary') } },
    { name: 'webcrypto-sha256', run: async () => { for (const c of chunks) await globalThis.crypto.subtle.digest('SHA-256', c) }, note: 'one digest per chunk (no streaming)' }
  ]
  if (blake3SimdSupported()) {
    const ours = new Blake3SimdHasher()
    const run = (): Uint8Array => { ours.reset(); for (const c of chunks) ours.update(c); return ours.digest() }
    // Bit-identical in this engine too (the unit tests run in Node only).
    hw.init(); for (const c of chunks) hw.update(c)
    const expected = hw.digest('binary')
    if (!run().every((b, i) => b === expected[i])) throw new Error('ours-simd: digest differs from hash-wasm')
    impls.push({ name: 'ours-simd', run })
  }
  // Rounds alternate between implementations so machine noise hits all of them alike; the
  // median per implementation is reported, and ratios are against hash-wasm in this run.
  const rounds = opts.quick ? 3 : 5
  const rates = new Map<string, number[]>(impls.map(i => [i.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const impl of impls) rates.get(impl.name)?.push(await measure(total, impl.run, true))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
  const hwRate = median(rates.get('hash-wasm-blake3') ?? [])
  for (const impl of impls) {
    const rate = median(rates.get(impl.name) ?? [])
    const vsHashWasm = impl.name.includes('blake3') || impl.name === 'ours-simd' ? `${(rate / hwRate).toFixed(2)}× hash-wasm` : undefined
    const note = [impl.note, vsHashWasm].filter(x => x !== undefined).join('; ')
    const row: BenchRow = { suite: 'hash', impl: impl.name, env: opts.env, config: '1MiB-chunks', bytes: total, encodeMBps: rate, decodeMBps: null, ...(note !== '' ? { note } : {}) }
    rows.push(row); opts.onRow?.(row)
  }
  return rows
}
