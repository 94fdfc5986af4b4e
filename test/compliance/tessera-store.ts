/**
 * Compliance suite of the {@link TesseraStore} port. Every adapter runs it (memory and
 * IndexedDB in Node against fake-indexeddb, IndexedDB in real Chromium). Portable: no Node APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AbortOptions, TesseraRecord, TesseraStore, TesseraWriter } from '../../src/core/ports.js'
import { type SuiteOptions, abortedSignal, makeRecord, randomBytes, recordBytes, rejection } from './fixtures.js'

/** What a tessera-store suite needs from an adapter besides the port. */
export interface TesseraStoreHarness {
  store: TesseraStore
  /** Another instance over the same storage: a second tab, or this app restarted after a crash. */
  sibling(): Promise<TesseraStore>
  /** Stores `raw` as the record at `raw.hashHex`, bypassing every check (broken-record tests). */
  writeRawRecord(raw: { hashHex: string } & Record<string, unknown>): Promise<void>
  /** Chunks held, committed or not, of every writer. */
  countChunks(): Promise<number>
  /** Pending markers held. */
  countPending(): Promise<number>
}

async function saveTessera (store: TesseraStore, record: TesseraRecord, chunks: Uint8Array[]): Promise<void> {
  const writer = await store.begin()
  for (const [i, c] of chunks.entries()) await writer.putChunk(i, c)
  await writer.commit(record)
}

function chunksFor (record: TesseraRecord, bytes = 100): Uint8Array[] {
  return Array.from({ length: record.chunkCount }, () => randomBytes(bytes))
}

const OPS_WITH_SIGNAL = ['begin', 'get', 'list', 'getChunk', 'delete', 'sweepIncomplete'] as const

/**
 * Registers the TesseraStore compliance tests.
 * @param name adapter name shown in the report
 */
export function describeTesseraStore (name: string, options: SuiteOptions<TesseraStoreHarness>): void {
  describe(`TesseraStore compliance: ${name}`, () => {
    let h: TesseraStoreHarness
    let store: TesseraStore

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    describe('absence', () => {
      it('returns undefined when the tessera is missing', async () => {
        const { hashHex } = makeRecord()
        expect(await store.get(hashHex)).toBeUndefined()
        expect(await store.getChunk(hashHex, 0)).toBeUndefined()
        expect(await store.list()).toEqual([])
      })

      it('deletes a missing tessera without error', async () => {
        await expect(store.delete(makeRecord().hashHex)).resolves.toBeUndefined()
      })

      it('returns undefined for a chunk index past the stored chunks', async () => {
        const record = makeRecord({ chunkCount: 1 })
        await saveTessera(store, record, chunksFor(record))
        expect(await store.getChunk(record.hashHex, 1)).toBeUndefined()
      })
    })

    describe('atomic save', () => {
      it('returns the committed record and its chunks', async () => {
        const record = makeRecord({ chunkCount: 3, thumbnailBytes: 50 })
        const chunks = chunksFor(record)
        await saveTessera(store, record, chunks)
        expect(await store.get(record.hashHex)).toEqual(record)
        for (const [i, c] of chunks.entries()) {
          const read = await store.getChunk(record.hashHex, i)
          expect(read).toBeInstanceOf(Uint8Array)
          expect(read).toEqual(c)
        }
        expect(await store.list()).toEqual([record])
      })

      it('shows nothing before commit', async () => {
        const record = makeRecord({ chunkCount: 2 })
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        await writer.putChunk(1, randomBytes(10))
        expect(await store.list()).toEqual([])
        expect(await store.get(record.hashHex)).toBeUndefined()
        expect(await store.getChunk(record.hashHex, 0)).toBeUndefined()
        await writer.commit(record)
        expect(await store.list()).toHaveLength(1)
      })

      it('keeps the last bytes when the same chunk index is put twice', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        const second = randomBytes(10)
        await writer.putChunk(0, second)
        await writer.commit(record)
        expect(await store.getChunk(record.hashHex, 0)).toEqual(second)
        expect(await h.countChunks()).toBe(1)
      })

      it('stores a copy: changing the caller’s bytes later does not change them', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const chunk = randomBytes(10)
        const copy = chunk.slice()
        const writer = await store.begin()
        await writer.putChunk(0, chunk)
        await writer.commit(record)
        chunk.fill(0)
        expect(await store.getChunk(record.hashHex, 0)).toEqual(copy)
      })

      it('stores only the bytes of a chunk given as a subarray', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const big = randomBytes(1000)
        const writer = await store.begin()
        await writer.putChunk(0, big.subarray(100, 110))
        await writer.commit(record)
        const read = await store.getChunk(record.hashHex, 0)
        expect(read).toEqual(big.slice(100, 110))
        expect(read?.buffer.byteLength).toBe(10)
      })

      it('keeps one copy when the same tessera is committed twice', async () => {
        const record = makeRecord({ chunkCount: 2 })
        const chunks = chunksFor(record)
        await saveTessera(store, record, chunks)
        await saveTessera(store, { ...record, savedAt: record.savedAt + 1 }, chunks)
        expect(await store.list()).toHaveLength(1)
        expect(await h.countChunks()).toBe(2)
        expect(await h.countPending()).toBe(0)
        expect(await store.getChunk(record.hashHex, 1)).toEqual(chunks[1])
      })

      it('saves several tesseras in parallel, chunks written in parallel', async () => {
        const records = Array.from({ length: 4 }, (_, i) => makeRecord({ chunkCount: 5, savedAt: 1000 + i }))
        const chunks = records.map(r => chunksFor(r, 64))
        await Promise.all(records.map(async (record, r) => {
          const writer = await store.begin()
          await Promise.all(chunks[r].map(async (c, i) => { await writer.putChunk(i, c) }))
          await writer.commit(record)
        }))
        expect((await store.list()).map(r => r.hashHex)).toEqual(records.map(r => r.hashHex).reverse())
        for (const [r, record] of records.entries()) {
          for (const [i, c] of chunks[r].entries()) expect(await store.getChunk(record.hashHex, i)).toEqual(c)
        }
        expect(await h.countChunks()).toBe(20)
      })

      it('reads back its own chunks before commit when the writer offers getChunk', async () => {
        const writer = await store.begin() as TesseraWriter & { getChunk?: (index: number, options?: AbortOptions) => Promise<Uint8Array | undefined> }
        if (writer.getChunk === undefined) {
          await writer.abort()
          return
        }
        const chunk = randomBytes(16)
        await writer.putChunk(0, chunk)
        expect(await writer.getChunk(0)).toEqual(chunk)
        expect(await writer.getChunk(1)).toBeUndefined()
        expect((await rejection(writer.getChunk(0, { signal: abortedSignal() }))).name).toBe('AbortError')
        await writer.commit(makeRecord({ chunkCount: 1 }))
        expect((await rejection(writer.getChunk(0))).name).toBe('WriterClosedError')
      })

      it('stores a chunk given to it (give: true) and lends it back (borrow: true) with the same bytes', async () => {
        const record = makeRecord({ chunkCount: 2 })
        const whole = randomBytes(32)
        const part = randomBytes(100).subarray(10, 42)
        const expected = [whole.slice(), part.slice()]
        const writer = await store.begin()
        await writer.putChunk(0, whole, { give: true })
        await writer.putChunk(1, part, { give: true })
        expect(await writer.getChunk(0, { borrow: true })).toEqual(expected[0])
        expect(await writer.getChunk(1, { borrow: true })).toEqual(expected[1])
        await writer.commit(record)
        expect(await store.getChunk(record.hashHex, 0)).toEqual(expected[0])
        // A given subarray is kept without the rest of its buffer.
        expect((await store.getChunk(record.hashHex, 1))?.buffer.byteLength).toBe(32)
      })

      it('gives each writer its own id', async () => {
        const [a, b] = await Promise.all([store.begin(), store.begin()])
        expect(a.id).not.toBe(b.id)
        await a.abort()
        await b.abort()
      })

      it('fails commit with StoreError when a chunk is missing, and the writer stays usable', async () => {
        const record = makeRecord({ chunkCount: 3 })
        const chunks = chunksFor(record)
        const writer = await store.begin()
        await writer.putChunk(0, chunks[0])
        await writer.putChunk(2, chunks[2])
        const err = await rejection(writer.commit(record))
        expect(err.name).toBe('StoreError')
        expect(err.code).toBe('ERR_STORE')
        expect(await store.get(record.hashHex)).toBeUndefined()
        await writer.putChunk(1, chunks[1])
        await writer.commit(record)
        expect(await store.getChunk(record.hashHex, 1)).toEqual(chunks[1])
      })

      it('fails commit with StoreError when more chunks were put than the record says', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(4))
        await writer.putChunk(1, randomBytes(4))
        expect((await rejection(writer.commit(record))).name).toBe('StoreError')
        await writer.abort()
        expect(await h.countChunks()).toBe(0)
      })

      it('rejects a malformed record with TypeError or RangeError', async () => {
        const writer = await store.begin()
        const record = makeRecord({ chunkCount: 0 })
        const cases: unknown[] = [
          null,
          { ...record, chunkCount: -1 },
          { ...record, hashHex: 'ABC' },
          { ...record, manifest: { ...record.manifest, signature: new Uint8Array(3) } },
          { ...record, manifest: { ...record.manifest, tesseraHash: 'x' } },
          { ...record, hashHex: makeRecord().hashHex }
        ]
        for (const bad of cases) {
          const err = await rejection(writer.commit(bad as TesseraRecord))
          expect(['TypeError', 'RangeError']).toContain(err.name)
        }
        await writer.commit(record)
        expect(await store.get(record.hashHex)).toEqual(record)
      })

      it('rejects a bad chunk index or chunk with TypeError or RangeError', async () => {
        const writer = await store.begin()
        for (const [index, bytes] of [[-1, new Uint8Array(1)], [1.5, new Uint8Array(1)], ['0', new Uint8Array(1)], [0, [1, 2]]] as const) {
          const err = await rejection(writer.putChunk(index as number, bytes as Uint8Array))
          expect(['TypeError', 'RangeError']).toContain(err.name)
        }
        await writer.abort()
      })
    })

    describe('abort', () => {
      it('releases every chunk and the pending marker', async () => {
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        await writer.putChunk(1, randomBytes(10))
        await writer.abort()
        expect(await h.countChunks()).toBe(0)
        expect(await h.countPending()).toBe(0)
        await expect(writer.abort()).resolves.toBeUndefined()
      })

      it('makes later writes fail with WriterClosedError', async () => {
        const writer = await store.begin()
        await writer.abort()
        expect((await rejection(writer.putChunk(0, randomBytes(1)))).name).toBe('WriterClosedError')
        expect((await rejection(writer.commit(makeRecord({ chunkCount: 0 })))).name).toBe('WriterClosedError')
        expect(await h.countChunks()).toBe(0)
      })

      it('keeps the tessera when called after commit', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const writer = await store.begin()
        const chunk = randomBytes(10)
        await writer.putChunk(0, chunk)
        await writer.commit(record)
        await writer.abort()
        expect(await store.getChunk(record.hashHex, 0)).toEqual(chunk)
        expect((await rejection(writer.putChunk(1, chunk))).name).toBe('WriterClosedError')
      })

      it('is safe after a failed commit', async () => {
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        await rejection(writer.commit(makeRecord({ chunkCount: 2 })))
        await writer.abort()
        expect(await h.countChunks()).toBe(0)
        expect(await h.countPending()).toBe(0)
      })
    })

    describe('sweepIncomplete', () => {
      it('sweeps the writers of a crashed instance', async () => {
        const crashed = await store.begin()
        await crashed.putChunk(0, randomBytes(10))
        await crashed.putChunk(1, randomBytes(10))
        const committed = makeRecord({ chunkCount: 1 })
        await saveTessera(store, committed, chunksFor(committed))
        const restarted = await h.sibling()
        expect(await restarted.sweepIncomplete()).toBe(1)
        expect(await h.countChunks()).toBe(1)
        expect(await h.countPending()).toBe(0)
        expect(await restarted.getChunk(committed.hashHex, 0)).toBeInstanceOf(Uint8Array)
        expect(await restarted.sweepIncomplete()).toBe(0)
      })

      it('makes a swept writer fail with WriterClosedError and leave nothing behind', async () => {
        const swept = await store.begin()
        await swept.putChunk(0, randomBytes(10))
        const other = await h.sibling()
        expect(await other.sweepIncomplete()).toBe(1)
        expect((await rejection(swept.putChunk(1, randomBytes(10)))).name).toBe('WriterClosedError')
        expect((await rejection(swept.commit(makeRecord({ chunkCount: 1 })))).name).toBe('WriterClosedError')
        expect(await h.countChunks()).toBe(0)
        expect(await store.list()).toEqual([])
      })

      it('spares writers this instance still has open', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        expect(await store.sweepIncomplete()).toBe(0)
        await writer.commit(record)
        expect(await store.list()).toHaveLength(1)
      })

      it('sweeps another instance’s writers and spares its own open ones', async () => {
        const writer = await store.begin()
        await writer.putChunk(0, randomBytes(10))
        const other = await h.sibling()
        const orphan = await other.begin()
        await orphan.putChunk(0, randomBytes(10))
        // `other` is never used again, as after a crash.
        expect(await store.sweepIncomplete()).toBe(1)
        expect(await h.countChunks()).toBe(1)
        await writer.abort()
      })
    })

    describe('delete', () => {
      it('removes the record and releases its chunks', async () => {
        const keep = makeRecord({ chunkCount: 2, savedAt: 1 })
        const gone = makeRecord({ chunkCount: 3, savedAt: 2 })
        await saveTessera(store, keep, chunksFor(keep))
        await saveTessera(store, gone, chunksFor(gone))
        await store.delete(gone.hashHex)
        expect(await store.get(gone.hashHex)).toBeUndefined()
        expect(await store.getChunk(gone.hashHex, 0)).toBeUndefined()
        expect(await store.list()).toEqual([keep])
        expect(await h.countChunks()).toBe(2)
      })
    })

    describe('list', () => {
      it('lists newest savedAt first', async () => {
        const saved = [5, 1, 9, 3].map(savedAt => makeRecord({ chunkCount: 0, savedAt }))
        for (const r of saved) await saveTessera(store, r, [])
        expect((await store.list()).map(r => (r as TesseraRecord).savedAt)).toEqual([9, 5, 3, 1])
      })
    })

    describe('broken records', () => {
      it('lists a malformed record as broken without failing the others', async () => {
        const good = makeRecord({ chunkCount: 0, savedAt: 10 })
        await saveTessera(store, good, [])
        const brokenHash = makeRecord().hashHex
        await h.writeRawRecord({ hashHex: brokenHash, savedAt: 20, manifest: 'not a manifest', writerId: 'w' })
        const noSavedAt = makeRecord().hashHex
        await h.writeRawRecord({ hashHex: noSavedAt, manifest: {} })
        const list = await store.list()
        expect(list.map(r => r.hashHex)).toEqual([brokenHash, good.hashHex, noSavedAt])
        expect(list[1]).toEqual(good)
        for (const i of [0, 2]) {
          const broken = list[i] as { hashHex: string, error: { name: string, code: string, message: string } }
          expect(broken.error.name).toBe('CorruptRecordError')
          expect(broken.error.code).toBe('ERR_CORRUPT_RECORD')
          expect(typeof broken.error.message).toBe('string')
        }
      })

      it('throws CorruptRecordError from get of a malformed record', async () => {
        const hashHex = makeRecord().hashHex
        const record = makeRecord()
        await h.writeRawRecord({ ...record, hashHex, savedAt: 'yesterday' })
        const err = await rejection(store.get(hashHex))
        expect(err.name).toBe('CorruptRecordError')
        expect(err.code).toBe('ERR_CORRUPT_RECORD')
      })

      it('deletes a malformed record', async () => {
        const hashHex = makeRecord().hashHex
        await h.writeRawRecord({ hashHex, savedAt: 1 })
        await store.delete(hashHex)
        expect(await store.list()).toEqual([])
      })

      it('replaces a malformed record on commit of the same tessera', async () => {
        const record = makeRecord({ chunkCount: 1 })
        await h.writeRawRecord({ hashHex: record.hashHex, savedAt: 1 })
        await saveTessera(store, record, chunksFor(record))
        expect(await store.get(record.hashHex)).toEqual(record)
      })
    })

    describe('cancellation', () => {
      it.each(OPS_WITH_SIGNAL)('rejects %s with AbortError when the signal is already aborted', async (op) => {
        const { hashHex } = makeRecord()
        const signal = abortedSignal()
        const calls: Record<typeof OPS_WITH_SIGNAL[number], () => Promise<unknown>> = {
          begin: async () => await store.begin({ signal }),
          get: async () => await store.get(hashHex, { signal }),
          list: async () => await store.list({ signal }),
          getChunk: async () => await store.getChunk(hashHex, 0, { signal }),
          delete: async () => await store.delete(hashHex, { signal }),
          sweepIncomplete: async () => await store.sweepIncomplete({ signal })
        }
        const err = await rejection(calls[op]())
        expect(err.name).toBe('AbortError')
        expect(err.code).toBe('ABORT_ERR')
        expect(await h.countPending()).toBe(0)
      })

      it('rejects putChunk and commit with AbortError and writes nothing', async () => {
        const record = makeRecord({ chunkCount: 1 })
        const writer = await store.begin()
        expect((await rejection(writer.putChunk(0, randomBytes(10), { signal: abortedSignal() }))).name).toBe('AbortError')
        expect(await h.countChunks()).toBe(0)
        await writer.putChunk(0, randomBytes(10))
        expect((await rejection(writer.commit(record, { signal: abortedSignal() }))).name).toBe('AbortError')
        expect(await store.list()).toEqual([])
        await writer.commit(record)
        expect(await store.list()).toHaveLength(1)
      })
    })

    describe('quota', () => {
      let q: TesseraStoreHarness | undefined
      afterEach(async () => {
        if (q !== undefined) await options.teardown(q)
        q = undefined
      })

      it('maps a full disk during putChunk to StorageFullError and keeps nothing partial', async () => {
        q = await options.setup({ quotaBytes: 3000 })
        const writer = await q.store.begin()
        await writer.putChunk(0, randomBytes(1000))
        await writer.putChunk(1, randomBytes(1000))
        await writer.putChunk(2, randomBytes(1000))
        const err = await rejection(writer.putChunk(3, randomBytes(1000)))
        expect(err.name).toBe('StorageFullError')
        expect(err.code).toBe('ERR_STORAGE_FULL')
        expect(err.cause).toBeDefined()
        expect(await q.countChunks()).toBe(0)
        expect(await q.countPending()).toBe(0)
        expect((await rejection(writer.putChunk(4, randomBytes(1))))?.name).toBe('WriterClosedError')
        await expect(writer.abort()).resolves.toBeUndefined()
        expect(await q.store.list()).toEqual([])
      })

      it('maps a full disk during commit to StorageFullError and keeps nothing partial', async () => {
        const record = makeRecord({ chunkCount: 2, thumbnailBytes: 5000 })
        q = await options.setup({ quotaBytes: 2000 + recordBytes(record) - 1 })
        const writer = await q.store.begin()
        await writer.putChunk(0, randomBytes(1000))
        await writer.putChunk(1, randomBytes(1000))
        const err = await rejection(writer.commit(record))
        expect(err.name).toBe('StorageFullError')
        expect(err.cause).toBeDefined()
        expect(await q.countChunks()).toBe(0)
        expect(await q.countPending()).toBe(0)
        expect(await q.store.get(record.hashHex)).toBeUndefined()
        expect(await q.store.list()).toEqual([])
      })
    })
  })
}
