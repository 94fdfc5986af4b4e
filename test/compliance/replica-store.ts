/**
 * Compliance suites of the {@link ReplicaStore} (holder map) and {@link ManifestStore} ports.
 * Portable: no Node APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ManifestStore, ReplicaRecord, ReplicaStore } from '../../src/core/ports.js'
import { type SuiteOptions, abortedSignal, hex, makeFragmentId, makeRecord, randomBytes, rejection } from './fixtures.js'

/** What a replica-store suite needs from an adapter. */
export interface ReplicaStoreHarness {
  store: ReplicaStore
  /** A new instance over the same data, when the adapter persists. */
  reopen?: () => Promise<ReplicaStore>
}

/** What a manifest-store suite needs from an adapter. */
export interface ManifestStoreHarness {
  store: ManifestStore
  reopen?: () => Promise<ManifestStore>
}

/** A well-formed holder row. */
export function makeReplica (init: Partial<ReplicaRecord> = {}): ReplicaRecord {
  return {
    tesseraHashHex: init.tesseraHashHex ?? hex(randomBytes(32)),
    index: init.index ?? 0,
    holderId: init.holderId ?? 'holder-1',
    kind: init.kind ?? 'webrtc',
    storedAt: init.storedAt ?? 1_700_000_000_000,
    lastProofAt: init.lastProofAt ?? 1_700_000_000_000,
    ...(init.failingSince !== undefined ? { failingSince: init.failingSince } : {}),
    ...(init.receipt !== undefined ? { receipt: init.receipt } : {})
  }
}

/**
 * Registers the ReplicaStore compliance tests.
 * @param name adapter name shown in the report
 */
export function describeReplicaStore (name: string, options: SuiteOptions<ReplicaStoreHarness>): void {
  describe(`ReplicaStore compliance: ${name}`, () => {
    let h: ReplicaStoreHarness
    let store: ReplicaStore

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('returns empty lists when nothing is recorded', async () => {
      expect(await store.list(hex(randomBytes(32)))).toEqual([])
      expect(await store.listByHolder('nobody')).toEqual([])
      expect(await store.tesseras()).toEqual([])
    })

    it('lists one tessera’s rows by index, then holder', async () => {
      const t = hex(randomBytes(32))
      const rows = [makeReplica({ tesseraHashHex: t, index: 2, holderId: 'b' }), makeReplica({ tesseraHashHex: t, index: 0, holderId: 'z' }),
        makeReplica({ tesseraHashHex: t, index: 2, holderId: 'a' }), makeReplica({ tesseraHashHex: t, index: 10, holderId: 'a' })]
      for (const r of rows) await store.put(r)
      await store.put(makeReplica({ index: 1 }))
      expect((await store.list(t)).map(r => [r.index, r.holderId])).toEqual([[0, 'z'], [2, 'a'], [2, 'b'], [10, 'a']])
    })

    it('replaces the row of the same tessera, index and holder', async () => {
      const r = makeReplica()
      await store.put(r)
      await store.put({ ...r, lastProofAt: r.lastProofAt + 5, failingSince: r.storedAt + 9 })
      const rows = await store.list(r.tesseraHashHex)
      expect(rows).toHaveLength(1)
      expect(rows[0].lastProofAt).toBe(r.lastProofAt + 5)
      expect(rows[0].failingSince).toBe(r.storedAt + 9)
      await store.put(r)
      expect((await store.list(r.tesseraHashHex))[0]).not.toHaveProperty('failingSince')
    })

    it('keeps the receipt bytes', async () => {
      const fragment = makeFragmentId({ index: 3 })
      const receipt = { fragment, holderId: 'h', storedAt: 5, nonce: randomBytes(16), signature: randomBytes(64) }
      const r = makeReplica({ tesseraHashHex: fragment.tesseraHashHex, index: 3, holderId: 'h', receipt })
      await store.put(r)
      const [read] = await store.list(fragment.tesseraHashHex)
      expect(read).toEqual(r)
      expect(read.receipt?.nonce).toBeInstanceOf(Uint8Array)
    })

    it('lists rows by holder across tesseras', async () => {
      const [t1, t2] = [hex(randomBytes(32)), hex(randomBytes(32))].sort()
      await store.put(makeReplica({ tesseraHashHex: t2, index: 1, holderId: 'h' }))
      await store.put(makeReplica({ tesseraHashHex: t1, index: 4, holderId: 'h' }))
      await store.put(makeReplica({ tesseraHashHex: t1, index: 5, holderId: 'other' }))
      expect((await store.listByHolder('h')).map(r => [r.tesseraHashHex, r.index])).toEqual([[t1, 4], [t2, 1]])
      expect(await store.tesseras()).toEqual([t1, t2])
    })

    it('deletes one row and ignores a missing one', async () => {
      const r = makeReplica({ index: 1 })
      await store.put(r)
      await store.put({ ...r, holderId: 'holder-2' })
      await store.delete(r.tesseraHashHex, 1, 'holder-1')
      await store.delete(r.tesseraHashHex, 7, 'nobody')
      expect((await store.list(r.tesseraHashHex)).map(x => x.holderId)).toEqual(['holder-2'])
      await store.delete(r.tesseraHashHex, 1, 'holder-2')
      expect(await store.tesseras()).toEqual([])
    })

    it('writes in parallel', async () => {
      const t = hex(randomBytes(32))
      await Promise.all(Array.from({ length: 24 }, async (_, index) => { await store.put(makeReplica({ tesseraHashHex: t, index, holderId: `p${index}` })) }))
      expect((await store.list(t)).map(r => r.index)).toEqual(Array.from({ length: 24 }, (_, i) => i))
    })

    it('rejects a malformed record with TypeError or RangeError', async () => {
      const r = makeReplica()
      const bad: unknown[] = [null, { ...r, tesseraHashHex: 'x' }, { ...r, index: -1 }, { ...r, holderId: '' }, { ...r, kind: 'carrier-pigeon' },
        { ...r, storedAt: 'now' }, { ...r, receipt: { ...makeReplica(), nonce: 'n' } }]
      for (const b of bad) expect(['TypeError', 'RangeError']).toContain((await rejection(store.put(b as ReplicaRecord))).name)
      expect(await store.tesseras()).toEqual([])
    })

    it('rejects every call with AbortError when the signal is already aborted', async () => {
      const r = makeReplica()
      const signal = abortedSignal()
      for (const call of [
        async () => await store.put(r, { signal }),
        async () => await store.list(r.tesseraHashHex, { signal }),
        async () => await store.listByHolder(r.holderId, { signal }),
        async () => await store.delete(r.tesseraHashHex, 0, r.holderId, { signal }),
        async () => await store.tesseras({ signal })
      ]) {
        const err = await rejection(call())
        expect(err.name).toBe('AbortError')
      }
      expect(await store.tesseras()).toEqual([])
    })

    it('keeps rows across a reopen (persistent adapters)', async () => {
      if (h.reopen === undefined) return
      const r = makeReplica({ index: 6 })
      await store.put(r)
      expect(await (await h.reopen()).list(r.tesseraHashHex)).toEqual([r])
    })
  })
}

/**
 * Registers the ManifestStore compliance tests.
 * @param name adapter name shown in the report
 */
export function describeManifestStore (name: string, options: SuiteOptions<ManifestStoreHarness>): void {
  describe(`ManifestStore compliance: ${name}`, () => {
    let h: ManifestStoreHarness
    let store: ManifestStore

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('returns undefined for a missing manifest and deletes one without error', async () => {
      const t = hex(randomBytes(32))
      expect(await store.get(t)).toBeUndefined()
      await expect(store.delete(t)).resolves.toBeUndefined()
      expect(await store.list()).toEqual([])
    })

    it('returns the manifest that was put, keyed by its tessera hash', async () => {
      const { manifest, hashHex } = makeRecord()
      await store.put(manifest)
      expect(await store.get(hashHex)).toEqual(manifest)
      expect(await store.list()).toEqual([hashHex])
      await store.put(manifest)
      expect(await store.list()).toEqual([hashHex])
      await store.delete(hashHex)
      expect(await store.get(hashHex)).toBeUndefined()
    })

    it('drops unknown fields and lists hashes in ascending order', async () => {
      const a = makeRecord()
      const b = makeRecord()
      await store.put({ ...a.manifest, extra: 1 } as typeof a.manifest)
      await store.put(b.manifest)
      expect(await store.get(a.hashHex)).not.toHaveProperty('extra')
      expect(await store.list()).toEqual([a.hashHex, b.hashHex].sort())
    })

    it('rejects a malformed manifest and an aborted signal', async () => {
      const { manifest } = makeRecord()
      for (const bad of [null, { ...manifest, tesseraHash: randomBytes(3) }, { ...manifest, shardChecksums: [] }]) {
        expect(['TypeError', 'RangeError']).toContain((await rejection(store.put(bad as typeof manifest))).name)
      }
      expect((await rejection(store.put(manifest, { signal: abortedSignal() }))).name).toBe('AbortError')
      expect((await rejection(store.list({ signal: abortedSignal() }))).name).toBe('AbortError')
      expect(await store.list()).toEqual([])
    })

    it('keeps manifests across a reopen (persistent adapters)', async () => {
      if (h.reopen === undefined) return
      const { manifest, hashHex } = makeRecord()
      await store.put(manifest)
      expect(await (await h.reopen()).get(hashHex)).toEqual(manifest)
    })
  })
}
