// Type-level tests (STYLE §9): the port signatures the adapters promise, and that every adapter
// implements its port. Checked by `tsc` and by vitest's expectTypeOf at run time (no-ops).
import { describe, expectTypeOf, it } from 'vitest'
import type {
  AbortOptions, BrokenRecord, FragmentStore, GetChunkOptions, PutChunkOptions, TesseraRecord, TesseraStore, TesseraWriter, VaultSecret, VaultStore
} from '../../../src/core/ports.js'
import type { FragmentId } from '../../../src/core/types.js'
import {
  type IdbStores, IdbFragmentStore, IdbTesseraStore, IdbVaultStore, MemoryFragmentStore, MemoryTesseraStore,
  MemoryVaultStore, type OpenIdbStoresInit, openIdbStores
} from '../../../src/store/index.js'

describe('port signatures', () => {
  it('TesseraStore', () => {
    expectTypeOf<TesseraStore['begin']>().toEqualTypeOf<(options?: AbortOptions) => Promise<TesseraWriter>>()
    expectTypeOf<TesseraStore['get']>().parameters.toEqualTypeOf<[hashHex: string, options?: AbortOptions]>()
    expectTypeOf<TesseraStore['get']>().returns.toEqualTypeOf<Promise<TesseraRecord | undefined>>()
    expectTypeOf<TesseraStore['list']>().returns.toEqualTypeOf<Promise<Array<TesseraRecord | BrokenRecord>>>()
    expectTypeOf<TesseraStore['getChunk']>().parameters.toEqualTypeOf<[hashHex: string, index: number, options?: AbortOptions]>()
    expectTypeOf<TesseraStore['getChunk']>().returns.toEqualTypeOf<Promise<Uint8Array | undefined>>()
    expectTypeOf<TesseraStore['delete']>().returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf<TesseraStore['sweepIncomplete']>().returns.toEqualTypeOf<Promise<number>>()
  })

  it('TesseraWriter', () => {
    expectTypeOf<TesseraWriter['id']>().toEqualTypeOf<string>()
    expectTypeOf<TesseraWriter['putChunk']>().parameters.toEqualTypeOf<[index: number, bytes: Uint8Array, options?: PutChunkOptions]>()
    expectTypeOf<TesseraWriter['getChunk']>().parameters.toEqualTypeOf<[index: number, options?: GetChunkOptions]>()
    expectTypeOf<TesseraWriter['commit']>().parameters.toEqualTypeOf<[record: TesseraRecord, options?: AbortOptions]>()
    expectTypeOf<TesseraWriter['abort']>().toEqualTypeOf<() => Promise<void>>()
  })

  it('FragmentStore', () => {
    expectTypeOf<FragmentStore['put']>().parameters.toEqualTypeOf<[id: FragmentId, bytes: Uint8Array, options?: AbortOptions]>()
    expectTypeOf<FragmentStore['get']>().returns.toEqualTypeOf<Promise<Uint8Array | undefined>>()
    expectTypeOf<FragmentStore['has']>().returns.toEqualTypeOf<Promise<boolean>>()
    expectTypeOf<FragmentStore['list']>().parameters.toEqualTypeOf<[tesseraHashHex?: string, options?: AbortOptions]>()
    expectTypeOf<FragmentStore['list']>().returns.toEqualTypeOf<Promise<FragmentId[]>>()
  })

  it('VaultStore', () => {
    expectTypeOf<VaultStore['get']>().returns.toEqualTypeOf<Promise<VaultSecret | undefined>>()
    expectTypeOf<VaultStore['put']>().parameters.toEqualTypeOf<[secret: VaultSecret, options?: AbortOptions]>()
    expectTypeOf<VaultStore['clear']>().returns.toEqualTypeOf<Promise<void>>()
  })

  it('BrokenRecord carries plain error data, safe for structured clone', () => {
    expectTypeOf<BrokenRecord['error']>().toEqualTypeOf<{ name: string, code: string, message: string }>()
    // A BrokenRecord is told apart from a record by `error`.
    expectTypeOf<Extract<TesseraRecord | BrokenRecord, { error: unknown }>>().toEqualTypeOf<BrokenRecord>()
  })
})

describe('adapters implement their ports', () => {
  it('memory', () => {
    expectTypeOf<MemoryTesseraStore>().toExtend<TesseraStore>()
    expectTypeOf<MemoryFragmentStore>().toExtend<FragmentStore>()
    expectTypeOf<MemoryVaultStore>().toExtend<VaultStore>()
  })

  it('IndexedDB', () => {
    expectTypeOf<IdbTesseraStore>().toExtend<TesseraStore>()
    expectTypeOf<IdbFragmentStore>().toExtend<FragmentStore>()
    expectTypeOf<IdbVaultStore>().toExtend<VaultStore>()
    expectTypeOf(openIdbStores).parameters.toEqualTypeOf<[init?: OpenIdbStoresInit, options?: AbortOptions]>()
    expectTypeOf(openIdbStores).returns.toEqualTypeOf<Promise<IdbStores>>()
    expectTypeOf<IdbStores['close']>().toEqualTypeOf<() => void>()
  })

  it('does not leak the writer id into the port record', () => {
    expectTypeOf<TesseraRecord>().not.toHaveProperty('writerId')
  })
})
