import { describe, expect, it } from 'vitest'
import { MemoryFragmentStore, MemoryQuota, MemoryTesseraStore, MemoryVaultStore } from '../../../src/store/memory/index.js'
import { makeFragmentId, makeRecord, randomBytes, recordBytes, rejection } from '../../compliance/fixtures.js'

describe('MemoryQuota', () => {
  it('rejects a negative or NaN quota with RangeError', () => {
    expect(() => new MemoryQuota(-1)).toThrow(RangeError)
    expect(() => new MemoryQuota(Number.NaN)).toThrow(RangeError)
  })

  it('is shared by stores given the same quota, like one device disk', async () => {
    const quota = new MemoryQuota(1000)
    const fragments = new MemoryFragmentStore({ quota })
    const tesseras = new MemoryTesseraStore({ quota })
    await fragments.put(makeFragmentId(), randomBytes(600))
    const writer = await tesseras.begin()
    const err = await rejection(writer.putChunk(0, randomBytes(600)))
    expect(err.name).toBe('StorageFullError')
    expect(quota.usedBytes).toBe(600)
  })

  it('gives bytes back on delete, abort and overwrite', async () => {
    const tesseras = new MemoryTesseraStore({ quotaBytes: 10_000 })
    const quota = tesseras.data.quota
    const record = makeRecord({ chunkCount: 1 })
    const writer = await tesseras.begin()
    await writer.putChunk(0, randomBytes(100))
    await writer.putChunk(0, randomBytes(50))
    expect(quota.usedBytes).toBe(50)
    await writer.commit(record)
    expect(quota.usedBytes).toBe(50 + recordBytes(record))
    await tesseras.delete(record.hashHex)
    expect(quota.usedBytes).toBe(0)
    const aborted = await tesseras.begin()
    await aborted.putChunk(0, randomBytes(100))
    await aborted.abort()
    expect(quota.usedBytes).toBe(0)
  })
})

describe('MemoryVaultStore', () => {
  it('zeroes the held entropy on clear and on replace', async () => {
    const vault = new MemoryVaultStore()
    const held = randomBytes(32)
    vault.setRawForTesting({ entropy: held, language: 'en', createdAt: 1 })
    await vault.clear()
    expect(held.every(b => b === 0)).toBe(true)
    expect(await vault.get()).toBeUndefined()
    const replaced = randomBytes(32)
    vault.setRawForTesting({ entropy: replaced, language: 'en', createdAt: 1 })
    await vault.put({ entropy: randomBytes(32), language: 'pt', createdAt: 2 })
    expect(replaced.every(b => b === 0)).toBe(true)
  })
})

describe('MemoryTesseraStore chunk ownership', () => {
  it('keeps a given chunk as it is and lends it without a copy; by default it copies both ways', async () => {
    const store = new MemoryTesseraStore()
    const writer = await store.begin()
    const given = new Uint8Array([1, 2, 3])
    const copied = new Uint8Array([4, 5, 6])
    await writer.putChunk(0, given, { give: true })
    await writer.putChunk(1, copied)
    expect(await writer.getChunk(0, { borrow: true })).toBe(given)
    expect(await writer.getChunk(0)).not.toBe(given)
    copied.fill(0)
    expect(await writer.getChunk(1, { borrow: true })).toEqual(new Uint8Array([4, 5, 6]))
    await writer.abort()
  })
})

