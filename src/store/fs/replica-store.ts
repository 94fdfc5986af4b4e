import { join } from 'node:path'
import { CorruptRecordError } from '../../core/errors.js'
import type { AbortOptions, ManifestStore, ReplicaRecord, ReplicaStore } from '../../core/ports.js'
import type { Manifest } from '../../core/types.js'
import { HASH_HEX, bytesToHex } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertHashHex, assertManifest, assertPeerId, assertReplicaRecord, readManifest, readReplicaRecord } from '../record.js'
import type { FsOps } from './fragment-store.js'
import { Mutex, codeOf, defaultFs, readJsonFile, toFsError, writeJsonFile } from './json-file.js'

/** Options of the fs stores. */
export interface FsStoreInit {
  /** Directory of the node's data. */
  root: string
  /** File-system calls. Default node:fs/promises. */
  fs?: FsOps
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byKey (a: ReplicaRecord, b: ReplicaRecord): number {
  return cmp(a.tesseraHashHex, b.tesseraHashHex) || a.index - b.index || cmp(a.holderId, b.holderId)
}

function rowKey (hash: string, index: number, holder: string): string {
  return JSON.stringify([hash, index, holder])
}

/**
 * {@link ReplicaStore} as one JSON document, `<root>/replicas.json`, rewritten atomically per
 * change (see src/store/fs/json-file.ts). For Node nodes that replicate or repair.
 */
export class FsReplicaStore implements ReplicaStore {
  readonly #file: string
  readonly #fs: FsOps
  readonly #mutex = new Mutex()
  #rows: Map<string, ReplicaRecord> | undefined

  constructor (init: FsStoreInit) {
    if (typeof init?.root !== 'string' || init.root === '') throw new TypeError('root: expected a non-empty path')
    this.#file = join(init.root, 'replicas.json')
    this.#fs = init.fs ?? defaultFs
  }

  async #load (): Promise<Map<string, ReplicaRecord>> {
    if (this.#rows === undefined) {
      const raw = await readJsonFile(this.#fs, this.#file, 'read replicas')
      if (raw !== undefined && !Array.isArray(raw)) throw new CorruptRecordError('replicas.json: expected an array')
      const rows = ((raw ?? []) as unknown[]).map(readReplicaRecord)
      this.#rows = new Map(rows.map(r => [rowKey(r.tesseraHashHex, r.index, r.holderId), r]))
    }
    return this.#rows
  }

  async #write (change: (rows: Map<string, ReplicaRecord>) => void): Promise<void> {
    const next = new Map(await this.#load())
    change(next)
    await writeJsonFile(this.#fs, this.#file, [...next.values()].sort(byKey), 'write replicas')
    this.#rows = next
  }

  /** @throws StorageFullError, StoreError, AbortError, TypeError/RangeError */
  async put (record: ReplicaRecord, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertReplicaRecord(record)
    const clean = readReplicaRecord(record)
    await this.#mutex.run(async () => {
      await this.#write(rows => rows.set(rowKey(clean.tesseraHashHex, clean.index, clean.holderId), clean))
    })
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async list (tesseraHashHex: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    return await this.#mutex.run(async () => [...(await this.#load()).values()].filter(r => r.tesseraHashHex === tesseraHashHex).sort(byKey).map(readReplicaRecord))
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async listByHolder (holderId: string, options: AbortOptions = {}): Promise<ReplicaRecord[]> {
    throwIfAborted(options.signal)
    assertPeerId(holderId, 'holderId')
    return await this.#mutex.run(async () => [...(await this.#load()).values()].filter(r => r.holderId === holderId).sort(byKey).map(readReplicaRecord))
  }

  /** No error when absent. @throws StoreError, AbortError */
  async delete (tesseraHashHex: string, index: number, holderId: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    assertPeerId(holderId, 'holderId')
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`index: expected a non-negative integer, got ${String(index)}`)
    const key = rowKey(tesseraHashHex, index, holderId)
    await this.#mutex.run(async () => {
      if (!(await this.#load()).has(key)) return
      await this.#write(rows => rows.delete(key))
    })
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async tesseras (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    return await this.#mutex.run(async () => [...new Set([...(await this.#load()).values()].map(r => r.tesseraHashHex))].sort(cmp))
  }
}

/**
 * {@link ManifestStore} as one JSON file per tessera, `<root>/manifests/<hashHex>.json`,
 * written atomically.
 */
export class FsManifestStore implements ManifestStore {
  readonly #dir: string
  readonly #fs: FsOps

  constructor (init: FsStoreInit) {
    if (typeof init?.root !== 'string' || init.root === '') throw new TypeError('root: expected a non-empty path')
    this.#dir = join(init.root, 'manifests')
    this.#fs = init.fs ?? defaultFs
  }

  /** @throws StorageFullError, StoreError, AbortError, TypeError/RangeError */
  async put (manifest: Manifest, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertManifest(manifest)
    const hashHex = bytesToHex(manifest.tesseraHash)
    await writeJsonFile(this.#fs, join(this.#dir, `${hashHex}.json`), readManifest(manifest, hashHex), 'put manifest')
  }

  /** @returns undefined when absent. @throws CorruptRecordError, StoreError, AbortError */
  async get (tesseraHashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const raw = await readJsonFile(this.#fs, join(this.#dir, `${tesseraHashHex}.json`), 'get manifest')
    return raw === undefined ? undefined : readManifest(raw, tesseraHashHex)
  }

  /** No error when absent. @throws StoreError, AbortError */
  async delete (tesseraHashHex: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    try {
      await this.#fs.unlink(join(this.#dir, `${tesseraHashHex}.json`))
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw toFsError(err, 'delete manifest')
    }
  }

  /** @throws StoreError, AbortError */
  async list (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    let names: string[]
    try {
      names = await this.#fs.readdir(this.#dir)
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return []
      throw toFsError(err, 'list manifests')
    }
    return names.filter(n => n.endsWith('.json') && HASH_HEX.test(n.slice(0, -5))).map(n => n.slice(0, -5)).sort(cmp)
  }
}
