import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MemoryFragmentStore } from '../../../src/store/memory/index.js'
import {
  LedgerBook, balanceOf, createMemoryLedger, decideReplicate, fragmentKey, repairPriority, MIB, GIB
} from '../../../src/replication/index.js'
import type { LedgerEntry } from '../../../src/core/ports.js'
import { fragmentId } from './helpers.js'

const entry = (heldForThemBytes: number, heldByThemBytes: number): LedgerEntry => ({ peerId: 'p', heldForThemBytes, heldByThemBytes, updatedAt: 1 })
const ctx = (over: Partial<Parameters<typeof decideReplicate>[0]> = {}): Parameters<typeof decideReplicate>[0] =>
  ({ institutional: false, entry: entry(0, 0), shardBytes: MIB, totalHeldForOthers: 0, ...over })

describe('decideReplicate', () => {
  it('accepts a newcomer within the 256 MB deficit allowance', () => {
    expect(decideReplicate(ctx({ entry: entry(255 * MIB, 0) }))).toEqual({ accept: true })
  })

  it('refuses a sender whose deficit would exceed 256 MB', () => {
    expect(decideReplicate(ctx({ entry: entry(256 * MIB, 0) }))).toEqual({ accept: false, status: 'REFUSED_DEFICIT' })
  })

  it('lets a sender who holds much for us go past the allowance, up to the 1 GB per-peer limit', () => {
    expect(decideReplicate(ctx({ entry: entry(900 * MIB, 900 * MIB) }))).toEqual({ accept: true })
    expect(decideReplicate(ctx({ entry: entry(GIB, 2 * GIB) }))).toEqual({ accept: false, status: 'REFUSED_PEER_LIMIT' })
  })

  it('exempts institutional senders from deficit and per-peer limits, not from our capacity', () => {
    expect(decideReplicate(ctx({ institutional: true, entry: entry(GIB, 0), totalHeldForOthers: 0 }), { offeredStorageBytes: 10 * GIB })).toEqual({ accept: true })
    expect(decideReplicate(ctx({ institutional: true, totalHeldForOthers: GIB }))).toEqual({ accept: false, status: 'REFUSED_CAPACITY' })
  })

  it('refuses when offered storage or free space would run out', () => {
    expect(decideReplicate(ctx({ totalHeldForOthers: GIB - MIB + 1 }))).toEqual({ accept: false, status: 'REFUSED_CAPACITY' })
    // Large devices keep 1 GiB free.
    expect(decideReplicate(ctx({ freeBytes: GIB + MIB - 1, totalHeldForOthers: 0 }), { offeredStorageBytes: 10 * GIB, minFreeFraction: 1 })).toEqual({ accept: false, status: 'REFUSED_DISK_FULL' })
    expect(decideReplicate(ctx({ freeBytes: 5 * GIB }))).toEqual({ accept: true })
    expect(decideReplicate(ctx({ freeBytes: GIB + MIB - 1, totalHeldForOthers: 4 * GIB }))).toEqual({ accept: false, status: 'REFUSED_DISK_FULL' })
  })

  it('keeps a quarter free on small devices instead of refusing everything', () => {
    expect(decideReplicate(ctx({ freeBytes: 300 * MIB, totalHeldForOthers: 0 }))).toEqual({ accept: true })
    expect(decideReplicate(ctx({ freeBytes: 80 * MIB, totalHeldForOthers: 0 }))).toEqual({ accept: true })
    // 5 MiB free, 295 held: a quarter of 300 is 75, already below it.
    expect(decideReplicate(ctx({ freeBytes: 5 * MIB, totalHeldForOthers: 295 * MIB }))).toEqual({ accept: false, status: 'REFUSED_DISK_FULL' })
    expect(decideReplicate(ctx({ freeBytes: MIB + MIB / 4, totalHeldForOthers: 0 }))).toEqual({ accept: false, status: 'REFUSED_DISK_FULL' })
  })

  it('always accepts a retry of a fragment already held', () => {
    expect(decideReplicate(ctx({ entry: entry(GIB, 0), alreadyHeld: true }))).toEqual({ accept: true })
  })

  it('rejects negative or fractional byte counts', () => {
    expect(() => decideReplicate(ctx({ shardBytes: -1 }))).toThrow(RangeError)
    expect(() => decideReplicate(ctx({ entry: entry(0.5, 0) }))).toThrow(RangeError)
  })

  it('never lets an accepted non-institutional sender past the limits', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 64 * MIB }), { maxLength: 80 }), fc.nat(2 * GIB), (shards, theyHold) => {
      let e = entry(0, theyHold)
      let total = 0
      for (const n of shards) {
        const d = decideReplicate(ctx({ entry: e, shardBytes: n, totalHeldForOthers: total }))
        if (d.accept) {
          e = entry(e.heldForThemBytes + n, e.heldByThemBytes)
          total += n
        }
      }
      expect(e.heldForThemBytes).toBeLessThanOrEqual(GIB)
      expect(-balanceOf(e)).toBeLessThanOrEqual(256 * MIB)
    }))
  })
})

describe('repairPriority', () => {
  it('puts free riders last', () => {
    expect(repairPriority(entry(0, 0))).toBe(0)
    expect(repairPriority(entry(300 * MIB, 0))).toBe(1)
  })
})

describe('LedgerBook', () => {
  it('conserves balances between mirrored nodes and stays idempotent (property)', () => {
    const nodes = ['a', 'b', 'c', 'd']
    const op = fc.record({
      kind: fc.constantFrom('store', 'drop'),
      owner: fc.integer({ min: 0, max: 3 }),
      holder: fc.integer({ min: 0, max: 3 }),
      fragment: fc.integer({ min: 0, max: 15 }),
      bytes: fc.integer({ min: 0, max: 1000 })
    })
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const books = new Map(nodes.map(n => [n, new LedgerBook()]))
      const size = new Map<string, number>() // a fragment's size is fixed by its content
      let now = 0
      for (const o of ops) {
        if (o.owner === o.holder) continue
        const owner = nodes[o.owner]
        const holder = nodes[o.holder]
        const key = `${owner}/${o.fragment}`
        const bytes = size.get(key) ?? o.bytes
        size.set(key, bytes)
        now++
        const h = books.get(holder) as LedgerBook
        const w = books.get(owner) as LedgerBook
        if (o.kind === 'store') {
          h.storeFor(owner, key, bytes, now)
          w.recordHeldBy(holder, key, bytes, now)
          // Repeating the same step changes nothing.
          expect(h.storeFor(owner, key, bytes, now + 1)).toEqual(h.entry(owner))
        } else {
          h.dropFor(owner, key, now)
          w.forgetHeldBy(holder, key, now)
        }
      }
      let sum = 0
      for (const x of nodes) {
        const bx = books.get(x) as LedgerBook
        let heldForOthers = 0
        for (const y of nodes) {
          if (x === y) continue
          const exy = bx.entry(y)
          const eyx = (books.get(y) as LedgerBook).entry(x)
          expect(exy.heldForThemBytes).toBe(eyx.heldByThemBytes)
          expect(balanceOf(exy) + balanceOf(eyx)).toBe(0)
          expect(exy.heldForThemBytes).toBeGreaterThanOrEqual(0)
          heldForOthers += exy.heldForThemBytes
          sum += balanceOf(exy)
        }
        expect(bx.totalHeldForOthers).toBe(heldForOthers)
      }
      expect(sum).toBe(0)
    }))
  })
})

describe('createMemoryLedger', () => {
  it('stores the shard and the credit together, idempotently', async () => {
    const fragments = new MemoryFragmentStore()
    const ledger = createMemoryLedger({ fragments, clock: { now: () => 42, sleep: async () => {} } })
    const id = fragmentId()
    await ledger.storeFor('p', id, new Uint8Array(100))
    const e = await ledger.storeFor('p', id, new Uint8Array(100))
    expect(e).toEqual({ peerId: 'p', heldForThemBytes: 100, heldByThemBytes: 0, updatedAt: 42 })
    expect(await fragments.has(id)).toBe(true)
    expect(await ledger.totalHeldForOthers()).toBe(100)
  })

  it('leaves the ledger unchanged when the store is full', async () => {
    const ledger = createMemoryLedger({ fragments: new MemoryFragmentStore({ quotaBytes: 50 }) })
    await expect(ledger.storeFor('p', fragmentId(), new Uint8Array(100))).rejects.toMatchObject({ name: 'StorageFullError' })
    expect(await ledger.entries()).toEqual([])
  })

  it('keeps bytes another peer still has credit for when one drops them', async () => {
    const fragments = new MemoryFragmentStore()
    const ledger = createMemoryLedger({ fragments })
    const id = fragmentId()
    await ledger.storeFor('p', id, new Uint8Array(10))
    await ledger.storeFor('q', id, new Uint8Array(10))
    await ledger.dropFor('p', id)
    expect(await fragments.has(id)).toBe(true)
    await ledger.dropFor('q', id)
    expect(await fragments.has(id)).toBe(false)
    expect(await ledger.totalHeldForOthers()).toBe(0)
  })

  it('records proven holdings once', async () => {
    const ledger = createMemoryLedger({ fragments: new MemoryFragmentStore() })
    await ledger.recordHeldBy('p', fragmentId(), 7)
    const e = await ledger.recordHeldBy('p', fragmentId(), 7)
    expect(balanceOf(e)).toBe(7)
    expect(balanceOf(await ledger.forgetHeldBy('p', fragmentId()))).toBe(0)
    expect(fragmentKey(fragmentId())).toContain('/0/24/')
  })

  it('rejects calls with an aborted signal', async () => {
    const ledger = createMemoryLedger({ fragments: new MemoryFragmentStore() })
    await expect(ledger.entry('p', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
  })
})
