// Node run of the IndexedDB compliance suites, against fake-indexeddb. The same suites run in
// real Chromium through the browser runner (idb-harness.ts has no Node-only code).
import 'fake-indexeddb/auto'
import { describeFragmentStore } from './fragment-store.js'
import { idbFragmentSuite, idbLedgerSuite, idbManifestSuite, idbReplicaSuite, idbTesseraSuite, idbVaultSuite } from './idb-harness.js'
import { describeReciprocityLedger } from './reciprocity-ledger.js'
import { describeManifestStore, describeReplicaStore } from './replica-store.js'
import { describeTesseraStore } from './tessera-store.js'
import { describeVaultStore } from './vault-store.js'

describeTesseraStore('idb (fake-indexeddb)', idbTesseraSuite)
describeFragmentStore('idb (fake-indexeddb)', idbFragmentSuite)
describeVaultStore('idb (fake-indexeddb)', idbVaultSuite)
describeReciprocityLedger('idb (fake-indexeddb)', idbLedgerSuite)
describeReplicaStore('idb (fake-indexeddb)', idbReplicaSuite)
describeManifestStore('idb (fake-indexeddb)', idbManifestSuite)
