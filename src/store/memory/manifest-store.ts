import type { AbortOptions, ManifestStore } from '../../core/ports.js'
import type { Manifest } from '../../core/types.js'
import { bytesToHex, cloneData } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertHashHex, assertManifest, readManifest } from '../record.js'

/**
 * {@link ManifestStore} held in memory (tests, simulations, borrowed-device mode).
 * @example
 * const manifests = new MemoryManifestStore()
 * await manifests.put(manifest)
 */
export class MemoryManifestStore implements ManifestStore {
  readonly #manifests = new Map<string, Manifest>()

  /** @throws AbortError, TypeError/RangeError for a malformed manifest */
  async put (manifest: Manifest, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertManifest(manifest)
    const hashHex = bytesToHex(manifest.tesseraHash)
    this.#manifests.set(hashHex, cloneData(readManifest(manifest, hashHex)))
  }

  /** @returns undefined when absent. @throws AbortError */
  async get (tesseraHashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const m = this.#manifests.get(tesseraHashHex)
    return m === undefined ? undefined : cloneData(m)
  }

  /** No error when absent. @throws AbortError */
  async delete (tesseraHashHex: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertHashHex(tesseraHashHex, 'tesseraHashHex')
    this.#manifests.delete(tesseraHashHex)
  }

  /** @throws AbortError */
  async list (options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    return [...this.#manifests.keys()].sort()
  }
}
