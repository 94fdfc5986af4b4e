/**
 * Pipeline suite: the real save path (Library.save: each codec worker reads, seals
 * (AES-256-GCM) and hashes its lanes of the payload round robin, the tessera hash and data-shard
 * checksums combined from their pieces; RS parity + parity checksums encoded from the sealed
 * chunks as they arrive) and a recover pipeline (k of n shards → reconstruct → decrypt), on
 * 64 MiB (Medium, 16+8) and 256 MiB (Large, 48+24), with pools of 1 and 2 codec workers. The
 * host supplies workers, a store and a memory probe (Node: worker_threads, memory store, RSS;
 * Chromium: module workers, IndexedDB, renderer RSS). Web APIs only here.
 */
import { Library, WRITES_IN_FLIGHT } from '../../src/app/library.js'
import { createCodecPool, type WorkerLike } from '../../src/codec/worker-client.js'
import { Blake3SimdHasher, blake3SimdSupported, createReedSolomon, createStripedCoder, DEFAULT_STRIPE_BYTES } from '../../src/codec/index.js'
import { planFragments, shardRange } from '../../src/core/plan.js'
import type { TesseraStore, VaultStore, TesseraRecord } from '../../src/core/ports.js'
import type { TesseraMetadata } from '../../src/core/types.js'
import { createPayloadSealer, deriveVaultKeys, importPayloadKey, openPayloadStream, unwrapContentKey, payloadSizeFor } from '../../src/crypto/index.js'
import { createContainerReader } from '../../src/crypto/container-reader.js'
import { DEFAULT_CHUNK_BYTES } from '../../src/core/constants.js'
import type { BenchRow } from './suites.js'

export interface PipelineHost {
  env: BenchRow['env']
  quick: boolean
  createWorker: () => WorkerLike
  /** Cores of this machine (for the save bound). */
  cores: number
  /** A fresh store and vault; `storedBytes` = bytes the store holds in this process's memory. */
  /** Stores to save into: each is measured (Chromium: memory and IndexedDB). */
  storeKinds: Array<'memory' | 'idb'>
  /** Payload sizes in MiB (default 64 and 256; 64 only when quick). */
  sizesMiB?: number[]
  /** Only these store rows, e.g. `store-2w-memory` (default: all); recover runs with the first 2-worker one. */
  rows?: string[]
  makeStores: (kind: 'memory' | 'idb') => Promise<{ tesseras: TesseraStore, vault: VaultStore, storedBytes: () => number, close: () => Promise<void> }>
  /** A file of `mib` MiB of pseudo-random bytes as the host's users pick one (Chromium: on disk); default a Blob in memory. */
  makeFile?: (mib: number, seed: number) => Promise<File>
  /** Starts sampling resident memory (baseline now). */
  memoryStart: () => Promise<void>
  /** Stops sampling; returns the peak of (resident − baseline − storedBytes) in bytes. */
  memoryStop: () => Promise<number>
  /** CPU seconds used so far by the processes running this code and its workers (Chromium: the renderers; Node: this process). */
  cpuSeconds: () => Promise<number>
  /** The peak so far, without stopping (where the host can tell). */
  memoryPeek?: () => Promise<number>
  onRow?: (row: BenchRow) => void
}

const MiB = 1024 * 1024
const metadata: TesseraMetadata = { title: 'bench', description: '', date: '2026-01-01', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private' }

function fillRandom (buf: Uint8Array, seed: number): void {
  let x = seed | 1
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2)
  for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x }
}

/**
 * Reading the file alone, as a save's range does (the same container reader, blocks of
 * one chunk, reused): a ceiling of the save's first pass.
 */
async function readAlone (file: File): Promise<number> {
  const reader = createContainerReader(new Uint8Array(0), [{ blob: file, name: file.name, type: file.type, lastModified: file.lastModified }], 0, file.size)
  let block: Uint8Array = new Uint8Array(MiB)
  const t0 = performance.now()
  while (reader.remaining > 0) block = new Uint8Array((await reader.read(block)).buffer)
  return file.size / 1e6 / ((performance.now() - t0) / 1000)
}

/**
 * AES-256-GCM payload STREAM alone on `plain` (the same sealer and in-flight window as a save).
 * @param keep - keep the sealed chunks (default); else each is dropped once sealed, as a save drops them once stored
 */
async function aeadAlone (plain: Uint8Array, keep = true): Promise<{ sealMBps: number, sealed: Uint8Array[], header: Uint8Array, key: Uint8Array }> {
  const key = crypto.getRandomValues(new Uint8Array(32))
  const sealer = createPayloadSealer(key)
  const n = Math.ceil(plain.length / DEFAULT_CHUNK_BYTES)
  const sealed: Uint8Array[] = []
  const inFlight: Array<Promise<Uint8Array>> = []
  const settle = async (): Promise<void> => {
    const chunk = await (inFlight.shift() as Promise<Uint8Array>)
    if (keep) sealed.push(chunk)
  }
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    inFlight.push(sealer.seal(plain.subarray(i * DEFAULT_CHUNK_BYTES, Math.min(plain.length, (i + 1) * DEFAULT_CHUNK_BYTES)), i === n - 1))
    if (inFlight.length >= 4) await settle()
  }
  while (inFlight.length > 0) await settle()
  const ms = performance.now() - t0
  return { sealMBps: plain.length / 1e6 / (ms / 1000), sealed, header: sealer.header, key }
}

/**
 * Writing the sealed chunks alone into a fresh writer of the save's store, as a save writes
 * them (given, {@link WRITES_IN_FLIGHT} in flight), then releasing them: the store's ceiling.
 * @returns MB/s of sealed payload
 */
async function storeWriteAlone (tesseras: TesseraStore, sealed: Uint8Array[]): Promise<number> {
  const writer = await tesseras.begin()
  try {
    const writes: Array<Promise<void>> = []
    let bytes = 0
    const t0 = performance.now()
    for (const [i, chunk] of sealed.entries()) {
      bytes += chunk.length
      writes.push(writer.putChunk(i, chunk, { give: true }))
      while (writes.length > WRITES_IN_FLIGHT) await writes.shift()
    }
    await Promise.all(writes)
    return bytes / 1e6 / ((performance.now() - t0) / 1000)
  } finally {
    await writer.abort()
  }
}

async function openAlone (key: Uint8Array, header: Uint8Array, sealed: Uint8Array[]): Promise<number> {
  const t0 = performance.now()
  let bytes = 0
  for await (const p of openPayloadStream(key, sealed, header, sealed.length)) bytes += p.length
  return bytes / 1e6 / ((performance.now() - t0) / 1000)
}

/** Reads the stored payload back as one buffer (setup for the recover pipeline, not timed). */
async function storedPayload (tesseras: TesseraStore, record: TesseraRecord): Promise<Uint8Array> {
  const out = new Uint8Array(record.manifest.size)
  out.set(record.payloadHeader, 0)
  let at = record.payloadHeader.length
  for (let i = 0; i < record.chunkCount; i++) {
    const c = await tesseras.getChunk(record.hashHex, i) as Uint8Array
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * The most any save of this payload could reach on `cores` cores, from what the format requires
 * of every payload byte, each part measured alone in the same run: BLAKE3 over the data twice
 * (the tessera hash and the data-shard checksums) and over the parity once (m/k of a byte), RS
 * parity on shards already in WebAssembly memory (no stripe copies), both timed on this thread,
 * and the AEAD at the CPU time its alone run took (all threads of the processes running it).
 * Reading the file, copies, messages and the store are left out: no save can beat it. Where 80%
 * of the AEAD-alone rate lies above it, that target cannot be met on this machine by any split
 * of the work.
 * @param aeadCpuPerMB - CPU seconds the AEAD alone used per MB
 * @returns the bound and its parts, or undefined where the SIMD hash kernel is missing
 */
function saveBound (sealed: Uint8Array[], k: number, m: number, aeadCpuPerMB: number, cores: number): BenchRow['bound'] {
  if (!blake3SimdSupported()) return undefined
  /** The better of two timings (a slow one would lower the bound). */
  const best = (bytes: number, run: () => void): number => Math.max(...[0, 1].map(() => {
    const t0 = performance.now()
    run()
    return bytes / 1e6 / ((performance.now() - t0) / 1000)
  }))
  const hasher = new Blake3SimdHasher()
  const bytes = sealed.reduce((sum, c) => sum + c.length, 0)
  const hashMBps = best(bytes, () => { hasher.reset(); for (const c of sealed) hasher.update(c); hasher.digest() })
  const ws = createReedSolomon(k, m).createWorkspace(DEFAULT_STRIPE_BYTES)
  for (let i = 0; i < k; i++) fillRandom(ws.shards[i], i + 1)
  const rounds = Math.ceil(bytes / (k * ws.shardBytes))
  const parityMBps = best(rounds * k * ws.shardBytes, () => { for (let r = 0; r < rounds; r++) ws.encode() })
  const secondsPerMB = (2 + m / k) / hashMBps + 1 / parityMBps + aeadCpuPerMB
  return { MBps: cores / secondsPerMB, cores, hashMBps, parityMBps, aeadCpuMsPerMB: aeadCpuPerMB * 1000 }
}

/**
 * Recover: given the k shards left after losing the first m data shards (worst case),
 * reconstruct the lost data stripe by stripe, then decrypt the payload chunk by chunk.
 * @returns MB/s of plaintext
 */
async function recover (payload: Uint8Array, record: TesseraRecord, contentKey: Uint8Array): Promise<number> {
  const { k, m, shardSize } = record.manifest
  const plan = planFragments(payload.length)
  // Setup (not timed): the surviving shards, parity generated like a holder would have it.
  const shard = (i: number): Uint8Array => {
    const { start, end } = shardRange(plan, i, payload.length)
    if (end - start === shardSize) return payload.subarray(start, end)
    const s = new Uint8Array(shardSize); s.set(payload.subarray(start, end)); return s
  }
  const rs = createReedSolomon(k, m)
  const enc = createStripedCoder(rs, payload.length)
  const parity = Array.from({ length: m }, () => new Uint8Array(shardSize))
  for (let s = 0; s < enc.stripeCount; s++) {
    enc.loadPayload(s, payload)
    const { start } = enc.stripe(s)
    enc.encodeStripe(s).forEach((p, j) => parity[j].set(p, start))
  }
  const present: Array<Uint8Array | undefined> = [...Array.from({ length: k }, (_, i) => (i < m ? undefined : shard(i))), ...parity]
  const key = await importPayloadKey(contentKey, ['decrypt'])
  const t0 = performance.now()
  // Timed: reconstruct the m lost data shards.
  const restored = Array.from({ length: m }, () => new Uint8Array(shardSize))
  const dec = createStripedCoder(rs, payload.length)
  for (let s = 0; s < dec.stripeCount; s++) {
    const { start, end } = dec.stripe(s)
    const cols = dec.reconstructStripe(s, present.map(p => p?.subarray(start, end)), { dataOnly: true })
    for (let i = 0; i < m; i++) restored[i].set(cols[i], start)
  }
  const shards = present.slice(0, k).map((p, i) => p ?? restored[i])
  // Then decrypt: sealed chunks cut from the shards in payload order.
  const headerBytes = 24
  const sealedSize = record.manifest.chunkSize + 16
  const readPayload = (from: number, len: number): Uint8Array => {
    const out = new Uint8Array(len)
    let done = 0
    while (done < len) {
      const pos = from + done
      const i = Math.floor(pos / shardSize)
      const within = pos - i * shardSize
      const take = Math.min(len - done, shardSize - within)
      out.set(shards[i].subarray(within, within + take), done)
      done += take
    }
    return out
  }
  const header = readPayload(0, headerBytes)
  function * chunks (): Generator<Uint8Array> {
    for (let at = headerBytes; at < payload.length; at += sealedSize) yield readPayload(at, Math.min(sealedSize, payload.length - at))
  }
  let bytes = 0
  for await (const p of openPayloadStream(key, chunks(), header, record.chunkCount)) bytes += p.length
  return bytes / 1e6 / ((performance.now() - t0) / 1000)
}

/** Runs the pipeline suite; see the module note. */
export async function pipelineSuite (host: PipelineHost): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const push = (row: BenchRow): void => { rows.push(row); host.onRow?.(row) }
  const sizes = (host.sizesMiB ?? (host.quick ? [64] : [64, 256])).map(s => s * MiB)
  for (const size of sizes) {
    let file: File
    let plain: Uint8Array
    if (host.makeFile !== undefined) {
      file = await host.makeFile(size / MiB, size)
      plain = new Uint8Array(await file.arrayBuffer())
    } else {
      plain = new Uint8Array(size)
      fillRandom(plain, size)
      file = new File([plain as Uint8Array<ArrayBuffer>], 'bench.bin', { type: 'application/octet-stream', lastModified: 1 })
    }
    const plan = planFragments(payloadSizeFor(size + 1024, MiB))
    const config = `${size / MiB}MiB-${plan.k}+${plan.m}`
    const combos = [1, 2].flatMap(w => host.storeKinds.map(k => [w, k] as const))
      .filter(([w, k]) => host.rows === undefined || host.rows.includes(`store-${w}w-${k}`))
    for (const [workers, kind] of combos) {
      const pool = createCodecPool({ createWorker: host.createWorker, size: workers })
      const stores = await host.makeStores(kind)
      try {
        const library = new Library({ codec: pool, tesseras: stores.tesseras, vault: stores.vault, makeThumbnail: async () => undefined, createObjectURL: () => '', revokeObjectURL: () => {} })
        await library.confirmVault(library.newVault('en'))
        // Warm-up: start the workers, compile WebAssembly, tier up.
        await library.save({ files: [new File([plain.subarray(0, 6 * MiB) as Uint8Array<ArrayBuffer>], 'warm.bin', { lastModified: 1 })], metadata })
        await host.memoryStart()
        const t0 = performance.now()
        // Marks (seen in a --trace): the save, and where its parity pass begins.
        performance.mark(`save:${workers}w-${kind}:start`)
        let parityMarked = false
        let sealEnd = t0
        let sealPeak: Promise<number> | undefined
        const hashHex = await library.save({ files: [file], metadata }, {
          onProgress: (p) => {
            if (p.phase === 'seal') sealEnd = performance.now()
            if (p.phase === 'parity' && !parityMarked) {
              parityMarked = true
              performance.mark(`save:${workers}w-${kind}:parity`)
              sealPeak = host.memoryPeek?.()
            }
          }
        })
        const ms = performance.now() - t0
        performance.mark(`save:${workers}w-${kind}:end`)
        const peak = await host.memoryStop()
        // What the AEAD alone costs in memory: its result buffers are left to the garbage collector.
        let aeadPeak: number | undefined
        if (!Number.isNaN(stores.storedBytes())) {
          await host.memoryStart()
          await aeadAlone(plain, false)
          aeadPeak = await host.memoryStop()
        }
        // The AEAD alone on the same data, right after (same process, same load).
        const cpu0 = await host.cpuSeconds()
        const alone = await aeadAlone(plain)
        // The CPU the AEAD alone took, all threads (WebCrypto seals on its own threads).
        const aeadCpuPerMB = (await host.cpuSeconds() - cpu0) / (size / 1e6)
        const readMBps = await readAlone(file)
        // The memory store keeps given chunks as they are: its ceiling is not a number worth printing.
        const storeWriteMBps = kind === 'idb' ? await storeWriteAlone(stores.tesseras, alone.sealed) : undefined
        const openMBps = await openAlone(alone.key, alone.header, alone.sealed)
        const bound = saveBound(alone.sealed, plan.k, plan.m, aeadCpuPerMB, host.cores)
        alone.sealed.length = 0
        const storeMBps = size / 1e6 / (ms / 1000)
        push({
          suite: 'pipeline', impl: `store-${workers}w-${kind}`, env: host.env, config, bytes: size,
          encodeMBps: storeMBps, decodeMBps: null,
          aeadMBps: alone.sealMBps, ratio: storeMBps / alone.sealMBps, readMBps, ...(bound !== undefined ? { bound } : {}), ...(storeWriteMBps !== undefined ? { storeWriteMBps } : {}),
          passMs: { seal: Math.round(sealEnd - t0), rest: Math.round(t0 + ms - sealEnd) }, ...(Number.isNaN(stores.storedBytes()) ? {} : { peakExtraMB: peak / 1e6, ...(aeadPeak !== undefined ? { aeadPeakExtraMB: aeadPeak / 1e6 } : {}), ...(sealPeak !== undefined ? { peakSealMB: await sealPeak / 1e6 } : {}) }),
          note: 'Library.save: lanes of pack+AES-GCM+BLAKE3 on each worker | stored | RS parity + parity checksums as chunks arrive'
        })
        if (workers === 2 && kind === combos.find(c => c[0] === 2)?.[1]) {
          const record = await stores.tesseras.get(hashHex) as TesseraRecord
          const payload = await storedPayload(stores.tesseras, record)
          const keys = deriveVaultKeys((await stores.vault.get())!.entropy)
          const contentKey = unwrapContentKey(keys.vaultKey, record.manifest.wrappedKey)
          const recoverMBps = await recover(payload, record, contentKey)
          push({
            suite: 'pipeline', impl: 'recover-1w', env: host.env, config, bytes: size,
            encodeMBps: null, decodeMBps: recoverMBps, aeadMBps: openMBps, ratio: recoverMBps / openMBps,
            note: `lose ${record.manifest.m} data shards, reconstruct, decrypt (in the bench thread)`
          })
        }
      } finally {
        pool.terminate()
        await stores.close()
      }
    }
  }
  return rows
}
