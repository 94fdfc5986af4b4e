import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Worker } from 'node:worker_threads'
import { createCodecPool, type CodecClient, type WorkerLike } from '../../../src/codec/worker-client.js'
import type { TesseraMetadata } from '../../../src/core/types.js'
import { codecForRecovery } from '../../../src/app/recovery.js'
import { blake3, blake3Fast } from '../../../src/crypto/hash.js'
import { layoutSeal, newSealKeys, planSealRanges } from '../../../src/crypto/seal-plan.js'
import type { SealRangeJobInput } from '../../../workers/rpc.js'

const metadata: TesseraMetadata = { title: 't', description: '', date: '2026-01-01', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private' }

/** Every message the worker sent, for asserting what happens after a cancel. */
const sent: Array<{ kind: string, jobId: number }> = []

/** The real codec worker, in a Node worker thread, seen through the pool's WorkerLike. */
function nodeWorker (): WorkerLike {
  // Vitest's TypeScript loader does not reach worker threads: register tsx's there first.
  const shim = new URL('./node-worker-shim.ts', import.meta.url).href
  const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(shim)}) })`, { eval: true })
  return {
    postMessage: (message, transfer) => { worker.postMessage(message, transfer as never) },
    addEventListener: (type: 'message' | 'error', listener: (ev: never) => void) => {
      if (type === 'message') worker.on('message', (data) => { sent.push(data); listener({ data } as never) })
      else worker.on('error', (err) => { listener({ message: err.message } as never) })
    },
    terminate: () => { void worker.terminate() }
  } as WorkerLike
}

function blob (bytes: number): Blob {
  const data = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i += 997) data[i] = i & 0xff
  return new Blob([data])
}

/** A one-range save of `files` as a `sealRange` job (what Library.save sends with a pool of one). */
function sealJob (files: Array<{ blob: Blob, name: string }>, vaultKey: Uint8Array, extra: Partial<SealRangeJobInput> = {}): SealRangeJobInput {
  const entries = files.map(f => ({ blob: f.blob, name: f.name, type: '', lastModified: 0 }))
  const layout = layoutSeal({ files: entries.map(f => ({ ...f, size: f.blob.size })), metadata })
  const split = planSealRanges(layout, 1)
  return {
    files: entries,
    headerBytes: layout.headerBytes,
    chunkSize: layout.chunkSize,
    chunkCount: layout.chunkCount,
    vaultKey,
    ...newSealKeys(vaultKey, layout.chunkSize),
    range: split.ranges[0],
    messages: split.messages,
    pieceBytes: split.pieceBytes,
    index: layout.index,
    ...extra
  }
}

// One worker for the whole file: starting a worker thread that compiles TypeScript is slow.
let pool: CodecClient
beforeAll(() => { pool = createCodecPool({ createWorker: nodeWorker, size: 1 }) })
afterAll(() => { pool.terminate() })

describe('codec worker pool (real worker in a Node worker thread)', () => {
  it('streams sealed chunks in order with their index, then returns the result', async () => {
    const indexes: number[] = []
    const result = await pool.run('sealRange', sealJob([{ blob: blob(3 * 1024 * 1024 + 5), name: 'a' }], new Uint8Array(32).fill(1)), {
      onChunk: ({ index, bytes }) => { indexes.push(index); expect(bytes.byteLength).toBeGreaterThan(0) }
    })
    expect(indexes).toEqual([0, 1, 2, 3])
    expect(result.shares).toHaveLength(1) // one lane (small tier, no parity)
    expect(result.shares[0]).toHaveLength(1) // small tier: only the tessera hash
    expect(result.shares[0][0].whole[0].cv).toHaveLength(32)
    expect(result.encryptedMetadata?.length).toBeGreaterThan(0)
  }, 30_000)

  it('cancellation rejects with AbortError, stops the chunks, and leaves the worker usable', async () => {
    const controller = new AbortController()
    let afterAbort = 0
    const run = pool.run('sealRange', sealJob([{ blob: blob(24 * 1024 * 1024), name: 'big' }], new Uint8Array(32).fill(1), { credit: 1 }), {
      signal: controller.signal,
      onChunk: async () => {
        if (controller.signal.aborted) afterAbort++
        controller.abort()
      }
    })
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    const jobId = sent.find(m => m.kind === 'chunk')?.jobId
    const seenAtAbort = sent.filter(m => m.jobId === jobId).length
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(afterAbort).toBe(0)
    // The worker itself stopped: it sent at most its final error after the cancel, no chunks.
    const later = sent.filter(m => m.jobId === jobId).slice(seenAtAbort)
    expect(later.filter(m => m.kind === 'chunk')).toEqual([])
    // The same worker takes the next job at once: the cancelled one is not still running.
    const chunks: number[] = []
    await pool.run('sealRange', sealJob([{ blob: blob(1000), name: 'small' }], new Uint8Array(32).fill(1)), { onChunk: ({ index }) => { chunks.push(index) } })
    expect(chunks).toEqual([0])
  }, 30_000)

  it('errors cross the worker boundary with their name and code', async () => {
    const wrongVault = await pool.run('sealRange', { ...sealJob([{ blob: blob(1000), name: 'a' }], new Uint8Array(32).fill(1)), vaultKey: new Uint8Array(32).fill(2) }).catch((e: unknown) => e)
    expect(wrongVault).toMatchObject({ name: 'DecryptionError', code: 'ERR_DECRYPTION_FAILED' })
    const badRange = await pool.run('sealRange', { ...sealJob([{ blob: blob(1000), name: 'a' }], new Uint8Array(32).fill(1)), range: { first: 0, end: 2, from: 0, to: 2000 } }).catch((e: unknown) => e)
    expect(badRange).toMatchObject({ name: 'RangeError' })
    const bad = await pool.run('openRecord', { vaultKey: new Uint8Array(32), wrappedKey: new Uint8Array(72), encryptedMetadata: new Uint8Array(64) }).catch((e: unknown) => e)
    expect(bad).toMatchObject({ name: 'DecryptionError', code: 'ERR_DECRYPTION_FAILED' })
  }, 30_000)

  it('a consumer failure (e.g. storage full) cancels the job and is the error reported', async () => {
    const full = Object.assign(new Error('disk full'), { name: 'StorageFullError', code: 'ERR_STORAGE_FULL' })
    let chunks = 0
    const err = await pool.run('sealRange', sealJob([{ blob: blob(8 * 1024 * 1024), name: 'x' }], new Uint8Array(32).fill(2)), {
      onChunk: () => { chunks++; if (chunks === 2) throw full }
    }).catch((e: unknown) => e)
    expect(err).toBe(full)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(chunks).toBe(2)
  }, 30_000)

  it('moves input buffers instead of copying them', async () => {
    const thumbnail = new Uint8Array(4096).fill(9)
    await pool.run('sealRange', sealJob([{ blob: blob(100), name: 'a' }], new Uint8Array(32).fill(1), { thumbnail }), { transfer: [thumbnail.buffer] })
    expect(thumbnail.byteLength).toBe(0) // detached: it went to the worker
  }, 30_000)

  it('checks a recovered shard in the worker: the buffer goes in and comes back transferred, with its BLAKE3', async () => {
    const { checksum } = codecForRecovery(pool)
    const shard = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31 + 7) & 255)
    const expected = { checksum: await blake3Fast(shard), bytes: shard.slice() }
    const checked = await checksum!(shard)
    expect(shard.byteLength).toBe(0) // detached: moved to the worker, not copied
    expect(checked.checksum).toEqual(expected.checksum)
    expect(Buffer.from(checked.bytes).equals(Buffer.from(expected.bytes))).toBe(true)
    expect(checked.bytes.byteLength).toBe(checked.bytes.buffer.byteLength) // a whole buffer, ready to move on to openShards
    // A view into a larger buffer is copied once; the larger buffer stays the caller's.
    const backing = new Uint8Array(4096).fill(5)
    const view = backing.subarray(100, 1100)
    expect((await checksum!(view)).checksum).toEqual(blake3(backing.subarray(100, 1100)))
    expect(backing.byteLength).toBe(4096)
    await expect(pool.run('checksumShard', { bytes: 'not bytes' as never })).rejects.toMatchObject({ name: 'TypeError' })
  }, 30_000)
})
