import type { AbortOptions, ManifestStore } from '../../core/ports.js'
import type { Manifest } from '../../core/types.js'
import { bytesToHex } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertHashHex, assertManifest, readManifest } from '../record.js'
import type { Connection } from './connection.js'

/**
 * {@link ManifestStore} over IndexedDB (store `manifests`, key = hex of the tessera hash).
 * Create it with `openIdbStores()`.
 */
export class IdbManifestStore implements ManifestStore {
  readonly #conn: Connection

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection) {
    this.#conn = conn
  }

  /** @throws StorageFullError, StoreError, AbortError, TypeError/RangeError for a malformed manifest */
  async put (manifest: Manifest, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertManifest(manifest)
    const hashHex = bytesToHex(manifest.tesseraHash)
    const clean = readManifest(manifest, hashHex)
    await this.#conn.run(['manifests'], 'readwrite', 'put manifest', async tx => { await tx.objectStore('manifests').put(clean, hashHex) })
  }

  /** @returns undefined when absent. @throws CorruptRecordError, StoreError, AbortError */
  async get (tesseraHashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const value: unknown = await this.#conn.run(['manifests'], 'readonly', 'get manifest', async tx => await tx.objectStore('manifests').get(tesseraHashHex))
    return value === undefined ? undefined : readManifest(value, tesseraHashHex)
  }

  /** No error when absent. @throws StoreError, AbortError */
  async delete (tesseraHashHex: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    await this.#conn.run(['manifests'], 'readwrite', 'delete manifest', async tx => { await tx.objectStore('manifests').delete(tesseraHashHex) })
  }

  /** @throws StoreError, AbortError */
  async list (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    return await this.#conn.run(['manifests'], 'readonly', 'list manifests', async tx => await tx.objectStore('manifests').getAllKeys())
  }
}
