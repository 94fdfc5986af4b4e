/**
 * Harnesses that run the compliance suites against the IndexedDB adapter. Portable: uses only
 * the global `indexedDB` and `IDBObjectStore`, so the same code runs in Node (fake-indexeddb)
 * and in real Chromium.
 */
import { deleteDB, openDB } from 'idb'
import { type IdbStores, openIdbStores } from '../../src/store/idb/index.js'
import type { HarnessOptions, SuiteOptions } from './fixtures.js'
import type { FragmentStoreHarness } from './fragment-store.js'
import type { ReciprocityLedgerHarness } from './reciprocity-ledger.js'
import type { ManifestStoreHarness, ReplicaStoreHarness } from './replica-store.js'
import type { TesseraStoreHarness } from './tessera-store.js'
import type { VaultStoreHarness } from './vault-store.js'

/** Bytes of binary data in a value about to be stored. */
function binaryBytes (value: unknown, depth = 0): number {
  if (depth > 8 || value == null || typeof value !== 'object') return 0
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
  let n = 0
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += binaryBytes(v, depth + 1)
  return n
}

/**
 * Makes `IDBObjectStore.prototype.put` (and `add`) throw a `QuotaExceededError` DOMException
 * once more than `quotaBytes` of binary data were written since the call, as a full disk does.
 * @returns a function that restores the originals
 */
export function simulateQuota (quotaBytes: number): () => void {
  const proto = globalThis.IDBObjectStore.prototype
  const originals = { put: proto.put, add: proto.add }
  let used = 0
  const guard = (original: typeof proto.put) => function (this: IDBObjectStore, value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey> {
    const next = used + binaryBytes(value)
    if (next > quotaBytes) throw new DOMException(`simulated: ${next} of ${quotaBytes} bytes`, 'QuotaExceededError')
    used = next
    return original.call(this, value, key)
  }
  proto.put = guard(originals.put)
  proto.add = guard(originals.add)
  return () => {
    proto.put = originals.put
    proto.add = originals.add
  }
}

interface IdbHarnessState {
  name: string
  opened: IdbStores[]
  restoreQuota?: () => void
}

let counter = 0

async function openFresh (options: HarnessOptions = {}): Promise<IdbHarnessState & { stores: IdbStores }> {
  const name = `tesseras-compliance-${Date.now()}-${counter++}`
  const stores = await openIdbStores({ name })
  const state: IdbHarnessState & { stores: IdbStores } = { name, opened: [stores], stores }
  if (options.quotaBytes !== undefined) state.restoreQuota = simulateQuota(options.quotaBytes)
  return state
}

async function closeAndDelete (state: IdbHarnessState): Promise<void> {
  state.restoreQuota?.()
  for (const s of state.opened) s.close()
  await deleteDB(state.name)
}

async function withRawDb<T> (name: string, fn: (db: Awaited<ReturnType<typeof openDB>>) => Promise<T>): Promise<T> {
  const db = await openDB(name)
  try {
    return await fn(db)
  } finally {
    db.close()
  }
}

type Harness<H> = H & { state: IdbHarnessState }

/** Suite options for `describeTesseraStore` over IndexedDB: a fresh database per test. */
export const idbTesseraSuite: SuiteOptions<Harness<TesseraStoreHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return {
      state,
      store: state.stores.tesseras,
      sibling: async () => {
        const other = await openIdbStores({ name: state.name })
        state.opened.push(other)
        return other.tesseras
      },
      writeRawRecord: async raw => { await withRawDb(state.name, async db => await db.put('tesseras', raw)) },
      countChunks: async () => await withRawDb(state.name, async db => await db.count('chunks')),
      countPending: async () => await withRawDb(state.name, async db => await db.count('pending'))
    }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}

/** Suite options for `describeFragmentStore` over IndexedDB. */
export const idbFragmentSuite: SuiteOptions<Harness<FragmentStoreHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return { state, store: state.stores.fragments }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}

/** Suite options for `describeVaultStore` over IndexedDB. */
export const idbVaultSuite: SuiteOptions<Harness<VaultStoreHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return {
      state,
      store: state.stores.vault,
      writeRaw: async raw => { await withRawDb(state.name, async db => await db.put('vault', raw, 'vault')) }
    }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}

/** Opens another connection to the harness's database (persistence checks). */
async function reopened (state: IdbHarnessState): Promise<IdbStores> {
  const other = await openIdbStores({ name: state.name })
  state.opened.push(other)
  return other
}

/** Suite options for `describeReciprocityLedger` over IndexedDB. */
export const idbLedgerSuite: SuiteOptions<Harness<ReciprocityLedgerHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return { state, ledger: state.stores.ledger, fragments: state.stores.fragments, reopen: async () => (await reopened(state)).ledger }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}

/** Suite options for `describeReplicaStore` over IndexedDB. */
export const idbReplicaSuite: SuiteOptions<Harness<ReplicaStoreHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return { state, store: state.stores.replicas, reopen: async () => (await reopened(state)).replicas }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}

/** Suite options for `describeManifestStore` over IndexedDB. */
export const idbManifestSuite: SuiteOptions<Harness<ManifestStoreHarness>> = {
  setup: async (options) => {
    const state = await openFresh(options)
    return { state, store: state.stores.manifests, reopen: async () => (await reopened(state)).manifests }
  },
  teardown: async h => { await closeAndDelete(h.state) }
}
