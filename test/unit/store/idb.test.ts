// IndexedDB-adapter behaviour that the port-level compliance suite cannot reach: engine
// aborts, connection life cycle (blocking, terminated), schema, and values read back in odd
// shapes. Runs against fake-indexeddb.
import 'fake-indexeddb/auto'
import { forceCloseDatabase } from 'fake-indexeddb'
import { deleteDB, openDB, unwrap } from 'idb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type IdbStores, DB_VERSION, openIdbStores } from '../../../src/store/idb/index.js'
import { Connection } from '../../../src/store/idb/connection.js'
import { makeRecord, randomBytes, rejection } from '../../compliance/fixtures.js'

let counter = 0
const opened: IdbStores[] = []
const names: string[] = []
const restores: Array<() => void> = []

async function fresh (init: { onBlocked?: () => void } = {}): Promise<IdbStores & { name: string }> {
  const name = `tesseras-unit-${counter++}`
  names.push(name)
  const stores = await openIdbStores({ name, ...init })
  opened.push(stores)
  return { ...stores, name }
}

async function raw<T> (name: string, fn: (db: Awaited<ReturnType<typeof openDB>>) => Promise<T>): Promise<T> {
  const db = await openDB(name)
  try {
    return await fn(db)
  } finally {
    db.close()
  }
}

/**
 * Makes the engine abort the transaction of the next matching put with QuotaExceededError,
 * the way a browser reports a full disk (the request fails with AbortError, `tx.error` holds
 * the real reason). Uses fake-indexeddb internals (`_abort`), so this is Node only.
 */
function engineQuotaAbortOn (matches: (value: unknown) => boolean): void {
  const proto = globalThis.IDBObjectStore.prototype
  const original = proto.put
  proto.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const request = original.call(this, value, key)
    if (matches(value)) {
      proto.put = original
      ;(this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError')
    }
    return request
  }
  restores.push(() => { proto.put = original })
}

afterEach(async () => {
  for (const r of restores.splice(0)) r()
  for (const s of opened.splice(0)) s.close()
  for (const n of names.splice(0)) await deleteDB(n)
})

describe('IndexedDB schema', () => {
  it('creates version 2 with every store, key and index', async () => {
    const { name } = await fresh()
    await raw(name, async db => {
      expect(DB_VERSION).toBe(2)
      expect(db.version).toBe(2)
      expect([...db.objectStoreNames].sort()).toEqual(['accounts', 'chunks', 'fragments', 'ledger', 'manifests', 'meta', 'pending', 'replicas', 'tesseras', 'vault'])
      const tx = db.transaction(['tesseras', 'chunks', 'ledger', 'accounts', 'replicas', 'manifests'])
      const tesseras = tx.objectStore('tesseras')
      expect(tesseras.keyPath).toBe('hashHex')
      expect([...tesseras.indexNames]).toEqual(['bySavedAt'])
      expect(tesseras.index('bySavedAt').keyPath).toBe('savedAt')
      expect(tx.objectStore('chunks').keyPath).toBeNull()
      expect(tx.objectStore('ledger').keyPath).toEqual(['peerId', 'direction', 'fragmentKey'])
      expect(tx.objectStore('ledger').index('byFragment').keyPath).toEqual(['direction', 'fragmentKey'])
      expect(tx.objectStore('accounts').keyPath).toBe('peerId')
      expect(tx.objectStore('replicas').keyPath).toEqual(['tesseraHashHex', 'index', 'holderId'])
      expect(tx.objectStore('replicas').index('byHolder').keyPath).toBe('holderId')
      expect(tx.objectStore('manifests').keyPath).toBeNull()
      await tx.done
    })
  })

  it('upgrades a version-1 database to version 2 keeping its tesseras and fragments', async () => {
    const name = `tesseras-unit-${counter++}`
    names.push(name)
    // A v1 database as the v1 app left it (its upgrade step, verbatim): one committed tessera and one fragment.
    const v1 = await openDB(name, 1, {
      upgrade: db => {
        db.createObjectStore('tesseras', { keyPath: 'hashHex' }).createIndex('bySavedAt', 'savedAt')
        for (const store of ['chunks', 'pending', 'fragments', 'vault', 'meta']) db.createObjectStore(store)
      }
    })
    const record = makeRecord({ chunkCount: 1 })
    await v1.put('tesseras', { ...record, writerId: 'w1' })
    await v1.put('chunks', randomBytes(8), ['w1', 0])
    const fragmentKey = [record.hashHex, 0, 'ab'.repeat(32), 1]
    await v1.put('fragments', randomBytes(5), fragmentKey)
    v1.close()
    const stores = await openIdbStores({ name })
    opened.push(stores)
    expect((await stores.tesseras.get(record.hashHex))?.hashHex).toBe(record.hashHex)
    expect(await stores.fragments.list()).toEqual([{ tesseraHashHex: record.hashHex, index: 0, checksumHex: 'ab'.repeat(32), shardCount: 1 }])
    expect(await stores.ledger.entries()).toEqual([])
    expect(await stores.replicas.tesseras()).toEqual([])
    await raw(name, async db => { expect(db.version).toBe(2) })
  })

  it('stores the writer id on the record but does not return it', async () => {
    const s = await fresh()
    const record = makeRecord({ chunkCount: 1 })
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(8))
    await writer.commit(record)
    const stored = await raw(s.name, async db => await db.get('tesseras', record.hashHex))
    expect(stored.writerId).toBe(writer.id)
    expect(await raw(s.name, async db => await db.count('chunks', IDBKeyRange.bound([writer.id, 0], [writer.id, Infinity])))).toBe(1)
    expect(await s.tesseras.get(record.hashHex)).not.toHaveProperty('writerId')
  })
})

describe('grouped chunk writes', () => {
  it('writes chunks put at once in a few transactions, each put settling once its chunk is stored', async () => {
    const s = await fresh()
    const writer = await s.tesseras.begin()
    const proto = globalThis.IDBDatabase.prototype
    const original = proto.transaction
    let chunkTransactions = 0
    proto.transaction = function (this: IDBDatabase, names: string | string[], ...rest: unknown[]) {
      if ([names].flat().includes('chunks')) chunkTransactions++
      return (original as (...a: unknown[]) => IDBTransaction).call(this, names, ...rest)
    } as typeof proto.transaction
    restores.push(() => { proto.transaction = original })
    const puts = Array.from({ length: 20 }, async (_, i) => { await writer.putChunk(i, randomBytes(64)); return i })
    expect(await Promise.all(puts)).toHaveLength(20)
    // The first chunk goes alone; the 19 that waited meanwhile go 8 at a time.
    expect(chunkTransactions).toBe(4)
    expect(await raw(s.name, async db => await db.count('chunks'))).toBe(20)
  })
})

describe('quota reported by the engine as a transaction abort', () => {
  it('fails every chunk waiting for the failed group with StorageFullError and keeps nothing', async () => {
    const s = await fresh()
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(100))
    engineQuotaAbortOn(v => v instanceof Uint8Array)
    const results = await Promise.allSettled(Array.from({ length: 12 }, async (_, i) => { await writer.putChunk(i + 1, randomBytes(100)) }))
    expect(results.map(r => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'))).toEqual(Array(12).fill('StorageFullError'))
    expect(await raw(s.name, async db => await db.count('chunks'))).toBe(0)
    expect(await raw(s.name, async db => await db.count('pending'))).toBe(0)
  })

  it('maps it to StorageFullError during putChunk and releases the writer', async () => {
    const s = await fresh()
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(100))
    engineQuotaAbortOn(v => v instanceof Uint8Array)
    const err = await rejection(writer.putChunk(1, randomBytes(100)))
    expect(err.name).toBe('StorageFullError')
    expect((err.cause as Error).name).toBe('QuotaExceededError')
    expect(await raw(s.name, async db => await db.count('chunks'))).toBe(0)
    expect(await raw(s.name, async db => await db.count('pending'))).toBe(0)
  })

  it('maps it to StorageFullError during commit and keeps nothing', async () => {
    const s = await fresh()
    const record = makeRecord({ chunkCount: 1 })
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(100))
    engineQuotaAbortOn(v => (v as { hashHex?: unknown } | undefined)?.hashHex === record.hashHex)
    const err = await rejection(writer.commit(record))
    expect(err.name).toBe('StorageFullError')
    expect((err.cause as Error).name).toBe('QuotaExceededError')
    expect(await s.tesseras.list()).toEqual([])
    expect(await raw(s.name, async db => await db.count('chunks'))).toBe(0)
    expect(await raw(s.name, async db => await db.count('pending'))).toBe(0)
  })

  it('maps other engine failures to StoreError with the cause kept', async () => {
    const s = await fresh()
    const proto = globalThis.IDBObjectStore.prototype
    const original = proto.put
    proto.put = function () { throw new DOMException('disk on fire', 'UnknownError') }
    restores.push(() => { proto.put = original })
    const err = await rejection(s.fragments.put({ tesseraHashHex: 'a'.repeat(64), index: 0, shardCount: 1, checksumHex: 'b'.repeat(64) }, randomBytes(4)))
    expect(err.name).toBe('StoreError')
    expect(err.code).toBe('ERR_STORE')
    expect((err.cause as Error).name).toBe('UnknownError')
  })
})

describe('connection life cycle', () => {
  it('closes and calls onBlocked when a newer version wants the database', async () => {
    const onBlocked = vi.fn()
    const s = await fresh({ onBlocked })
    const newer = await openDB(s.name, DB_VERSION + 1)
    expect(onBlocked).toHaveBeenCalledTimes(1)
    expect(newer.version).toBe(DB_VERSION + 1)
    newer.close()
    const err = await rejection(s.tesseras.list())
    expect(err.name).toBe('StoreError')
    expect(err.message).toMatch(/reload/)
  })

  it('reopens after the browser terminated the connection', async () => {
    const name = `tesseras-unit-${counter++}`
    names.push(name)
    const conn = new Connection(name)
    const first = await conn.db()
    forceCloseDatabase(unwrap(first) as unknown as Parameters<typeof forceCloseDatabase>[0])
    const second = await conn.db()
    expect(second).not.toBe(first)
    expect([...second.objectStoreNames]).toContain('tesseras')
    conn.close()
  })

  it('fails every call with StoreError after close', async () => {
    const s = await fresh()
    s.close()
    s.close()
    expect((await rejection(s.vault.get())).name).toBe('StoreError')
  })

  it('fails to open a database of a newer version with StoreError', async () => {
    const name = `tesseras-unit-${counter++}`
    names.push(name)
    const newer = await openDB(name, DB_VERSION + 5)
    newer.close()
    const err = await rejection(openIdbStores({ name }))
    expect(err.name).toBe('StoreError')
    expect((err.cause as Error).name).toBe('VersionError')
  })
})

describe('values read back', () => {
  it('returns a chunk stored as an ArrayBuffer or another view as a Uint8Array', async () => {
    const s = await fresh()
    const record = makeRecord({ chunkCount: 2 })
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(8))
    await writer.putChunk(1, randomBytes(8))
    await writer.commit(record)
    await raw(s.name, async db => {
      await db.put('chunks', new Uint8Array([1, 2, 3]).buffer, [writer.id, 0])
      await db.put('chunks', new DataView(new Uint8Array([4, 5]).buffer), [writer.id, 1])
    })
    const first = await s.tesseras.getChunk(record.hashHex, 0)
    expect(first).toBeInstanceOf(Uint8Array)
    expect([...first!]).toEqual([1, 2, 3])
    expect([...(await s.tesseras.getChunk(record.hashHex, 1))!]).toEqual([4, 5])
  })

  it('throws CorruptRecordError for a chunk that is not bytes', async () => {
    const s = await fresh()
    const record = makeRecord({ chunkCount: 1 })
    const writer = await s.tesseras.begin()
    await writer.putChunk(0, randomBytes(8))
    await writer.commit(record)
    await raw(s.name, async db => { await db.put('chunks', 'text', [writer.id, 0]) })
    expect((await rejection(s.tesseras.getChunk(record.hashHex, 0))).name).toBe('CorruptRecordError')
  })

  it('throws CorruptRecordError from getChunk when the record has no writer id', async () => {
    const s = await fresh()
    const record = makeRecord({ chunkCount: 1 })
    await raw(s.name, async db => { await db.put('tesseras', { ...record }) })
    expect((await rejection(s.tesseras.getChunk(record.hashHex, 0))).name).toBe('CorruptRecordError')
  })
})
