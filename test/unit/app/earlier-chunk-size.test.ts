/**
 * Memories saved before the payload chunk size became 896 KiB (src/core/constants.ts) were
 * sealed in 1 MiB chunks. Each payload header records its chunk size, so they still open: this
 * saves one with the earlier default, then serves its file and checks it with today's modules.
 */
import { describe, expect, it, vi } from 'vitest'
import type { TesseraMetadata } from '../../../src/core/types.js'
import type { TesseraRecord } from '../../../src/core/ports.js'

const MiB = 1024 * 1024
const metadata: TesseraMetadata = {
  title: 'Before', description: '', date: '2025-05-01', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private'
}

function bytes (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24 }
  return out
}

describe('a memory sealed in 1 MiB chunks by an earlier version', () => {
  it('still opens: its file reads back exactly, across its chunk edges', async () => {
    vi.resetModules()
    vi.doMock('../../../src/core/constants.js', async (importOriginal) => ({ ...await importOriginal<object>(), DEFAULT_CHUNK_BYTES: MiB }))
    const before = {
      library: await import('../../../src/app/library.js'),
      stores: await import('../../../src/store/index.js'),
      codec: await import('./inline-codec.js')
    }
    const tesseras = new before.stores.MemoryTesseraStore()
    const vault = new before.stores.MemoryVaultStore()
    const old = new before.library.Library({ codec: before.codec.inlineCodec(), tesseras, vault, makeThumbnail: async () => undefined, createObjectURL: () => '', revokeObjectURL: () => {} })
    await old.confirmVault(old.newVault('en'))
    const data = bytes(5 * MiB + 777, 9)
    const hashHex = await old.save({ files: [new File([data as Uint8Array<ArrayBuffer>], 'old.bin', { lastModified: 1 })], metadata })
    const record = await tesseras.get(hashHex) as TesseraRecord
    expect(record.manifest.chunkSize).toBe(MiB)

    vi.doUnmock('../../../src/core/constants.js')
    vi.resetModules()
    const { DEFAULT_CHUNK_BYTES } = await import('../../../src/core/constants.js')
    expect(DEFAULT_CHUNK_BYTES).toBe(896 * 1024)
    const { createFileRoute, fileUrl } = await import('../../../src/app/file-route.js')
    const { Library } = await import('../../../src/app/library.js')
    const today = new Library({ codec: before.codec.inlineCodec(), tesseras, vault, makeThumbnail: async () => undefined, createObjectURL: () => '', revokeObjectURL: () => {} })
    expect(await today.load()).toBe(true)
    const entry = await today.get(hashHex)
    expect(entry?.ok === true ? [entry.index.metadata.title, entry.index.files.map(f => f.name)] : entry).toEqual(['Before', ['old.bin']])
    const route = createFileRoute({ tesseras, vault })
    const whole = await route(new Request(`http://x${fileUrl(hashHex, 0)}`))
    expect(whole.status).toBe(200)
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(data))).toBe(0)
    // Ranges that cross the old chunks' edges (container offset aside, near every MiB).
    for (const at of [MiB, 2 * MiB, 4 * MiB]) {
      const res = await route(new Request(`http://x${fileUrl(hashHex, 0)}`, { headers: { Range: `bytes=${at - 3000}-${at + 3000}` } }))
      expect(res.status).toBe(206)
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(data.subarray(at - 3000, at + 3001)))).toBe(0)
    }
  })
})
