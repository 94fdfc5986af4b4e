/**
 * Compliance suite of the {@link ReciprocityLedger} port ([Note: Reciprocity]). Portable: no
 * Node APIs. `storeFor` must put the shard and its credit atomically: a failed write leaves
 * neither bytes nor credit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FragmentStore, ReciprocityLedger } from '../../src/core/ports.js'
import { type SuiteOptions, abortedSignal, makeFragmentId, randomBytes, rejection } from './fixtures.js'

/** What a ledger suite needs from an adapter. */
export interface ReciprocityLedgerHarness {
  ledger: ReciprocityLedger
  /** The fragment store `storeFor` writes into (to check the bytes landed, or did not). */
  fragments: FragmentStore
  /** A new ledger instance over the same data, when the adapter persists (idb, fs). */
  reopen?: () => Promise<ReciprocityLedger>
}

/**
 * Registers the ReciprocityLedger compliance tests.
 * @param name adapter name shown in the report
 */
export function describeReciprocityLedger (name: string, options: SuiteOptions<ReciprocityLedgerHarness>): void {
  describe(`ReciprocityLedger compliance: ${name}`, () => {
    let h: ReciprocityLedgerHarness
    let ledger: ReciprocityLedger

    beforeEach(async () => {
      h = await options.setup()
      ledger = h.ledger
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('returns a zero entry for an unknown peer and lists nothing', async () => {
      expect(await ledger.entry('peer-a')).toEqual({ peerId: 'peer-a', heldForThemBytes: 0, heldByThemBytes: 0, updatedAt: 0 })
      expect(await ledger.entries()).toEqual([])
      expect(await ledger.totalHeldForOthers()).toBe(0)
    })

    it('stores the shard and credits the peer with its bytes', async () => {
      const id = makeFragmentId()
      const bytes = randomBytes(300)
      const entry = await ledger.storeFor('peer-a', id, bytes)
      expect(entry.peerId).toBe('peer-a')
      expect(entry.heldForThemBytes).toBe(300)
      expect(entry.heldByThemBytes).toBe(0)
      expect(entry.updatedAt).toBeGreaterThan(0)
      expect(await h.fragments.get(id)).toEqual(bytes)
      expect(await ledger.entry('peer-a')).toEqual(entry)
      expect(await ledger.totalHeldForOthers()).toBe(300)
      expect(await ledger.entries()).toEqual([entry])
    })

    it('counts a repeated storeFor of the same fragment once', async () => {
      const id = makeFragmentId()
      const bytes = randomBytes(100)
      await ledger.storeFor('peer-a', id, bytes)
      const again = await ledger.storeFor('peer-a', { ...id }, bytes.slice())
      expect(again.heldForThemBytes).toBe(100)
      expect(await ledger.totalHeldForOthers()).toBe(100)
    })

    it('sums every peer into totalHeldForOthers and lists entries by peer id', async () => {
      await ledger.storeFor('peer-b', makeFragmentId(), randomBytes(10))
      await ledger.storeFor('peer-a', makeFragmentId(), randomBytes(20))
      await ledger.storeFor('peer-a', makeFragmentId(), randomBytes(30))
      expect(await ledger.totalHeldForOthers()).toBe(60)
      expect((await ledger.entries()).map(e => [e.peerId, e.heldForThemBytes])).toEqual([['peer-a', 50], ['peer-b', 10]])
    })

    it('credits parallel stores exactly', async () => {
      const ids = Array.from({ length: 16 }, (_, index) => makeFragmentId({ index }))
      await Promise.all(ids.map(async (id, i) => await ledger.storeFor(i % 2 === 0 ? 'peer-a' : 'peer-b', id, randomBytes(64))))
      expect((await ledger.entry('peer-a')).heldForThemBytes).toBe(8 * 64)
      expect((await ledger.entry('peer-b')).heldForThemBytes).toBe(8 * 64)
      expect(await ledger.totalHeldForOthers()).toBe(16 * 64)
      for (const id of ids) expect(await h.fragments.has(id)).toBe(true)
    })

    it('lists the peers it holds fragments of a tessera for, and forgets one whose fragments were dropped', async () => {
      const tessera = 'ab'.repeat(32)
      const a = makeFragmentId({ tesseraHashHex: tessera, index: 0 })
      const b = makeFragmentId({ tesseraHashHex: tessera, index: 5 })
      await ledger.storeFor('peer-b', b, randomBytes(10))
      await ledger.storeFor('peer-a', a, randomBytes(10))
      await ledger.storeFor('peer-a', b, randomBytes(10))
      await ledger.storeFor('peer-c', makeFragmentId({ tesseraHashHex: 'ab'.repeat(31) + 'ac' }), randomBytes(10))
      // Held *by* a peer (our fragments at it) is not held *for* it.
      await ledger.recordHeldBy('peer-d', makeFragmentId({ tesseraHashHex: tessera, index: 7 }), 10)
      expect(await ledger.peersHeldFor(tessera)).toEqual(['peer-a', 'peer-b'])
      await ledger.dropFor('peer-b', b)
      expect(await ledger.peersHeldFor(tessera)).toEqual(['peer-a'])
      expect(await ledger.peersHeldFor('cd'.repeat(32))).toEqual([])
      if (h.reopen !== undefined) expect(await (await h.reopen()).peersHeldFor(tessera)).toEqual(['peer-a'])
      await expect(ledger.peersHeldFor('')).rejects.toBeInstanceOf(TypeError)
      await expect(ledger.peersHeldFor(tessera, { signal: abortedSignal() })).rejects.toMatchObject({ name: 'AbortError' })
    })

    it('drops the shard and its credit, and ignores an unknown drop', async () => {
      const id = makeFragmentId()
      await ledger.storeFor('peer-a', id, randomBytes(50))
      const entry = await ledger.dropFor('peer-a', id)
      expect(entry.heldForThemBytes).toBe(0)
      expect(await h.fragments.has(id)).toBe(false)
      expect(await ledger.totalHeldForOthers()).toBe(0)
      expect(await ledger.entries()).toEqual([])
      expect((await ledger.dropFor('peer-a', id)).heldForThemBytes).toBe(0)
      expect((await ledger.dropFor('peer-z', makeFragmentId())).updatedAt).toBe(0)
    })

    it('keeps the bytes while another peer’s credit still refers to them', async () => {
      const id = makeFragmentId()
      const bytes = randomBytes(40)
      await ledger.storeFor('peer-a', id, bytes)
      await ledger.storeFor('peer-b', id, bytes)
      await ledger.dropFor('peer-a', id)
      expect(await h.fragments.get(id)).toEqual(bytes)
      await ledger.dropFor('peer-b', id)
      expect(await h.fragments.has(id)).toBe(false)
    })

    it('records and forgets fragments a peer holds for us, idempotently', async () => {
      const id = makeFragmentId()
      expect((await ledger.recordHeldBy('peer-a', id, 700)).heldByThemBytes).toBe(700)
      expect((await ledger.recordHeldBy('peer-a', { ...id }, 700)).heldByThemBytes).toBe(700)
      await ledger.recordHeldBy('peer-a', makeFragmentId(), 300)
      expect((await ledger.entry('peer-a')).heldByThemBytes).toBe(1000)
      expect(await ledger.totalHeldForOthers()).toBe(0)
      expect((await ledger.forgetHeldBy('peer-a', id)).heldByThemBytes).toBe(300)
      expect((await ledger.forgetHeldBy('peer-a', id)).heldByThemBytes).toBe(300)
      expect((await ledger.forgetHeldBy('peer-q', id)).heldByThemBytes).toBe(0)
    })

    it('keeps both directions of one peer apart', async () => {
      const id = makeFragmentId()
      await ledger.storeFor('peer-a', id, randomBytes(10))
      await ledger.recordHeldBy('peer-a', id, 25)
      const e = await ledger.entry('peer-a')
      expect([e.heldForThemBytes, e.heldByThemBytes]).toEqual([10, 25])
      await ledger.forgetHeldBy('peer-a', id)
      expect(await h.fragments.has(id)).toBe(true)
      expect((await ledger.entry('peer-a')).heldForThemBytes).toBe(10)
    })

    it('rejects malformed arguments with TypeError or RangeError', async () => {
      const id = makeFragmentId()
      for (const call of [
        async () => await ledger.storeFor('', id, randomBytes(1)),
        async () => await ledger.storeFor('peer-a', { ...id, index: 99 }, randomBytes(1)),
        async () => await ledger.storeFor('peer-a', id, 'x' as unknown as Uint8Array),
        async () => await ledger.recordHeldBy('peer-a', id, -1),
        async () => await ledger.recordHeldBy('peer-a', id, 1.5),
        async () => await ledger.entry(7 as unknown as string)
      ]) {
        expect(['TypeError', 'RangeError']).toContain((await rejection(call())).name)
      }
      expect(await ledger.entries()).toEqual([])
    })

    it('rejects every call with AbortError when the signal is already aborted, changing nothing', async () => {
      const id = makeFragmentId()
      const signal = abortedSignal()
      for (const call of [
        async () => await ledger.entry('peer-a', { signal }),
        async () => await ledger.entries({ signal }),
        async () => await ledger.totalHeldForOthers({ signal }),
        async () => await ledger.storeFor('peer-a', id, randomBytes(4), { signal }),
        async () => await ledger.dropFor('peer-a', id, { signal }),
        async () => await ledger.recordHeldBy('peer-a', id, 4, { signal }),
        async () => await ledger.forgetHeldBy('peer-a', id, { signal })
      ]) {
        const err = await rejection(call())
        expect(err.name).toBe('AbortError')
        expect(err.code).toBe('ABORT_ERR')
      }
      expect(await h.fragments.has(id)).toBe(false)
      expect(await ledger.entries()).toEqual([])
    })

    it('keeps its accounts across a reopen (persistent adapters)', async () => {
      if (h.reopen === undefined) return
      const id = makeFragmentId()
      await ledger.storeFor('peer-a', id, randomBytes(12))
      await ledger.recordHeldBy('peer-b', id, 34)
      const again = await h.reopen()
      expect((await again.entry('peer-a')).heldForThemBytes).toBe(12)
      expect((await again.entry('peer-b')).heldByThemBytes).toBe(34)
      expect(await again.totalHeldForOthers()).toBe(12)
    })

    describe('quota', () => {
      let q: ReciprocityLedgerHarness | undefined
      afterEach(async () => {
        if (q !== undefined) await options.teardown(q)
        q = undefined
      })

      it('maps a full disk to StorageFullError and keeps neither bytes nor credit of the failed store', async () => {
        q = await options.setup({ quotaBytes: 1500 })
        const first = makeFragmentId()
        const second = makeFragmentId()
        await q.ledger.storeFor('peer-a', first, randomBytes(1000))
        const err = await rejection(q.ledger.storeFor('peer-a', second, randomBytes(1000)))
        expect(err.name).toBe('StorageFullError')
        expect(err.code).toBe('ERR_STORAGE_FULL')
        expect(await q.fragments.has(second)).toBe(false)
        expect(await q.fragments.has(first)).toBe(true)
        expect((await q.ledger.entry('peer-a')).heldForThemBytes).toBe(1000)
        expect(await q.ledger.totalHeldForOthers()).toBe(1000)
      })
    })
  })
}
