import { CorruptRecordError, StoreError, WriterClosedError } from '../../core/errors.js'
import type { AbortOptions, BrokenRecord, GetChunkOptions, PutChunkOptions, TesseraRecord, TesseraStore, TesseraWriter } from '../../core/ports.js'
import { byteSize, cloneData, compact, newWriterId } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertBytes, assertChunkIndex, assertHashHex, assertTesseraRecord, brokenRecord, readTesseraRecord, savedAtOf, sortNewestFirst } from '../record.js'
import { type MemoryQuota, type MemoryQuotaInit, quotaFor } from './quota.js'

/** A record as held: the port's record plus the id of the writer whose chunks it owns. */
interface HeldRecord extends TesseraRecord {
  writerId: string
}

/**
 * The data behind {@link MemoryTesseraStore}s. Several stores over one data object behave like
 * several tabs (or a restart after a crash) over one IndexedDB database.
 * Tests may put malformed values into `records` directly (broken-record tests).
 */
export class MemoryTesseraData {
  /** hashHex → stored record (normally a record plus `writerId`; anything in tests). */
  readonly records = new Map<string, unknown>()
  /** writerId → chunk index → sealed chunk. */
  readonly chunks = new Map<string, Map<number, Uint8Array>>()
  /** writerId → ms since epoch the write began (the pending marker). */
  readonly pending = new Map<string, number>()
  readonly quota: MemoryQuota

  constructor (init: MemoryQuotaInit = {}) {
    this.quota = quotaFor(init)
  }

  /** Sealed chunks held, committed or not. */
  chunkCount (): number {
    let n = 0
    for (const c of this.chunks.values()) n += c.size
    return n
  }

  /** Deletes a writer's chunks and marker, giving their bytes back to the quota. */
  release (writerId: string): void {
    const chunks = this.chunks.get(writerId)
    if (chunks !== undefined) {
      for (const c of chunks.values()) this.quota.release(c.byteLength)
      this.chunks.delete(writerId)
    }
    this.pending.delete(writerId)
  }

  /** Deletes a record (not its chunks), giving its bytes back to the quota. */
  deleteRecord (hashHex: string): unknown {
    const held = this.records.get(hashHex)
    if (held !== undefined) {
      this.quota.release(byteSize(held))
      this.records.delete(hashHex)
    }
    return held
  }
}

/** Options of {@link MemoryTesseraStore}. */
export interface MemoryTesseraStoreInit extends MemoryQuotaInit {
  /** Data shared with other instances; a new empty one by default. */
  data?: MemoryTesseraData
  /** Clock for pending markers, ms since epoch. Default `Date.now`. */
  now?: () => number
}

/**
 * {@link TesseraStore} held in memory, for unit tests of pure logic and for borrowed-device
 * mode. Same semantics as the IndexedDB adapter, including [Note: Atomic save], quota
 * ({@link StorageFullError}) and broken-record isolation. Values are copied in and out, as the
 * structured clone of IndexedDB would.
 *
 * @example
 * const store = new MemoryTesseraStore({ quotaBytes: 10 * 1024 * 1024 })
 * const writer = await store.begin()
 * await writer.putChunk(0, sealed)
 * await writer.commit(record)
 */
export class MemoryTesseraStore implements TesseraStore {
  /** The data this instance works on; pass it to another instance to share it. */
  readonly data: MemoryTesseraData
  readonly #now: () => number
  /** Writers begun by this instance and not yet committed or aborted. */
  readonly #open = new Set<string>()

  constructor (init: MemoryTesseraStoreInit = {}) {
    this.data = init.data ?? new MemoryTesseraData(init)
    this.#now = init.now ?? Date.now
  }

  /** A second instance over the same data, as another tab or a restart after a crash sees it. */
  sibling (): MemoryTesseraStore {
    return new MemoryTesseraStore({ data: this.data, now: this.#now })
  }

  /** Starts an atomic write: see [Note: Atomic save] in src/core/ports.ts. @throws AbortError */
  async begin (options: AbortOptions = {}): Promise<TesseraWriter> {
    throwIfAborted(options.signal)
    const id = newWriterId()
    this.data.pending.set(id, this.#now())
    this.#open.add(id)
    return new MemoryTesseraWriter(id, this.data, this.#open)
  }

  /** @throws CorruptRecordError when the stored record is malformed, AbortError, TypeError/RangeError for a bad `hashHex` */
  async get (hashHex: string, options: AbortOptions = {}): Promise<TesseraRecord | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    const held = this.data.records.get(hashHex)
    if (held === undefined) return undefined
    return cloneData(readTesseraRecord(held, hashHex))
  }

  /** Newest `savedAt` first; malformed records come back as {@link BrokenRecord}. @throws AbortError */
  async list (options: AbortOptions = {}): Promise<Array<TesseraRecord | BrokenRecord>> {
    throwIfAborted(options.signal)
    const out: Array<{ savedAt: number, item: TesseraRecord | BrokenRecord }> = []
    for (const [hashHex, held] of this.data.records) {
      out.push({ savedAt: savedAtOf(held), item: readOrBroken(held, hashHex) })
    }
    return sortNewestFirst(out)
  }

  /** @throws CorruptRecordError when the record cannot locate its chunks, AbortError, TypeError/RangeError for bad arguments */
  async getChunk (hashHex: string, index: number, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    assertChunkIndex(index)
    const held = this.data.records.get(hashHex)
    if (held === undefined) return undefined
    const writerId = writerIdOf(held)
    if (writerId === undefined) throw new CorruptRecordError(`tessera ${hashHex}: record has no writer id`)
    const chunk = this.data.chunks.get(writerId)?.get(index)
    return chunk === undefined ? undefined : chunk.slice()
  }

  /** Removes the record and its chunks together. @throws AbortError */
  async delete (hashHex: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(hashHex, 'hashHex')
    const held = this.data.deleteRecord(hashHex)
    const writerId = writerIdOf(held)
    if (writerId !== undefined) this.data.release(writerId)
  }

  /** Deletes every pending writer's chunks except writers this instance still has open. @throws AbortError */
  async sweepIncomplete (options: AbortOptions = {}): Promise<number> {
    throwIfAborted(options.signal)
    let swept = 0
    for (const id of [...this.data.pending.keys()]) {
      throwIfAborted(options.signal)
      if (this.#open.has(id)) continue
      this.data.release(id)
      swept++
    }
    return swept
  }
}

class MemoryTesseraWriter implements TesseraWriter {
  readonly id: string
  readonly #data: MemoryTesseraData
  readonly #open: Set<string>

  constructor (id: string, data: MemoryTesseraData, open: Set<string>) {
    this.id = id
    this.#data = data
    this.#open = open
  }

  #assertOpen (): void {
    // The marker is gone after commit, abort, or a sweep by another instance.
    if (!this.#open.has(this.id) || !this.#data.pending.has(this.id)) throw new WriterClosedError()
  }

  async putChunk (index: number, bytes: Uint8Array, options: PutChunkOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertChunkIndex(index)
    assertBytes(bytes, 'bytes')
    this.#assertOpen()
    let chunks = this.#data.chunks.get(this.id)
    const previous = chunks?.get(index)
    try {
      this.#data.quota.reserve(bytes.byteLength, previous?.byteLength ?? 0)
    } catch (err) {
      // Nothing partial kept: release everything this writer wrote.
      await this.abort()
      throw err
    }
    if (chunks === undefined) {
      chunks = new Map()
      this.#data.chunks.set(this.id, chunks)
    }
    chunks.set(index, options.give === true ? compact(bytes) : bytes.slice())
  }

  async commit (record: TesseraRecord, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertTesseraRecord(record)
    this.#assertOpen()
    const chunks = this.#data.chunks.get(this.id) ?? new Map<number, Uint8Array>()
    for (let i = 0; i < record.chunkCount; i++) {
      if (!chunks.has(i)) throw new StoreError(`commit: chunk ${i} of ${record.chunkCount} was not put`)
    }
    if (chunks.size !== record.chunkCount) throw new StoreError(`commit: ${chunks.size} chunks were put, record says ${record.chunkCount}`)
    const existing = this.#data.records.get(record.hashHex)
    if (existing !== undefined && isReadable(existing, record.hashHex)) {
      // Same hash, same payload: keep the copy readers may be streaming, drop ours.
      this.#close()
      this.#data.release(this.id)
      return
    }
    const held: HeldRecord = { ...cloneData(stripWriter(record)), writerId: this.id }
    const previousWriter = writerIdOf(existing)
    try {
      this.#data.quota.reserve(byteSize(held), existing === undefined ? 0 : byteSize(existing))
    } catch (err) {
      await this.abort()
      throw err
    }
    this.#data.records.set(record.hashHex, held)
    this.#data.pending.delete(this.id)
    this.#close()
    if (previousWriter !== undefined && previousWriter !== this.id) this.#data.release(previousWriter)
  }

  /**
   * Reads back a chunk this writer put, before commit. Not (yet) part of the TesseraWriter port.
   * @returns undefined when that chunk was not put
   * @throws WriterClosedError after commit or abort, AbortError
   */
  async getChunk (index: number, options: GetChunkOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertChunkIndex(index)
    this.#assertOpen()
    const held = this.#data.chunks.get(this.id)?.get(index)
    return options.borrow === true ? held : held?.slice()
  }

  async abort (): Promise<void> {
    if (this.#data.pending.has(this.id)) this.#data.release(this.id)
    this.#close()
  }

  #close (): void {
    this.#open.delete(this.id)
  }
}

function stripWriter (record: TesseraRecord): TesseraRecord {
  const { writerId: _ignored, ...rest } = record as TesseraRecord & { writerId?: unknown }
  return rest
}

function writerIdOf (held: unknown): string | undefined {
  const id = (held as { writerId?: unknown } | undefined)?.writerId
  return typeof id === 'string' ? id : undefined
}

function isReadable (held: unknown, hashHex: string): boolean {
  try {
    readTesseraRecord(held, hashHex)
    return true
  } catch (err) {
    if ((err as { name?: unknown }).name === 'CorruptRecordError') return false
    throw err
  }
}

function readOrBroken (held: unknown, hashHex: string): TesseraRecord | BrokenRecord {
  try {
    return cloneData(readTesseraRecord(held, hashHex))
  } catch (err) {
    return brokenRecord(hashHex, err)
  }
}
