import { createMemoryLedger } from '../../src/replication/index.js'
import { MemoryFragmentStore, MemoryManifestStore, MemoryReplicaStore, MemoryTesseraData, MemoryTesseraStore, MemoryVaultStore } from '../../src/store/memory/index.js'
import { describeFragmentStore } from './fragment-store.js'
import { describeReciprocityLedger } from './reciprocity-ledger.js'
import { describeManifestStore, describeReplicaStore } from './replica-store.js'
import { describeTesseraStore } from './tessera-store.js'
import { describeVaultStore } from './vault-store.js'

describeTesseraStore('memory', {
  setup: async (options = {}) => {
    const data = new MemoryTesseraData({ quotaBytes: options.quotaBytes })
    const store = new MemoryTesseraStore({ data })
    return {
      store,
      sibling: async () => store.sibling(),
      writeRawRecord: async raw => { data.records.set(raw.hashHex, raw) },
      countChunks: async () => data.chunkCount(),
      countPending: async () => data.pending.size
    }
  },
  teardown: async () => {}
})

describeFragmentStore('memory', {
  setup: async (options = {}) => ({ store: new MemoryFragmentStore({ quotaBytes: options.quotaBytes }) }),
  teardown: async () => {}
})

describeVaultStore('memory', {
  setup: async (options = {}) => {
    const store = new MemoryVaultStore({ quotaBytes: options.quotaBytes })
    return { store, writeRaw: async raw => { store.setRawForTesting(raw) } }
  },
  teardown: async () => {}
})

describeReciprocityLedger('memory (createMemoryLedger)', {
  setup: async (options = {}) => {
    const fragments = new MemoryFragmentStore({ quotaBytes: options.quotaBytes })
    return { ledger: createMemoryLedger({ fragments }), fragments }
  },
  teardown: async () => {}
})

describeReplicaStore('memory', {
  setup: async () => ({ store: new MemoryReplicaStore() }),
  teardown: async () => {}
})

describeManifestStore('memory', {
  setup: async () => ({ store: new MemoryManifestStore() }),
  teardown: async () => {}
})
