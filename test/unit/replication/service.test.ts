/**
 * ReplicationService against memory adapters and a simulated network of N peers
 * ("persistence-basic" in miniature, issue 5). Real tesseras: saved by the Library with the
 * in-process codec, so manifests are signed and shards are real ciphertext. Virtual clock,
 * seeded randomness.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { MemoryTesseraStore } from '../../../src/store/memory/index.js'
import type { TesseraMetadata } from '../../../src/core/types.js'
import type { ReplicateRequest, TesseraRecord } from '../../../src/core/ports.js'
import { blake3 } from '../../../src/crypto/index.js'
import { toHex } from '../../../src/core/hex.js'
import { placeShards, checkAttestation, computeProof, bytesReader, createChallenge, localShardSource, verifyReceipt, type ReplicationEvent } from '../../../src/replication/index.js'
import { fileOf, ownerLibrary } from './owner-library.js'
import { seededBytes } from './helpers.js'
import { type SimNode, SimWorld } from './sim-network.js'

const metadata: TesseraMetadata = {
  title: 'Grandma’s kitchen', description: 'recipes', date: '2026-01-02', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private'
}

/** Plaintext of the two memories (seeded, so no two 16-byte windows repeat by accident). */
const MEDIUM_PLAIN = seededBytes(101)(4 * 1024 * 1024 + 123_457)
const SMALL_PLAIN = seededBytes(202)(300 * 1024)

let tesseras: MemoryTesseraStore
let medium: TesseraRecord
let small: TesseraRecord

beforeAll(async () => {
  const owner = await ownerLibrary()
  tesseras = owner.tesseras
  medium = await owner.save([fileOf('video.bin', MEDIUM_PLAIN)], metadata)
  small = await owner.save([fileOf('note.bin', SMALL_PLAIN)], metadata)
  expect(medium.manifest.tier).toBe('medium')
  expect(small.manifest.tier).toBe('small')
}, 120_000)

/** A world with an owner (holding both memories) and `holders` peers. */
function world (holders: number, seed = 1, holderInit: Parameters<SimWorld['addHolders']>[1] = () => ({})): { w: SimWorld, owner: SimNode, holders: SimNode[] } {
  const w = new SimWorld(seed)
  const owner = w.add('owner', { tesseras })
  return { w, owner, holders: w.addHolders(holders, holderInit) }
}

/** Checks every holder row of `record`: the holder stores bytes matching the manifest, and the receipt verifies. */
async function expectHeldAsRecorded (w: SimWorld, owner: SimNode, record: TesseraRecord): Promise<void> {
  const rows = await owner.replicas.list(record.hashHex)
  for (const row of rows) {
    const holder = w.nodes.get(row.holderId) as SimNode
    const checksum = record.manifest.shardChecksums[row.index]
    const fragment = { tesseraHashHex: record.hashHex, index: row.index, shardCount: record.manifest.k + record.manifest.m, checksumHex: toHex(checksum) }
    const bytes = await holder.fragments.get(fragment)
    expect(bytes, `holder ${row.holderId} shard ${row.index}`).toBeDefined()
    expect(toHex(blake3(bytes as Uint8Array))).toBe(toHex(checksum))
    expect(row.receipt).toBeDefined()
    expect(() => { verifyReceipt(row.receipt!, { publicKey: holder.signer.publicKey, holderId: holder.id, fragment, nonce: row.receipt!.nonce }) }).not.toThrow()
    expect((await owner.ledger.entry(row.holderId)).heldByThemBytes).toBeGreaterThan(0)
    expect((await holder.ledger.entry('owner')).heldForThemBytes).toBeGreaterThanOrEqual(bytes!.length)
    expect(await holder.manifests.get(record.hashHex)).toEqual(record.manifest)
  }
}

/**
 * A test for plaintext leaks: true when some 16-byte window of `plain` at a 16-aligned offset
 * occurs anywhere in the stored bytes. Any 32-byte run of the plaintext contains such a window,
 * so "no 16-byte window" is the stronger claim.
 */
function leakFinder (plain: Uint8Array): (stored: Uint8Array) => boolean {
  const heads = new Map<number, number[]>()
  const pv = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
  for (let o = 0; o + 16 <= plain.length; o += 16) {
    const h = pv.getUint32(o)
    const list = heads.get(h)
    if (list === undefined) heads.set(h, [o])
    else list.push(o)
  }
  return (stored) => {
    const sv = new DataView(stored.buffer, stored.byteOffset, stored.byteLength)
    for (let o = 0; o + 16 <= stored.length; o++) {
      const offsets = heads.get(sv.getUint32(o))
      if (offsets === undefined) continue
      for (const p of offsets) {
        let same = true
        for (let i = 4; i < 16 && same; i++) same = plain[p + i] === stored[o + i]
        if (same) return true
      }
    }
    return false
  }
}

describe('ReplicationService: owner push over a simulated network', () => {
  it('places a Medium (16+8) memory on 24 distinct holders and a Small one on 7, with verified receipts', async () => {
    const { w, owner } = world(24)
    const events: ReplicationEvent[] = []
    const r1 = await owner.service.replicate(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(r1).toMatchObject({ sent: 24, failed: 0 })
    expect(r1.status).toMatchObject({ status: 'Replicated', survives: 8, holders: 24, queued: false })
    expect(r1.status.sentence).toBe('Safe: survives 8 holders vanishing')
    const rows = await owner.replicas.list(medium.hashHex)
    expect(rows.map(r => r.index)).toEqual(Array.from({ length: 24 }, (_, i) => i))
    expect(new Set(rows.map(r => r.holderId)).size).toBe(24)
    expect(events.filter(e => e.type === 'replicate:fragment:sent')).toHaveLength(24)
    await expectHeldAsRecorded(w, owner, medium)

    const r2 = await owner.service.replicate(small.hashHex)
    expect(r2.status).toMatchObject({ status: 'Replicated', survives: 6, holders: 7 })
    const smallRows = await owner.replicas.list(small.hashHex)
    expect(smallRows.every(r => r.index === 0)).toBe(true)
    expect(new Set(smallRows.map(r => r.holderId)).size).toBe(7)
    await expectHeldAsRecorded(w, owner, small)
    expect((await owner.service.nodeState()).state).toBe('ACTIVE')

    // Running it again changes nothing: every slot has a holder.
    expect(await owner.service.replicate(medium.hashHex)).toMatchObject({ sent: 0, failed: 0 })
    await w.stopAll()
  })

  it('spreads a Medium memory round-robin over 8 holders (3 shards each, survives 2)', async () => {
    const { w, owner } = world(8, 2)
    const r = await owner.service.replicate(medium.hashHex)
    expect(r.status).toMatchObject({ status: 'Replicated', survives: 2, holders: 8 })
    const rows = await owner.replicas.list(medium.hashHex)
    const perHolder = new Map<string, number>()
    for (const row of rows) perHolder.set(row.holderId, (perHolder.get(row.holderId) ?? 0) + 1)
    expect([...perHolder.values()]).toEqual(new Array(8).fill(3))
    await expectHeldAsRecorded(w, owner, medium)
    const s = await owner.service.replicate(small.hashHex)
    expect(s.status).toMatchObject({ status: 'Replicated', survives: 6, holders: 7 })
    await w.stopAll()
  })

  it('leaves no 32-byte run of the plaintext in any holder’s shards or manifests', async () => {
    const { w, owner, holders } = world(24, 3)
    await owner.service.replicate(medium.hashHex)
    await owner.service.replicate(small.hashHex)
    const leaksMedium = leakFinder(MEDIUM_PLAIN)
    const leaksSmall = leakFinder(SMALL_PLAIN)
    // The finder itself finds a planted run.
    expect(leaksMedium(Uint8Array.from([1, 2, 3, ...MEDIUM_PLAIN.subarray(1000, 1032), 4]))).toBe(true)
    let checked = 0
    for (const h of holders) {
      for (const id of await h.fragments.list()) {
        const bytes = await h.fragments.get(id) as Uint8Array
        expect(leaksMedium(bytes), `${h.id} ${id.index}`).toBe(false)
        expect(leaksSmall(bytes), `${h.id} ${id.index}`).toBe(false)
        checked++
      }
      for (const hash of await h.manifests.list()) {
        const m = await h.manifests.get(hash)
        expect(leaksSmall(m!.encryptedMetadata) || leaksMedium(m!.encryptedMetadata)).toBe(false)
      }
    }
    expect(checked).toBe(24 + 7)
    await w.stopAll()
  }, 60_000)

  it('places the shard elsewhere when a holder over its limit refuses', async () => {
    // Placement depends only on peer ids, so a first world tells which holder gets shard 5.
    const probe = world(25, 4)
    const planned = placeShards({ tesseraHash: medium.manifest.tesseraHash, k: 16, m: 8, ownerId: 'owner', peers: probe.owner.network.peers() })
    const full = planned.assignments[5].holders[0]
    await probe.w.stopAll()
    const { w, owner } = world(25, 4, i => `h${String(i).padStart(2, '0')}` === full ? { init: { policy: { offeredStorageBytes: 1000 } } } : {})
    const r = await owner.service.replicate(medium.hashHex)
    expect(r.status).toMatchObject({ status: 'Replicated', survives: 8, holders: 24 })
    expect(w.log.filter(l => l.to === full).map(l => l.status)).toEqual(['REFUSED_CAPACITY'])
    const rows = await owner.replicas.list(medium.hashHex)
    expect(rows.find(row => row.index === 5)?.holderId).not.toBe(full)
    expect(rows.some(row => row.holderId === full)).toBe(false)
    expect(await (w.nodes.get(full) as SimNode).fragments.list()).toEqual([])
    await expectHeldAsRecorded(w, owner, medium)
    await w.stopAll()
  })

  it('refuses a shard corrupted in transit with BAD_CHECKSUM and places it on a fallback', async () => {
    const { w, owner } = world(25, 5)
    let victim: string | undefined
    w.tamper = (transit, request: ReplicateRequest) => {
      if (victim === undefined && request.fragment.index === 3) {
        victim = transit.to
        request.shard[100] ^= 0x01
      }
      return request
    }
    const r = await owner.service.replicate(medium.hashHex)
    expect(r.status.status).toBe('Replicated')
    expect(w.log.find(l => l.to === victim && l.index === 3)?.status).toBe('BAD_CHECKSUM')
    const row = (await owner.replicas.list(medium.hashHex)).find(x => x.index === 3)
    expect(row?.holderId).not.toBe(victim)
    expect((await (w.nodes.get(victim as string) as SimNode).fragments.list()).some(id => id.index === 3)).toBe(false)
    await expectHeldAsRecorded(w, owner, medium)
    await w.stopAll()
  })

  it('queues a memory saved with no peers and replicates it when peers appear', async () => {
    const w = new SimWorld(6)
    const owner = w.add('owner', { tesseras })
    expect((await owner.service.nodeState()).state).toBe('PROVISIONAL')
    const r = await owner.service.replicate(small.hashHex)
    expect(r.status).toMatchObject({ status: 'AtRisk', localOnly: true, queued: true })
    expect(r.status.sentence).toBe('Only on this device — waiting for peers')
    expect(owner.service.pending()).toEqual([small.hashHex])
    w.addHolders(8)
    for (let i = 0; i < 2000 && owner.service.pending().length > 0; i++) await new Promise(resolve => setImmediate(resolve))
    expect(owner.service.pending()).toEqual([])
    expect(await owner.service.status(small.hashHex)).toMatchObject({ status: 'Replicated', survives: 6 })
    await w.stopAll()
  })

  it('stop() aborts pushes in flight and leaves no holder row without its ledger credit', async () => {
    const { w, owner } = world(24, 7)
    let passed = 0
    const blocked: Array<() => void> = []
    w.gate = async (_t, signal) => {
      if (passed++ < 10) return
      await new Promise<void>((resolve, reject) => {
        blocked.push(resolve)
        signal?.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    }
    const run = owner.service.replicate(medium.hashHex)
    for (let i = 0; i < 500 && blocked.length < 4; i++) await new Promise(resolve => setImmediate(resolve))
    expect(blocked.length).toBeGreaterThan(0)
    await owner.service.stop()
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    const rows = await owner.replicas.list(medium.hashHex)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.length).toBeLessThan(24)
    const credited = (await owner.ledger.entries()).reduce((n, e) => n + (e.heldByThemBytes > 0 ? 1 : 0), 0)
    expect(credited).toBe(rows.length)
    for (const row of rows) expect((await owner.ledger.entry(row.holderId)).heldByThemBytes).toBe(medium.manifest.shardSize)
    await expect(owner.service.replicate(medium.hashHex)).rejects.toMatchObject({ name: 'ServiceStoppedError' })
    await owner.service.stop() // idempotent
    await w.stopAll()
  })
})

describe('ReplicationService: holder side', () => {
  it('refuses relayed senders, forged manifests and mismatched ids with a status', async () => {
    const { w, owner, holders } = world(1, 8)
    const source = await localShardSource(tesseras)(small)
    const shard = await source.read(0)
    const fragment = { tesseraHashHex: small.hashHex, index: 0, shardCount: 1, checksumHex: toHex(small.manifest.shardChecksums[0]) }
    const nonce = seededBytes(9)(16)
    const h = holders[0].network.handlers!
    const from = { ...owner.info }
    expect((await h.replicate({ ...from, kind: 'relayed' }, { manifest: small.manifest, fragment, shard, nonce })).status).toBe('REFUSED_RELAYED')
    const forged = { ...small.manifest, createdAt: small.manifest.createdAt + 1 }
    expect((await h.replicate(from, { manifest: forged, fragment, shard, nonce })).status).toBe('BAD_MANIFEST')
    expect((await h.replicate(from, { manifest: small.manifest, fragment: { ...fragment, checksumHex: '00'.repeat(32) }, shard, nonce })).status).toBe('BAD_CHECKSUM')
    expect((await h.replicate(from, { manifest: small.manifest, fragment: { ...fragment, tesseraHashHex: medium.hashHex }, shard, nonce })).status).toBe('BAD_REQUEST')
    expect((await h.replicate(from, { manifest: small.manifest, fragment, shard, nonce: new Uint8Array(3) })).status).toBe('BAD_REQUEST')
    expect(await holders[0].fragments.list()).toEqual([])
    const ok = await h.replicate(from, { manifest: small.manifest, fragment, shard, nonce })
    expect(ok.status).toBe('OK')
    expect((await holders[0].ledger.entry('owner')).heldForThemBytes).toBe(shard.length)
    await w.stopAll()
  })

  it('refuses a sender past the deficit allowance, and anything when it gives no storage', async () => {
    const w = new SimWorld(10)
    const owner = w.add('owner', { tesseras })
    const stingy = w.add('stingy', { init: { policy: { deficitAllowanceBytes: 1000 } } })
    const none = w.add('none', { init: { policy: { offeredStorageBytes: 0 } } })
    const shard = await (await localShardSource(tesseras)(small)).read(0)
    const request = { manifest: small.manifest, fragment: { tesseraHashHex: small.hashHex, index: 0, shardCount: 1, checksumHex: toHex(small.manifest.shardChecksums[0]) }, shard, nonce: seededBytes(11)(16) }
    expect((await stingy.network.handlers!.replicate(owner.info, request)).status).toBe('REFUSED_DEFICIT')
    expect((await none.network.handlers!.replicate(owner.info, request)).status).toBe('REFUSED_CAPACITY')
    await w.stopAll()
  })

  it('answers attestations, shard and manifest fetches for what it holds', async () => {
    const { w, owner } = world(24, 12)
    await owner.service.replicate(medium.hashHex)
    const row = (await owner.replicas.list(medium.hashHex)).find(r => r.index === 20)!
    const fragment = row.receipt!.fragment
    const source = await localShardSource(tesseras)(medium)
    const expectedShard = await source.read(20)
    const challenge = createChallenge(fragment, medium.manifest.shardSize, { random: seededBytes(13) })
    const answer = await owner.network.requestAttestation(row.holderId, challenge)
    expect(checkAttestation(answer, await computeProof(challenge, bytesReader(expectedShard)))).toEqual({ passed: true })
    expect(await owner.network.fetchShard(row.holderId, fragment)).toEqual(expectedShard)
    expect(await owner.network.fetchManifest(row.holderId, medium.hashHex)).toEqual(medium.manifest)
    const other = [...w.nodes.keys()].find(id => id !== row.holderId && id !== 'owner')!
    expect(await owner.network.fetchShard(other, fragment)).toBeUndefined()
    expect((await owner.network.requestAttestation(other, challenge)).status).toBe('NOT_FOUND')
    await w.stopAll()
  })
})

describe('ReplicationService: peers that send bad bytes ([Note: Peer score])', () => {
  it('refuses a sender that pushed tampered shards 3 times, storing none of its bytes and crediting nothing', async () => {
    const w = new SimWorld(21)
    const owner = w.add('owner', { tesseras })
    const [holder] = w.addHolders(1)
    const source = await localShardSource(tesseras)(medium)
    const requestFor = async (index: number, nonceSeed: number): Promise<ReplicateRequest> => ({
      manifest: medium.manifest,
      fragment: { tesseraHashHex: medium.hashHex, index, shardCount: 24, checksumHex: toHex(medium.manifest.shardChecksums[index]) },
      shard: await source.read(index),
      nonce: seededBytes(nonceSeed)(16)
    })
    let tampered = 0
    w.tamper = (_transit, request) => {
      if (tampered < 3) {
        tampered++
        request.shard[7] ^= 0x40
      }
      return request
    }
    for (let i = 0; i < 3; i++) expect((await owner.network.sendReplicate(holder.id, await requestFor(i, 30 + i))).status).toBe('BAD_CHECKSUM')
    expect(holder.service.peerScore.isBanned('owner')).toBe(true)
    // Untampered now, yet refused before it is hashed or stored.
    const good = await requestFor(5, 40)
    expect(await owner.network.sendReplicate(holder.id, good)).toEqual({ status: 'REFUSED_PEER_LIMIT' })
    expect(await holder.fragments.list()).toEqual([])
    expect(await holder.manifests.get(medium.hashHex)).toBeUndefined()
    expect(await holder.ledger.entries()).toEqual([])
    // Another sender is not affected.
    const other = w.add('other')
    expect((await other.network.sendReplicate(holder.id, await requestFor(6, 41))).status).toBe('OK')
    expect(holder.service.peerScore.isBanned('other')).toBe(false)
    // The ban decays: a day later the sender's good shard is taken.
    w.clock.advance(24 * 60 * 60 * 1000)
    expect((await owner.network.sendReplicate(holder.id, good)).status).toBe('OK')
    expect((await holder.ledger.entry('owner')).heldForThemBytes).toBe(medium.manifest.shardSize)
    await w.stopAll()
  })

  it('strikes a sender for a forged manifest, and not for a malformed request', async () => {
    const { w, owner, holders } = world(1, 22)
    const h = holders[0].network.handlers!
    const shard = await (await localShardSource(tesseras)(small)).read(0)
    const fragment = { tesseraHashHex: small.hashHex, index: 0, shardCount: 1, checksumHex: toHex(small.manifest.shardChecksums[0]) }
    expect((await h.replicate(owner.info, { manifest: small.manifest, fragment, shard, nonce: new Uint8Array(3) })).status).toBe('BAD_REQUEST')
    expect(holders[0].service.peerScore.score('owner')).toBe(0)
    const forged = { ...small.manifest, createdAt: small.manifest.createdAt + 1 }
    expect((await h.replicate(owner.info, { manifest: forged, fragment, shard, nonce: seededBytes(23)(16) })).status).toBe('BAD_MANIFEST')
    expect(holders[0].service.peerScore.score('owner')).toBe(1)
    await w.stopAll()
  })

  it('never places a shard on a banned peer', async () => {
    const { w, owner } = world(24, 24)
    const peers = owner.network.peers()
    const chosen = placeShards({ tesseraHash: small.manifest.tesseraHash, k: 1, m: 0, ownerId: 'owner', peers }, { replicas: 7, fallbacks: 3 }).assignments[0].holders
    const banned = chosen[0]
    for (let i = 0; i < 3; i++) owner.service.peerScore.strike(banned, 'WRONG_PROOF')
    const r = await owner.service.replicate(small.hashHex)
    expect(r.status.status).toBe('Replicated')
    const rows = await owner.replicas.list(small.hashHex)
    expect(rows).toHaveLength(7)
    expect(rows.some(row => row.holderId === banned)).toBe(false)
    expect(w.log.some(l => l.to === banned)).toBe(false)
    await w.stopAll()
  })
})

describe('localShardSource', () => {
  it('regenerates every shard of a Medium memory, in any order and with tiny parity batches, matching the manifest', async () => {
    const source = await localShardSource(tesseras, { parityBatchBytes: 1, stripeBytes: 4096 })(medium)
    const order = [23, 0, 16, 15, 20, 17, 8]
    for (const i of order) {
      const shard = await source.read(i)
      expect(shard.length).toBe(medium.manifest.shardSize)
      expect(toHex(blake3(shard)), `shard ${i}`).toBe(toHex(medium.manifest.shardChecksums[i]))
    }
    await expect(source.read(24)).rejects.toMatchObject({ name: 'RangeError' })
  })
})
