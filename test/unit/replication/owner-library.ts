/**
 * An owner's device for replication tests: a real Library (in-process codec, memory stores) that
 * saves real tesseras — signed manifests, real ciphertext — for the simulated network to move.
 */
import { Library } from '../../../src/app/library.js'
import type { TesseraRecord } from '../../../src/core/ports.js'
import type { TesseraMetadata } from '../../../src/core/types.js'
import { MemoryTesseraStore, MemoryVaultStore } from '../../../src/store/memory/index.js'
import { inlineCodec } from '../app/inline-codec.js'

export interface OwnerLibrary {
  tesseras: MemoryTesseraStore
  /** The vault's entropy (derive the keys from it). */
  entropy: Uint8Array
  /** Saves `files` as one memory and returns its record. */
  save: (files: File[], metadata: TesseraMetadata) => Promise<TesseraRecord>
}

/** A file of `data` as a person would pick it. */
export function fileOf (name: string, data: Uint8Array, type = ''): File {
  return new File([data as Uint8Array<ArrayBuffer>], name, { lastModified: 1, type })
}

/** A new vault on a fresh device. */
export async function ownerLibrary (): Promise<OwnerLibrary> {
  const tesseras = new MemoryTesseraStore()
  const library = new Library({
    codec: inlineCodec(),
    tesseras,
    vault: new MemoryVaultStore(),
    makeThumbnail: async () => undefined,
    createObjectURL: () => 'blob:x',
    revokeObjectURL: () => {}
  })
  const pending = library.newVault('en')
  await library.confirmVault(pending)
  return {
    tesseras,
    entropy: pending.entropy,
    save: async (files, metadata) => (await tesseras.get(await library.save({ files, metadata }))) as TesseraRecord
  }
}
