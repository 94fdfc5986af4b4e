/**
 * Compliance suite of the {@link FragmentStore} port. Portable: no Node APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FragmentStore } from '../../src/core/ports.js'
import type { FragmentId } from '../../src/core/types.js'
import { type SuiteOptions, abortedSignal, hex, makeFragmentId, randomBytes, rejection } from './fixtures.js'

/** What a fragment-store suite needs from an adapter. */
export interface FragmentStoreHarness {
  store: FragmentStore
}

const byIndex = (a: FragmentId, b: FragmentId): number => a.index - b.index

/**
 * Registers the FragmentStore compliance tests.
 * @param name adapter name shown in the report
 */
export function describeFragmentStore (name: string, options: SuiteOptions<FragmentStoreHarness>): void {
  describe(`FragmentStore compliance: ${name}`, () => {
    let h: FragmentStoreHarness
    let store: FragmentStore

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('returns undefined and false when the fragment is missing', async () => {
      const id = makeFragmentId()
      expect(await store.get(id)).toBeUndefined()
      expect(await store.has(id)).toBe(false)
      expect(await store.list()).toEqual([])
      expect(await store.list(id.tesseraHashHex)).toEqual([])
    })

    it('deletes a missing fragment without error', async () => {
      await expect(store.delete(makeFragmentId())).resolves.toBeUndefined()
    })

    it('returns the bytes that were put', async () => {
      const id = makeFragmentId({ index: 3 })
      const bytes = randomBytes(500)
      await store.put(id, bytes)
      const read = await store.get(id)
      expect(read).toBeInstanceOf(Uint8Array)
      expect(read).toEqual(bytes)
      expect(await store.has(id)).toBe(true)
      expect(await store.list()).toEqual([id])
    })

    it('treats a repeated put as a no-op', async () => {
      const id = makeFragmentId()
      const bytes = randomBytes(50)
      await store.put(id, bytes)
      await store.put({ ...id }, bytes.slice())
      expect(await store.list()).toEqual([id])
      expect(await store.get(id)).toEqual(bytes)
    })

    it('stores a copy: changing the caller’s bytes later does not change them', async () => {
      const id = makeFragmentId()
      const bytes = randomBytes(50)
      const copy = bytes.slice()
      await store.put(id, bytes)
      bytes.fill(0)
      expect(await store.get(id)).toEqual(copy)
    })

    it('keeps fragments apart by index, checksum and shard count', async () => {
      const base = makeFragmentId({ index: 1 })
      const others = [
        { ...base, index: 2 },
        { ...base, checksumHex: hex(randomBytes(32)) },
        { ...base, shardCount: 3 }
      ]
      for (const id of [base, ...others]) await store.put(id, randomBytes(8))
      expect(await store.list()).toHaveLength(4)
      await store.delete(base)
      expect(await store.has(base)).toBe(false)
      for (const id of others) expect(await store.has(id)).toBe(true)
    })

    it('writes in parallel', async () => {
      const tesseraHashHex = hex(randomBytes(32))
      const ids = Array.from({ length: 24 }, (_, index) => makeFragmentId({ tesseraHashHex, index }))
      const shards = ids.map(() => randomBytes(256))
      await Promise.all(ids.map(async (id, i) => { await store.put(id, shards[i]) }))
      const listed = await store.list(tesseraHashHex)
      expect([...listed].sort(byIndex)).toEqual(ids)
      const read = await Promise.all(ids.map(async id => await store.get(id)))
      expect(read).toEqual(shards)
    })

    it('lists only one tessera’s fragments when asked', async () => {
      const a = hex(randomBytes(32))
      const b = hex(randomBytes(32))
      const ofA = [2, 0, 1].map(index => makeFragmentId({ tesseraHashHex: a, index }))
      const ofB = [0, 1].map(index => makeFragmentId({ tesseraHashHex: b, index }))
      for (const id of [...ofA, ...ofB]) await store.put(id, randomBytes(4))
      expect([...await store.list(a)].sort(byIndex)).toEqual([...ofA].sort(byIndex))
      expect([...await store.list(b)].sort(byIndex)).toEqual(ofB)
      expect(await store.list()).toHaveLength(5)
    })

    it('removes a deleted fragment', async () => {
      const id = makeFragmentId()
      await store.put(id, randomBytes(4))
      await store.delete(id)
      expect(await store.get(id)).toBeUndefined()
      expect(await store.has(id)).toBe(false)
      expect(await store.list()).toEqual([])
    })

    it('rejects a malformed id with TypeError or RangeError', async () => {
      const id = makeFragmentId({ index: 1, shardCount: 3 })
      const bad: unknown[] = [
        null,
        { ...id, tesseraHashHex: 'abc' },
        { ...id, checksumHex: 7 },
        { ...id, index: -1 },
        { ...id, index: 3 },
        { ...id, index: 0.5 },
        { ...id, shardCount: 0 }
      ]
      for (const b of bad) {
        const id = b as FragmentId
        for (const call of [async () => await store.put(id, randomBytes(1)), async () => await store.get(id), async () => await store.has(id), async () => await store.delete(id)]) {
          expect(['TypeError', 'RangeError']).toContain((await rejection(call())).name)
        }
      }
      expect(['TypeError', 'RangeError']).toContain((await rejection(store.put(id, 'bytes' as unknown as Uint8Array))).name)
    })

    it('rejects every call with AbortError when the signal is already aborted', async () => {
      const id = makeFragmentId()
      const signal = abortedSignal()
      for (const call of [
        async () => await store.put(id, randomBytes(4), { signal }),
        async () => await store.get(id, { signal }),
        async () => await store.has(id, { signal }),
        async () => await store.delete(id, { signal }),
        async () => await store.list(undefined, { signal }),
        async () => await store.list(id.tesseraHashHex, { signal })
      ]) {
        const err = await rejection(call())
        expect(err.name).toBe('AbortError')
        expect(err.code).toBe('ABORT_ERR')
      }
      expect(await store.has(id)).toBe(false)
    })

    describe('quota', () => {
      let q: FragmentStoreHarness | undefined
      afterEach(async () => {
        if (q !== undefined) await options.teardown(q)
        q = undefined
      })

      it('maps a full disk to StorageFullError and keeps nothing of the failed put', async () => {
        q = await options.setup({ quotaBytes: 1500 })
        const first = makeFragmentId()
        const second = makeFragmentId()
        await q.store.put(first, randomBytes(1000))
        const err = await rejection(q.store.put(second, randomBytes(1000)))
        expect(err.name).toBe('StorageFullError')
        expect(err.code).toBe('ERR_STORAGE_FULL')
        expect(err.cause).toBeDefined()
        expect(await q.store.has(second)).toBe(false)
        expect(await q.store.has(first)).toBe(true)
      })
    })
  })
}
