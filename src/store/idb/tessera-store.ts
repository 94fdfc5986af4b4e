import { CorruptRecordError, StorageFullError, StoreError, WriterClosedError } from '../../core/errors.js'
import type { AbortOptions, BrokenRecord, GetChunkOptions, PutChunkOptions, TesseraRecord, TesseraStore, TesseraWriter } from '../../core/ports.js'
import { asBytes, compact, newWriterId } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import {
  assertBytes, assertChunkIndex, assertHashHex, assertTesseraRecord, brokenRecord, checkTesseraRecord,
  readTesseraRecord, savedAtOf, sortNewestFirst
} from '../record.js'
import type { Connection } from './connection.js'
import type { StoredTessera } from './schema.js'

/** Most chunks written in one transaction (IdbTesseraWriter.putChunk). */
export const CHUNKS_PER_WRITE = 8

/** Every chunk of one writer: `[id, 0] .. [id, Infinity]`. */
function writerRange (writerId: string): IDBKeyRange {
  return IDBKeyRange.bound([writerId, 0], [writerId, Number.POSITIVE_INFINITY])
}

function writerIdOf (held: unknown): string | undefined {
  const id = (held as { writerId?: unknown } | undefined)?.writerId
  return typeof id === 'string' ? id : undefined
}

/**
 * {@link TesseraStore} over IndexedDB, implementing [Note: Atomic save] of src/core/ports.ts:
 * - `begin` writes a pending marker `writerId → startedAt`;
 * - `putChunk` writes chunks at `[writerId, index]`, grouped several per transaction, after
 *   checking in that transaction that the marker still exists (so a writer swept by another tab
 *   cannot leave unowned chunks behind);
 * - `commit` counts the writer's chunks, writes the record and deletes the marker in ONE
 *   transaction;
 * - `abort` and `sweepIncomplete` delete a writer's chunks and marker in one transaction.
 * A quota failure in `putChunk` or `commit` releases everything the writer wrote, then throws
 * StorageFullError: nothing partial is kept.
 *
 * Create it with `openIdbStores()`; importable in a service worker (uses only `indexedDB`).
 */
export class IdbTesseraStore implements TesseraStore {
  readonly #conn: Connection
  /** Writers begun by this instance that are neither committed nor aborted. */
  readonly #open = new Set<string>()
  readonly #now: () => number

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection, now: () => number = Date.now) {
    this.#conn = conn
    this.#now = now
  }

  /** Starts an atomic write. @throws AbortError, StorageFullError, StoreError */
  async begin (options: AbortOptions = {}): Promise<TesseraWriter> {
    throwIfAborted(options.signal)
    const id = newWriterId()
    const startedAt = this.#now()
    await this.#conn.run(['pending'], 'readwrite', 'begin', async tx => {
      await tx.objectStore('pending').put(startedAt, id)
    })
    this.#open.add(id)
    return new IdbTesseraWriter(id, this.#conn, this.#open)
  }

  /** @returns undefined when absent. @throws CorruptRecordError when malformed, AbortError, StoreError */
  async get (hashHex: string, options: AbortOptions = {}): Promise<TesseraRecord | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    const held = await this.#conn.run(['tesseras'], 'readonly', 'get', async tx => await tx.objectStore('tesseras').get(hashHex))
    return held === undefined ? undefined : readTesseraRecord(held, hashHex)
  }

  /**
   * Every committed tessera, newest `savedAt` first (ties: hashHex descending). A malformed
   * record is returned as {@link BrokenRecord} and does not fail the list; records without a
   * usable `savedAt` are not in the `bySavedAt` index, so they are found by key and listed last.
   * @throws AbortError, StoreError
   */
  async list (options: AbortOptions = {}): Promise<Array<TesseraRecord | BrokenRecord>> {
    throwIfAborted(options.signal)
    const held = await this.#conn.run(['tesseras'], 'readonly', 'list', async tx => {
      const store = tx.objectStore('tesseras')
      const indexed: unknown[] = await store.index('bySavedAt').getAll()
      const total = await store.count()
      if (total === indexed.length) return indexed
      const seen = new Set(indexed.map(h => (h as { hashHex: string }).hashHex))
      for (const key of await store.getAllKeys()) {
        if (!seen.has(key)) indexed.push(await store.get(key))
      }
      return indexed
    })
    const items = held.map(h => {
      const hashHex = String((h as { hashHex: unknown }).hashHex)
      let item: TesseraRecord | BrokenRecord
      try {
        item = readTesseraRecord(h, hashHex)
      } catch (err) {
        item = brokenRecord(hashHex, err)
      }
      return { savedAt: savedAtOf(h), item }
    })
    return sortNewestFirst(items)
  }

  /**
   * Reads sealed chunk `index` of a committed tessera.
   * @returns undefined when the tessera or chunk is absent
   * @throws CorruptRecordError when the record has no writer id or the chunk is not bytes, AbortError, StoreError
   */
  async getChunk (hashHex: string, index: number, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    assertChunkIndex(index)
    const found = await this.#conn.run(['tesseras', 'chunks'], 'readonly', 'getChunk', async tx => {
      const held = await tx.objectStore('tesseras').get(hashHex)
      if (held === undefined) return undefined
      const writerId = writerIdOf(held)
      if (writerId === undefined) return { corrupt: 'record has no writer id' }
      return { chunk: await tx.objectStore('chunks').get([writerId, index]) as unknown }
    })
    if (found === undefined) return undefined
    if ('corrupt' in found) throw new CorruptRecordError(`tessera ${hashHex}: ${found.corrupt}`)
    if (found.chunk === undefined) return undefined
    const bytes = asBytes(found.chunk)
    if (bytes === undefined) throw new CorruptRecordError(`tessera ${hashHex}: chunk ${index} is not bytes`)
    return bytes
  }

  /** Removes the record and its chunks in one transaction. No error when absent. @throws AbortError, StoreError */
  async delete (hashHex: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    await this.#conn.run(['tesseras', 'chunks'], 'readwrite', 'delete', async tx => {
      const held = await tx.objectStore('tesseras').get(hashHex)
      if (held === undefined) return
      const writerId = writerIdOf(held)
      if (writerId !== undefined) await tx.objectStore('chunks').delete(writerRange(writerId))
      await tx.objectStore('tesseras').delete(hashHex)
    })
  }

  /**
   * Deletes the chunks and marker of every pending writer except those this instance begun
   * and still has open. Each writer is swept in its own transaction, which re-checks the
   * marker, so a writer that commits meanwhile is left alone.
   * Hazard: a writer still running in ANOTHER tab is swept too (its later putChunk/commit then
   * fail with WriterClosedError); call this at startup, before saves begin.
   * @returns writers swept
   * @throws AbortError (checked between writers), StoreError
   */
  async sweepIncomplete (options: AbortOptions = {}): Promise<number> {
    throwIfAborted(options.signal)
    const ids = await this.#conn.run(['pending'], 'readonly', 'sweepIncomplete', async tx => await tx.objectStore('pending').getAllKeys())
    let swept = 0
    for (const id of ids) {
      throwIfAborted(options.signal)
      if (this.#open.has(id)) continue
      if (await releaseWriter(this.#conn, id, 'sweepIncomplete')) swept++
    }
    return swept
  }
}

/**
 * Deletes a pending writer's chunks and marker in one transaction.
 * @returns false when there was no marker (committed, or already released)
 */
async function releaseWriter (conn: Connection, writerId: string, what: string): Promise<boolean> {
  return await conn.run(['pending', 'chunks'], 'readwrite', what, async tx => {
    const marker = await tx.objectStore('pending').get(writerId)
    if (marker === undefined) return false
    await tx.objectStore('chunks').delete(writerRange(writerId))
    await tx.objectStore('pending').delete(writerId)
    return true
  })
}

type WriterState = 'open' | 'committed' | 'aborted'

class IdbTesseraWriter implements TesseraWriter {
  readonly id: string
  readonly #conn: Connection
  readonly #open: Set<string>
  #state: WriterState = 'open'
  /** Chunks put and not yet in a write transaction (see putChunk). */
  readonly #waiting: Array<{ index: number, value: Uint8Array, resolve: () => void, reject: (err: unknown) => void }> = []
  #writing = false

  constructor (id: string, conn: Connection, open: Set<string>) {
    this.id = id
    this.#conn = conn
    this.#open = open
  }

  #assertOpen (): void {
    if (this.#state !== 'open') throw new WriterClosedError()
  }

  #close (state: WriterState): void {
    this.#state = state
    this.#open.delete(this.id)
  }

  /**
   * Writes chunks in groups: a chunk put while a write transaction is running waits for the
   * next one, which takes every waiting chunk (up to {@link CHUNKS_PER_WRITE}). One transaction
   * per chunk made saving IndexedDB-bound (each commit is a round trip to the browser's
   * storage; 8 chunks per transaction wrote about twice as fast as one, measured here); the
   * promise of each put still settles only once its chunk is written.
   * @throws StorageFullError (the writer is then aborted), WriterClosedError, AbortError, StoreError
   */
  async putChunk (index: number, bytes: Uint8Array, options: PutChunkOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertChunkIndex(index)
    assertBytes(bytes, 'bytes')
    this.#assertOpen()
    const value = compact(bytes)
    await new Promise<void>((resolve, reject) => {
      this.#waiting.push({ index, value, resolve, reject })
      if (!this.#writing) void this.#writeWaiting()
    })
  }

  /** Writes the waiting chunks, a group per transaction, until none wait; a failure fails every waiting put. */
  async #writeWaiting (): Promise<void> {
    this.#writing = true
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, CHUNKS_PER_WRITE)
        try {
          await this.#conn.run(['pending', 'chunks'], 'readwrite', 'putChunk', async tx => {
            // Only while the marker exists: a writer swept by another instance must not write
            // chunks nobody owns.
            if (await tx.objectStore('pending').get(this.id) === undefined) throw new WriterClosedError('writer was committed, aborted or swept')
            const chunks = tx.objectStore('chunks')
            // One put per task: each serializes its ~1 MiB value on this thread, and eight in
            // one task made 50–66 ms main-thread tasks (test/e2e/responsiveness.e2e.ts). The
            // transaction stays open while a request is pending, so the group still commits once.
            for (const c of group) await chunks.put(c.value, [this.id, c.index])
          }, 'relaxed') // flushed by the strict commit below, which alone makes the chunks visible
          for (const c of group) c.resolve()
        } catch (err) {
          const failed = [...group, ...this.#waiting.splice(0)]
          await this.#failed(err).catch((reported: unknown) => { for (const c of failed) c.reject(reported) })
        }
      }
    } finally {
      this.#writing = false
    }
  }

  /**
   * Makes the tessera visible: in one transaction checks that exactly chunks
   * `0 .. chunkCount - 1` were put, writes the record and deletes the marker. When a readable
   * record with this hash already exists it is kept (same hash, same payload; readers may be
   * streaming its chunks) and this writer's chunks are released instead.
   * A failed check (StoreError) leaves the writer open: put the missing chunks, or abort.
   * @throws StorageFullError (the writer is then aborted), StoreError, WriterClosedError, AbortError, TypeError/RangeError for a malformed record
   */
  async commit (record: TesseraRecord, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertTesseraRecord(record)
    this.#assertOpen()
    const stored = toStored(record, this.id)
    const { chunkCount, hashHex } = record
    try {
      await this.#conn.run(['tesseras', 'chunks', 'pending'], 'readwrite', 'commit', async tx => {
        const chunks = tx.objectStore('chunks')
        const pending = tx.objectStore('pending')
        const tesseras = tx.objectStore('tesseras')
        if (await pending.get(this.id) === undefined) throw new WriterClosedError('writer was committed, aborted or swept')
        const total = await chunks.count(writerRange(this.id))
        const inRange = chunkCount === 0 ? 0 : await chunks.count(IDBKeyRange.bound([this.id, 0], [this.id, chunkCount], false, true))
        if (inRange !== chunkCount || total !== chunkCount) {
          throw new StoreError(`commit: record says ${chunkCount} chunks, ${inRange} of them and ${total - inRange} others were put`)
        }
        const existing: unknown = await tesseras.get(hashHex)
        if (existing !== undefined && checkTesseraRecord(existing) === undefined) {
          await chunks.delete(writerRange(this.id))
          await pending.delete(this.id)
          return
        }
        await tesseras.put(stored)
        await pending.delete(this.id)
        const previousWriter = writerIdOf(existing)
        if (previousWriter !== undefined && previousWriter !== this.id) await chunks.delete(writerRange(previousWriter))
      }, 'strict')
    } catch (err) {
      await this.#failed(err)
    }
    this.#close('committed')
  }

  /**
   * Reads back a chunk this writer put, before commit (e.g. to compute parity over the sealed
   * payload before the manifest can be signed). Not (yet) part of the TesseraWriter port.
   * @returns undefined when that chunk was not put
   * @throws WriterClosedError after commit or abort, CorruptRecordError, AbortError, StoreError
   */
  async getChunk (index: number, options: GetChunkOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertChunkIndex(index)
    this.#assertOpen()
    const value: unknown = await this.#conn.run(['chunks'], 'readonly', 'writer getChunk', async tx => await tx.objectStore('chunks').get([this.id, index]))
    if (value === undefined) return undefined
    const bytes = asBytes(value)
    if (bytes === undefined) throw new CorruptRecordError(`writer ${this.id}: chunk ${index} is not bytes`)
    return bytes
  }

  /** Deletes everything this writer wrote; a no-op after commit or a previous abort. @throws StoreError */
  async abort (): Promise<void> {
    if (this.#state === 'committed') return
    this.#close('aborted')
    await releaseWriter(this.#conn, this.id, 'abort')
  }

  /** Handles a failed putChunk/commit: on quota, release everything first (nothing partial kept). */
  async #failed (err: unknown): Promise<never> {
    const name = (err as { name?: unknown }).name
    if (name === 'WriterClosedError' && this.#state === 'open') this.#close('aborted')
    if (name !== 'StorageFullError') throw err
    try {
      await this.abort()
    } catch (abortErr) {
      // The marker survives, so sweepIncomplete releases the chunks later. Report the quota
      // failure, which is what the caller can act on, with both causes.
      throw new StorageFullError((err as Error).message, { cause: new AggregateError([err, abortErr], 'release after quota failure failed') })
    }
    throw err
  }
}

/** The value stored for `record`: only the port's fields (byte views compacted) plus the writer id. */
function toStored (record: TesseraRecord, writerId: string): StoredTessera {
  const m = record.manifest
  const stored: StoredTessera = {
    hashHex: record.hashHex,
    manifest: {
      ...m,
      tesseraHash: compact(m.tesseraHash),
      shardChecksums: m.shardChecksums.map(compact),
      wrappedKey: compact(m.wrappedKey),
      encryptedMetadata: compact(m.encryptedMetadata),
      vaultPublicKey: compact(m.vaultPublicKey),
      signature: compact(m.signature)
    },
    payloadHeader: compact(record.payloadHeader),
    chunkCount: record.chunkCount,
    savedAt: record.savedAt,
    writerId
  }
  if (record.thumbnail !== undefined) stored.thumbnail = compact(record.thumbnail)
  return stored
}
