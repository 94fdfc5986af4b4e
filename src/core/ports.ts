/**
 * Port interfaces implemented by adapters (src/store/*, src/net) and injected by the
 * composition roots (src/app, src/relay). No adapter types leak in here.
 */
import type { FragmentId, Manifest } from './types.js'

/** Cancellation for every async port call. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** Progress reporting: `onProgress` receives namespaced events (`'save:chunk:written'`). */
export interface ProgressEvent<T = unknown> {
  type: string
  detail: T
}
export interface ProgressOptions<E extends ProgressEvent = ProgressEvent> {
  onProgress?: (event: E) => void
}

/**
 * A tessera stored on this device: the signed manifest plus local extras. The encrypted
 * payload lives beside it as numbered chunks: payload = `payloadHeader` ‖ chunk 0 ‖ chunk 1 ‖ …
 */
export interface TesseraRecord {
  /** Hex of manifest.tesseraHash; primary key. */
  hashHex: string
  manifest: Manifest
  /** The payload header bytes (magic, chunk size, nonce prefix). */
  payloadHeader: Uint8Array
  /** Number of sealed chunks stored. */
  chunkCount: number
  /** Thumbnail (JPEG/WebP) sealed with the content key; absent when none could be made. */
  thumbnail?: Uint8Array
  /** ms since epoch when saved here (gallery order). */
  savedAt: number
}

/**
 * Writes one tessera's chunks, then makes it visible atomically with `commit`.
 * [Note: Atomic save] Chunks are written under the writer's id in as many transactions as
 * needed (a 1 GB memory cannot be one transaction), while a pending marker exists. `commit`
 * writes the record and removes the marker in one transaction: before it, no reader sees the
 * memory; `abort` (or `sweepIncomplete` after a crash) deletes everything written.
 */
export interface TesseraWriter {
  readonly id: string
  /** Stores sealed chunk `index`. Idempotent for the same index. @throws StorageFullError */
  putChunk(index: number, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /**
   * Reads back chunk `index` written by this writer before commit (parity is computed from
   * the stored payload stripe by stripe). @returns undefined when not written.
   * @throws WriterClosedError after commit/abort
   */
  getChunk(index: number, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** Makes the tessera visible. `record.chunkCount` chunks must have been put. @throws StorageFullError, StoreError */
  commit(record: TesseraRecord, options?: AbortOptions): Promise<void>
  /** Deletes everything this writer wrote. Safe to call more than once, and after a failed commit. */
  abort(): Promise<void>
}

/** Local storage of whole tesseras (the owner's copy). */
export interface TesseraStore {
  /** Starts a new atomic write. */
  begin(options?: AbortOptions): Promise<TesseraWriter>
  /** @returns undefined when absent. @throws CorruptRecordError when the stored record is malformed */
  get(hashHex: string, options?: AbortOptions): Promise<TesseraRecord | undefined>
  /**
   * Every committed tessera, newest `savedAt` first. A malformed record does not fail the list:
   * it is returned as `{ hashHex, error }` so only that memory shows an error.
   */
  list(options?: AbortOptions): Promise<Array<TesseraRecord | BrokenRecord>>
  /** @returns undefined when absent. */
  getChunk(hashHex: string, index: number, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** Removes a tessera and all its chunks. No error when absent. */
  delete(hashHex: string, options?: AbortOptions): Promise<void>
  /** Deletes chunks of writers that never committed (crash recovery). @returns writers swept */
  sweepIncomplete(options?: AbortOptions): Promise<number>
}

/** A stored record that could not be decoded. */
export interface BrokenRecord {
  hashHex: string
  error: { name: string, code: string, message: string }
}

/** Shards held for others (and for ourselves). Keys are content addressed: put is idempotent. */
export interface FragmentStore {
  /** @throws StorageFullError */
  put(id: FragmentId, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** @returns undefined when absent. */
  get(id: FragmentId, options?: AbortOptions): Promise<Uint8Array | undefined>
  has(id: FragmentId, options?: AbortOptions): Promise<boolean>
  /** No error when absent. */
  delete(id: FragmentId, options?: AbortOptions): Promise<void>
  /** Ids held, optionally only for one tessera. */
  list(tesseraHashHex?: string, options?: AbortOptions): Promise<FragmentId[]>
}

/** The owner's secret as kept on their own device. */
export interface VaultSecret {
  /** 32 bytes of BIP39 entropy; every vault key derives from it. */
  entropy: Uint8Array
  /** Word list the phrase was shown in. */
  language: 'en' | 'pt'
  /** ms since epoch. */
  createdAt: number
}

/** Where the owner's device keeps its vault secret. */
export interface VaultStore {
  get(options?: AbortOptions): Promise<VaultSecret | undefined>
  put(secret: VaultSecret, options?: AbortOptions): Promise<void>
  clear(options?: AbortOptions): Promise<void>
}
