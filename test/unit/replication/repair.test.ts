/**
 * Health checks and repair over a simulated network ("persistence-degraded" in miniature,
 * issue 6): attestation of every holder, the grace period, re-placement of lost slots from the
 * owner's copy and keyless from k shards, local corruption. Real tesseras saved by the Library
 * (signed manifests, real ciphertext); virtual clock, seeded randomness.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createReedSolomon } from '../../../src/codec/index.js'
import { equalBytes } from '../../../src/core/hex.js'
import type { FragmentId, TesseraMetadata } from '../../../src/core/types.js'
import type { TesseraRecord, TesseraStore } from '../../../src/core/ports.js'
import {
  DEFAULT_HOLDER_GRACE_MS, HOUR_MS, type RepairEvent, type Repairer, type RepairInit, type ReplicationService,
  createMemoryLedger, designatedWatcher, fragmentOf, isShardOf, localShardSource, placeShards, repairer
} from '../../../src/replication/index.js'
import { MemoryFragmentStore, MemoryTesseraStore } from '../../../src/store/memory/index.js'
import { fileOf, ownerLibrary } from './owner-library.js'
import { seededBytes, seededRandom } from './helpers.js'
import { type SimNode, SimWorld } from './sim-network.js'

const metadata: TesseraMetadata = {
  title: 'Harbour at dawn', description: 'photos', date: '2026-03-04', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private'
}

let tesseras: MemoryTesseraStore
let medium: TesseraRecord
let small: TesseraRecord

beforeAll(async () => {
  const owner = await ownerLibrary()
  tesseras = owner.tesseras
  medium = await owner.save([fileOf('harbour.bin', seededBytes(303)(4 * 1024 * 1024 + 4321))], metadata)
  expect(medium.manifest).toMatchObject({ tier: 'medium', k: 16, m: 8 })
  small = await owner.save([fileOf('note.bin', seededBytes(304)(200 * 1024))], metadata)
  expect(small.manifest).toMatchObject({ tier: 'small', k: 1, m: 0 })
}, 120_000)

/** A repairer running on `node` (owner mode when `own` holds the tessera). */
function repairOn (w: SimWorld, node: SimNode, own: TesseraStore = new MemoryTesseraStore(), init: RepairInit = {},
  replication: Pick<ReplicationService, 'pushShards'> = node.service): Repairer {
  return repairer(init)({
    network: node.network,
    tesseras: own,
    manifests: node.manifests,
    fragments: node.fragments,
    replicas: node.replicas,
    ledger: node.ledger,
    replication,
    clock: w.clock,
    random: seededRandom(99),
    randomBytes: seededBytes(98)
  })
}

/** Owner + 24 holders with the Medium memory replicated on all of them (one shard each). */
async function replicated (seed = 1): Promise<{ w: SimWorld, owner: SimNode, holders: SimNode[] }> {
  const w = new SimWorld(seed)
  const owner = w.add('owner', { tesseras })
  const holders = w.addHolders(24)
  const r = await owner.service.replicate(medium.hashHex)
  expect(r.status).toMatchObject({ status: 'Replicated', survives: 8, holders: 24 })
  return { w, owner, holders }
}

/** Holders (by id) of each index, from a node's holder map, live rows only. */
async function liveHolders (node: SimNode, hashHex: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for (const r of await node.replicas.list(hashHex)) {
    if (r.failingSince !== undefined) continue
    out.set(r.index, [...(out.get(r.index) ?? []), r.holderId])
  }
  return out
}

/** Every live row's holder really stores bytes matching the manifest. */
async function expectAllShardsVerify (w: SimWorld, rowsOf: SimNode, extra: Map<number, Uint8Array> = new Map()): Promise<Map<number, Uint8Array>> {
  const shards = new Map(extra)
  for (const [index, ids] of await liveHolders(rowsOf, medium.hashHex)) {
    for (const id of ids) {
      const bytes = await (w.nodes.get(id) as SimNode).fragments.get(fragmentOf(medium.manifest, index))
      expect(isShardOf(medium.manifest, index, bytes), `${id} shard ${index}`).toBe(true)
      shards.set(index, bytes as Uint8Array)
    }
  }
  return shards
}

const pushes = (w: SimWorld): number => w.log.filter(e => e.status === 'OK').length

/** Shard fetches served in `w` so far (counted by wrapping every node's fetch handler once). */
function fetchCount (w: SimWorld): number {
  let total = 0
  for (const node of w.nodes.values()) {
    const handlers = node.network.handlers as (NonNullable<SimNode['network']['handlers']> & { fetched?: { n: number } }) | undefined
    if (handlers === undefined) continue
    if (handlers.fetched === undefined) {
      const fetched = { n: 0 }
      const inner = handlers.fetchShard
      node.network.handlers = { ...handlers, fetched, fetchShard: async (...args) => { const bytes = await inner(...args); if (bytes !== undefined) fetched.n++; return bytes } } as typeof handlers
      continue
    }
    total += handlers.fetched.n
  }
  return total
}

/** `nodes` with the elected watcher of `record` first ([Note: Keyless repair]). */
function watcherFirst (record: TesseraRecord, nodes: SimNode[]): SimNode[] {
  const id = designatedWatcher(record.manifest.tesseraHash, nodes.map(n => n.id))
  return [...nodes.filter(n => n.id === id), ...nodes.filter(n => n.id !== id)]
}

describe('repair: owner health check and re-placement', () => {
  it('16+8 over 24 holders: 8 vanish, the check waits out the grace period, marks them lost, repairs to 24 live shards', async () => {
    const { w, owner, holders } = await replicated()
    const repair = repairOn(w, owner, tesseras)
    const before = pushes(w)
    // A healthy check proves all 24 and pushes nothing.
    const healthy = await repair.check(medium.hashHex)
    expect(healthy).toMatchObject({ action: { kind: 'Healthy' }, status: 'Replicated', proven: 24, missed: 0, pushed: [] })

    const gone = holders.slice(0, 8).map(h => h.id)
    for (const id of gone) w.remove(id)
    // Churn within the grace period: suspects still count; no push at all.
    for (let day = 0; day < 3; day++) {
      const r = await repair.check(medium.hashHex)
      expect(r).toMatchObject({ action: { kind: 'Healthy' }, status: 'Replicated', proven: 16, missed: 8, lost: 0, pushed: [] })
      w.clock.advance(23 * HOUR_MS)
    }
    // Replicating again (every app start schedules every memory) leaves suspects alone too.
    expect(await owner.service.replicate(medium.hashHex)).toMatchObject({ sent: 0, failed: 0 })
    expect(pushes(w)).toBe(before)
    expect((await owner.service.status(medium.hashHex)).suspect).toBe(8)

    // Fresh peers appear; the grace period ends.
    const spares = Array.from({ length: 8 }, (_, i) => w.add(`s${i}`))
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS - 3 * 23 * HOUR_MS + HOUR_MS)
    let during: Awaited<ReturnType<ReplicationService['status']>> | undefined
    const events: RepairEvent[] = []
    const watching = repairOn(w, owner, tesseras, {}, {
      pushShards: async (...args) => {
        during = await owner.service.status(medium.hashHex)
        return await owner.service.pushShards(...args)
      }
    })
    const repaired = await watching.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(repaired.action).toEqual({ kind: 'NeedsReplication', deficit: 8, indices: expect.any(Array) as unknown })
    expect(repaired).toMatchObject({ lost: 8, status: 'Replicated' })
    expect(repaired.pushed).toHaveLength(8)
    expect(during).toMatchObject({ status: 'Partial', survives: 0, availableShards: 16 })
    expect(events.filter(e => e.type === 'repair:holder:lost')).toHaveLength(8)
    // Exactly one push per lost shard, all to the fresh peers.
    expect(pushes(w) - before).toBe(8)
    const spareIds = new Set(spares.map(s => s.id))
    expect(w.log.slice(-8).every(e => spareIds.has(e.to))).toBe(true)

    const live = await liveHolders(owner, medium.hashHex)
    expect(live.size).toBe(24)
    expect(new Set([...live.values()].flat()).size).toBe(24)
    expect((await owner.replicas.list(medium.hashHex)).some(r => gone.includes(r.holderId))).toBe(false)
    expect(await owner.service.status(medium.hashHex)).toMatchObject({ status: 'Replicated', survives: 8 })
    // The ledger follows proofs: the lost holders' credit is gone, the new ones' recorded.
    for (const id of gone) expect((await owner.ledger.entry(id)).heldByThemBytes).toBe(0)
    for (const s of spares) expect((await owner.ledger.entry(s.id)).heldByThemBytes).toBe(medium.manifest.shardSize)

    // Byte-identical from any k of the 24 live shards (property over subsets).
    const shards = await expectAllShardsVerify(w, owner)
    const source = await localShardSource(tesseras)(medium)
    const data = await Promise.all(Array.from({ length: 16 }, async (_, i) => await source.read(i)))
    const rs = createReedSolomon(16, 8)
    fc.assert(fc.property(fc.shuffledSubarray(Array.from({ length: 24 }, (_, i) => i), { minLength: 16, maxLength: 16 }), keep => {
      const partial = Array.from({ length: 24 }, (_, i) => keep.includes(i) ? (shards.get(i) as Uint8Array) : undefined)
      const full = rs.reconstruct(partial, { dataOnly: true })
      return data.every((d, i) => equalBytes(full[i], d))
    }), { numRuns: 12, seed: 6 })
    await w.stopAll()
  }, 60_000)

  it('a holder that deleted its shard fails (NOT_FOUND), keeps its credit within grace, then loses it and is re-placed', async () => {
    const { w, owner, holders } = await replicated(2)
    const repair = repairOn(w, owner, tesseras)
    const victim = holders[5]
    const [row] = (await owner.replicas.list(medium.hashHex)).filter(r => r.holderId === victim.id)
    await victim.fragments.delete(fragmentOf(medium.manifest, row.index))
    const events: RepairEvent[] = []
    const first = await repair.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(first).toMatchObject({ missed: 1, proven: 23, pushed: [] })
    expect(events).toContainEqual({ type: 'repair:holder:missed', detail: { hashHex: medium.hashHex, index: row.index, holderId: victim.id, reason: 'NOT_FOUND' } })
    expect((await owner.ledger.entry(victim.id)).heldByThemBytes).toBe(medium.manifest.shardSize)

    const spare = w.add('spare')
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const second = await repair.check(medium.hashHex)
    expect(second).toMatchObject({ lost: 1, pushed: [row.index], status: 'Replicated' })
    expect((await owner.ledger.entry(victim.id)).heldByThemBytes).toBe(0)
    expect((await liveHolders(owner, medium.hashHex)).get(row.index)).toEqual([spare.id])
    await w.stopAll()
  }, 60_000)

  it('a holder answering garbage fails with WRONG_PROOF; a passing holder’s lastProofAt moves on', async () => {
    const { w, owner, holders } = await replicated(3)
    const liar = holders[3]
    const handlers = liar.network.handlers
    if (handlers === undefined) throw new Error('no handlers')
    liar.network.handlers = { ...handlers, attest: async () => ({ status: 'OK', proof: seededBytes(7)(32) }) }
    w.clock.advance(HOUR_MS)
    const events: RepairEvent[] = []
    const r = await repairOn(w, owner, tesseras, { wholeChallengeRate: 1 }).check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(r).toMatchObject({ missed: 1, proven: 23 })
    expect(events.find(e => e.type === 'repair:holder:missed')?.detail).toMatchObject({ holderId: liar.id, reason: 'WRONG_PROOF' })
    const rows = await owner.replicas.list(medium.hashHex)
    expect(rows.find(x => x.holderId === liar.id)?.failingSince).toBe(w.clock.now())
    expect(rows.filter(x => x.holderId !== liar.id).every(x => x.lastProofAt === w.clock.now() && x.failingSince === undefined)).toBe(true)
    await w.stopAll()
  }, 60_000)
})

describe('repair: peers answering wrong proofs ([Note: Peer score])', () => {
  it('a holder that answered wrong proofs is banned and not chosen for the next placement; an unreachable one is not struck', async () => {
    const { w, owner, holders } = await replicated(4)
    const peers = owner.network.peers()
    // The liar is one placement would pick for the Small memory.
    const chosen = placeShards({ tesseraHash: small.manifest.tesseraHash, k: 1, m: 0, ownerId: 'owner', peers }, { replicas: 7, fallbacks: 3 }).assignments[0].holders
    const liar = holders.find(h => h.id === chosen[0]) as SimNode
    const gone = holders.find(h => h.id !== liar.id) as SimNode
    const handlers = liar.network.handlers
    if (handlers === undefined) throw new Error('no handlers')
    liar.network.handlers = { ...handlers, attest: async () => ({ status: 'OK', proof: seededBytes(8)(32) }) }
    w.remove(gone.id)
    // The repairer shares the service's score by default.
    const repair = repairOn(w, owner, tesseras)
    for (let run = 0; run < 3; run++) {
      w.clock.advance(HOUR_MS)
      const events: RepairEvent[] = []
      await repair.check(medium.hashHex, { onProgress: e => { events.push(e) } })
      expect(events.some(e => e.type === 'repair:holder:missed' && e.detail.holderId === liar.id && e.detail.reason === 'WRONG_PROOF')).toBe(true)
      expect(events.some(e => e.type === 'repair:holder:missed' && e.detail.holderId === gone.id && e.detail.reason === 'UNREACHABLE')).toBe(true)
    }
    expect(owner.service.peerScore.isBanned(liar.id)).toBe(true)
    expect(owner.service.peerScore.score(gone.id)).toBe(0)
    const r = await owner.service.replicate(small.hashHex)
    expect(r.status.status).toBe('Replicated')
    const rows = await owner.replicas.list(small.hashHex)
    expect(rows).toHaveLength(7)
    expect(rows.some(row => row.holderId === liar.id)).toBe(false)
    await w.stopAll()
  }, 60_000)
})

describe('repair: keyless, by a watcher that holds one shard and the manifest', () => {
  it('owner online: a watcher that knows no holder yet still looks for them (it may be the one others defer to)', async () => {
    const { w, holders: all } = await replicated(4)
    const watcher = watcherFirst(medium, all)[0]
    const events: RepairEvent[] = []
    const r = await repairOn(w, watcher).check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(events.some(e => e.type === 'repair:deferred')).toBe(false)
    expect(r.found).toBe(23)
    await w.stopAll()
  }, 60_000)

  it('owner online: watchers leave the repair to it, and take over once a holder has failed for two grace periods', async () => {
    const { w, holders: all } = await replicated(4)
    const holders = watcherFirst(medium, all)
    const watcher = holders[0]
    const repair = repairOn(w, watcher)
    const events: RepairEvent[] = []
    const gone = holders.slice(1, 9).map(h => h.id)
    // The watcher knows the holders from a check while the owner was away.
    w.remove('owner')
    expect((await repair.check(medium.hashHex)).found).toBe(23)
    w.restore('owner')
    for (const id of gone) w.remove(id)
    const before = pushes(w)
    const deferred = await repair.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(events).toContainEqual({ type: 'repair:deferred', detail: { hashHex: medium.hashHex, reason: 'OWNER_ONLINE' } })
    expect(deferred).toMatchObject({ pushed: [], missed: 8 })
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    expect((await repair.check(medium.hashHex)).pushed).toEqual([])
    expect(pushes(w) - before).toBe(0)
    // The owner did not repair within another grace period: the watcher does.
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const r = await repair.check(medium.hashHex)
    expect(r.pushed).toHaveLength(8)
    expect(r.status).toBe('Replicated')
    await w.stopAll()
  }, 60_000)

  it('owner online: the elected watcher still checks in full after two grace periods of deferring (a lost holder it never knew)', async () => {
    const { w, holders: all } = await replicated(4)
    const holders = watcherFirst(medium, all)
    const watcher = holders[0]
    const repair = repairOn(w, watcher)
    w.remove('owner')
    expect((await repair.check(medium.hashHex)).found).toBe(23)
    w.restore('owner')
    // A holder the watcher has no row of vanishes: no row of ours can ever become overdue.
    const gone = holders[1]
    const index = (await watcher.replicas.list(medium.hashHex)).find(r => r.holderId === gone.id)?.index as number
    await watcher.replicas.delete(medium.hashHex, index, gone.id)
    w.remove(gone.id)
    const events: RepairEvent[] = []
    expect(await repair.check(medium.hashHex, { onProgress: e => { events.push(e) } })).toMatchObject({ pushed: [] })
    expect(events).toContainEqual({ type: 'repair:deferred', detail: { hashHex: medium.hashHex, reason: 'OWNER_ONLINE' } })
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    expect(await repair.check(medium.hashHex)).toMatchObject({ pushed: [] })
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const r = await repair.check(medium.hashHex)
    expect(r.pushed).toEqual([index])
    expect(r.status).toBe('Replicated')
    await w.stopAll()
  }, 60_000)

  it('owner online: a watcher that is not the elected one defers to it, not to the owner', async () => {
    const { w, holders: all } = await replicated(11)
    const [, other] = watcherFirst(medium, all)
    const second = repairOn(w, other)
    w.remove('owner')
    expect((await second.check(medium.hashHex)).found).toBe(23)
    w.restore('owner')
    const events: RepairEvent[] = []
    await second.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(events.filter(e => e.type === 'repair:deferred')).toEqual([{ type: 'repair:deferred', detail: { hashHex: medium.hashHex, reason: 'ANOTHER_WATCHER' } }])
    await w.stopAll()
  }, 60_000)

  it('owner offline: the watcher finds the holders, waits out the grace period, rebuilds 8 shards from k and places them', async () => {
    const { w, holders: all } = await replicated(4)
    w.remove('owner')
    const holders = watcherFirst(medium, all)
    const watcher = holders[0]
    const repair = repairOn(w, watcher)
    expect(await repair.work()).toEqual([{ hashHex: medium.hashHex, mode: 'keyless' }])
    const first = await repair.check(medium.hashHex)
    expect(first).toMatchObject({ mode: 'keyless', action: { kind: 'Healthy' }, status: 'Replicated', found: 23, pushed: [] })

    const gone = holders.slice(1, 9).map(h => h.id)
    for (const id of gone) w.remove(id)
    const before = pushes(w)
    w.clock.advance(24 * HOUR_MS)
    expect(await repair.check(medium.hashHex)).toMatchObject({ action: { kind: 'Healthy' }, missed: 8, pushed: [] })
    expect(pushes(w)).toBe(before)

    const spares = Array.from({ length: 8 }, (_, i) => w.add(`s${i}`))
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const repaired = await repair.check(medium.hashHex)
    expect(repaired).toMatchObject({ lost: 8, status: 'Replicated' })
    expect(repaired.pushed).toHaveLength(8)
    expect(pushes(w) - before).toBe(8)
    // Every one of the 24 shards is live and verifies against the manifest (the watcher's own included).
    const own = fragmentOf(medium.manifest, (await watcher.fragments.list(medium.hashHex))[0].index)
    const shards = await expectAllShardsVerify(w, watcher, new Map([[own.index, (await watcher.fragments.get(own)) as Uint8Array]]))
    expect(shards.size).toBe(24)
    // The new holders charged the watcher as the sender ([Note: Repair push]).
    for (const s of spares) expect((await s.ledger.entry(watcher.id)).heldForThemBytes).toBe(medium.manifest.shardSize)
    await w.stopAll()
  }, 60_000)

  it('one holder more than tolerated is gone: NotEnoughShardsError, nothing pushed or overwritten', async () => {
    const { w, holders: all } = await replicated(5)
    w.remove('owner')
    const holders = watcherFirst(medium, all)
    const watcher = holders[0]
    const repair = repairOn(w, watcher)
    await repair.check(medium.hashHex)
    for (const h of holders.slice(1, 10)) w.remove(h.id)
    w.add('spare')
    const before = pushes(w)
    const held = await watcher.fragments.list(medium.hashHex)
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS + HOUR_MS)
    const err = await repair.check(medium.hashHex).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'NotEnoughShardsError', code: 'ERR_NOT_ENOUGH_SHARDS', available: 15, needed: 16 })
    await expect(repair.check(medium.hashHex)).rejects.toMatchObject({ name: 'NotEnoughShardsError' })
    expect(pushes(w)).toBe(before)
    expect(await watcher.fragments.list(medium.hashHex)).toEqual(held)
    expect(isShardOf(medium.manifest, held[0].index, await watcher.fragments.get(held[0]))).toBe(true)
    for (const h of holders.slice(10)) {
      const [id] = await h.fragments.list(medium.hashHex)
      expect(isShardOf(medium.manifest, id.index, await h.fragments.get(id))).toBe(true)
    }
    await w.stopAll()
  }, 60_000)

  it('a corrupt local shard is rebuilt from k shards fetched back and verified', async () => {
    const { w, holders } = await replicated(6)
    const holder = holders[2]
    const [id] = await holder.fragments.list(medium.hashHex)
    await holder.fragments.put(id, seededBytes(9)(medium.manifest.shardSize))
    const events: RepairEvent[] = []
    const r = await repairOn(w, holder).check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(r.action).toEqual({ kind: 'CorruptLocal', index: id.index })
    expect(r.restored).toEqual([id.index])
    expect(events.map(e => e.type)).toContain('repair:local:restored')
    expect(isShardOf(medium.manifest, id.index, await holder.fragments.get(id))).toBe(true)
    expect(r.pushed).toEqual([])
    await w.stopAll()
  }, 60_000)

  it('a peer serving corrupted shards to a keyless watcher gets a strike, and its bytes are not used', async () => {
    const { w, holders } = await replicated(12)
    const watcher = holders[2]
    const [id] = await watcher.fragments.list(medium.hashHex)
    await watcher.fragments.put(id, seededBytes(10)(medium.manifest.shardSize))
    const evil = holders[0]
    const real = evil.network.handlers!
    // Claims every shard; serves right-sized garbage.
    evil.network.setHandlers({ ...real, fetchShard: async () => seededBytes(11)(medium.manifest.shardSize) })
    const r = await repairOn(w, watcher).check(medium.hashHex)
    expect(r.restored).toEqual([id.index])
    expect(isShardOf(medium.manifest, id.index, await watcher.fragments.get(id))).toBe(true)
    expect(watcher.service.peerScore.score(evil.id)).toBe(1)
    expect(watcher.service.peerScore.score(holders[1].id)).toBe(0)
    await w.stopAll()
  }, 60_000)

  it('one watcher per tessera: the others only probe it, and take over when it stops answering', async () => {
    const { w, holders: all } = await replicated(11)
    w.remove('owner')
    const [elected, other] = watcherFirst(medium, all)
    const second = repairOn(w, other)
    // The first look finds the holders (costly, once).
    expect(await second.check(medium.hashHex)).toMatchObject({ found: 23 })
    const fetchesBefore = fetchCount(w)
    const events: RepairEvent[] = []
    w.clock.advance(24 * HOUR_MS)
    const deferred = await second.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(events).toContainEqual({ type: 'repair:deferred', detail: { hashHex: medium.hashHex, reason: 'ANOTHER_WATCHER' } })
    expect(deferred).toMatchObject({ status: 'Replicated', proven: 0, pushed: [] })
    expect(fetchCount(w)).toBe(fetchesBefore)
    // The elected watcher goes away: the next one checks in full.
    w.remove(elected.id)
    const full = await second.check(medium.hashHex)
    expect(full).toMatchObject({ proven: 22, missed: 1, pushed: [] })
    expect(fetchCount(w)).toBeGreaterThan(fetchesBefore)
    await w.stopAll()
  }, 60_000)

  it('another watcher takes over when the elected one answers but leaves a lost holder unrepaired', async () => {
    const { w, holders: all } = await replicated(11)
    w.remove('owner')
    const [elected, other, gone] = watcherFirst(medium, all)
    const second = repairOn(w, other)
    expect(await second.check(medium.hashHex)).toMatchObject({ found: 23 })
    w.remove(gone.id)
    w.add('spare')
    w.clock.advance(HOUR_MS)
    // Within two grace periods of the first miss: the elected watcher (which never runs here) is trusted.
    expect(await second.check(medium.hashHex)).toMatchObject({ pushed: [] })
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    expect(await second.check(medium.hashHex)).toMatchObject({ pushed: [] })
    const before = pushes(w)
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const taken = await second.check(medium.hashHex)
    expect(taken.pushed.length).toBeGreaterThan(0)
    expect(pushes(w)).toBeGreaterThan(before)
    expect(elected.id).not.toBe(other.id)
    await w.stopAll()
  }, 60_000)

  it('a slot nobody was seen holding waits until the tessera was watched for the grace period', async () => {
    const { w, holders: all } = await replicated(8)
    w.remove('owner')
    const holders = watcherFirst(medium, all)
    const away = holders[7]
    w.remove(away.id) // offline when the watcher first looks
    const watcher = holders[0]
    const repair = repairOn(w, watcher)
    const events: RepairEvent[] = []
    const first = await repair.check(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(first).toMatchObject({ found: 22, pushed: [], status: 'Partial' })
    expect(events).toContainEqual({ type: 'repair:deferred', detail: { hashHex: medium.hashHex, reason: 'WATCHED_TOO_SHORT' } })
    const before = pushes(w)
    w.add('spare')
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS - HOUR_MS)
    expect(await repair.check(medium.hashHex)).toMatchObject({ pushed: [] })
    expect(pushes(w)).toBe(before)
    w.clock.advance(2 * HOUR_MS)
    const later = await repair.check(medium.hashHex)
    expect(later.pushed).toHaveLength(1)
    expect(later.status).toBe('Replicated')
    expect(pushes(w) - before).toBe(1)
    await w.stopAll()
  }, 60_000)

  it('a Small memory: the watcher finds the other copies and pushes none while all 7 answer', async () => {
    const w = new SimWorld(9)
    const owner = w.add('owner', { tesseras })
    const holders = w.addHolders(8)
    expect((await owner.service.replicate(small.hashHex)).status).toMatchObject({ status: 'Replicated', holders: 7 })
    w.remove('owner')
    const holding: SimNode[] = []
    for (const h of holders) if ((await h.fragments.list(small.hashHex)).length > 0) holding.push(h)
    holding.splice(0, holding.length, ...watcherFirst(small, holding))
    const repair = repairOn(w, holding[0])
    const before = pushes(w)
    expect(await repair.check(small.hashHex)).toMatchObject({ found: 6, pushed: [], status: 'Replicated' })
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS * 2)
    expect(await repair.check(small.hashHex)).toMatchObject({ proven: 6, pushed: [], status: 'Replicated' })
    expect(pushes(w)).toBe(before)
    // One copy's holder vanishes for good: after the grace period exactly one copy is re-placed.
    const gone = holding[1]
    w.remove(gone.id)
    await repair.check(small.hashHex)
    w.clock.advance(DEFAULT_HOLDER_GRACE_MS)
    const r = await repair.check(small.hashHex)
    expect(r).toMatchObject({ lost: 1, pushed: [0], status: 'Replicated' })
    expect(pushes(w) - before).toBe(1)
    await w.stopAll()
  }, 60_000)

  it('lists our own memories first and free riders’ memories last, never dropping them', async () => {
    const { w, owner, holders } = await replicated(10)
    await owner.service.replicate(small.hashHex)
    let node: SimNode | undefined
    for (const h of holders) if ((await h.fragments.list(small.hashHex)).length > 0) node = h
    if (node === undefined) throw new Error('no holder of both')
    const n = node
    // Who we hold each memory's fragments for comes from the ledger (`peersHeldFor`): here a
    // fresh one where 'rider' gave nothing back (a deficit beyond a 10-byte allowance) and
    // 'friend' holds 1 MB of ours.
    const workWith = async (riders: string): Promise<string[]> => {
      const ledger = createMemoryLedger({ fragments: new MemoryFragmentStore() })
      const fragment = (hashHex: string): FragmentId => ({ tesseraHashHex: hashHex, index: 0, shardCount: 24, checksumHex: '00'.repeat(32) })
      for (const h of [small.hashHex, medium.hashHex]) await ledger.storeFor(h === riders ? 'rider' : 'friend', fragment(h), new Uint8Array(100))
      await ledger.recordHeldBy('friend', fragment('ff'.repeat(32)), 1_000_000)
      return (await repairer({ policy: { deficitAllowanceBytes: 10 } })({
        network: n.network, tesseras: new MemoryTesseraStore(), manifests: n.manifests, fragments: n.fragments, replicas: n.replicas,
        ledger, replication: n.service, clock: w.clock
      }).work()).map(x => x.hashHex)
    }
    expect(await workWith(medium.hashHex)).toEqual([small.hashHex, medium.hashHex])
    expect(await workWith(small.hashHex)).toEqual([medium.hashHex, small.hashHex])
    const mine = await repairOn(w, owner, tesseras).work()
    expect(mine.filter(x => x.mode === 'owner').map(x => x.hashHex).sort()).toEqual([medium.hashHex, small.hashHex].sort())
    await w.stopAll()
  }, 60_000)

  it('refuses a keyless repair beyond its memory bound with RepairTooLargeError', async () => {
    const { w, holders } = await replicated(7)
    w.remove('owner')
    await expect(repairOn(w, holders[0], undefined, { keylessMaxBytes: 1024 }).check(medium.hashHex)).rejects.toMatchObject({ name: 'RepairTooLargeError', code: 'ERR_REPAIR_TOO_LARGE' })
    await w.stopAll()
  }, 60_000)
})
