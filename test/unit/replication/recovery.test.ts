/**
 * Recovery from the phrase over a simulated network ([Note: Recovery]): real tesseras saved by
 * the Library with the in-process codec, replicated by the owner's service to SimWorld holders;
 * then the owner leaves and a fresh node with only the vault keys finds, fetches and opens them.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { MemoryTesseraStore } from '../../../src/store/memory/index.js'
import type { FragmentId, Manifest, TesseraMetadata } from '../../../src/core/types.js'
import type { TesseraRecord } from '../../../src/core/ports.js'
import { blake3Fast, deriveVaultKeys, openRecordView, openShards, signManifest, type VaultKeys } from '../../../src/crypto/index.js'
import { ChecksumMismatchError } from '../../../src/net/errors.js'
import { type PeerScore, RecoverySession, type RecoveredMemory, type RecoveryCodec, type RecoveryEvent, type RecoveryInit, peerScore } from '../../../src/replication/index.js'
import { askingOrder, probeOrder } from '../../../src/replication/recovery.js'
import { toHex } from '../../../src/core/hex.js'
import { fileOf, ownerLibrary } from './owner-library.js'
import { seededBytes } from './helpers.js'
import { type SimNode, SimWorld } from './sim-network.js'

const metadata: TesseraMetadata = {
  title: 'Summer at the lake', description: 'photos and a note', date: '2025-07-14', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private'
}
const MEDIUM_PLAIN = seededBytes(303)(4 * 1024 * 1024 + 77_777)
const SMALL_PHOTO = seededBytes(404)(200 * 1024)
const SMALL_NOTE = new TextEncoder().encode('We swam every morning.\n')

const codec: RecoveryCodec = {
  openMetadata: async (input) => openRecordView(input).index,
  openShards: async (input) => await openShards(input)
}

let tesseras: MemoryTesseraStore
let keys: VaultKeys
let medium: TesseraRecord
let small: TesseraRecord

beforeAll(async () => {
  const owner = await ownerLibrary()
  tesseras = owner.tesseras
  keys = deriveVaultKeys(owner.entropy)
  medium = await owner.save([fileOf('video.bin', MEDIUM_PLAIN)], { ...metadata, title: 'Lake video' })
  small = await owner.save([fileOf('lake.png', SMALL_PHOTO, 'image/png'), fileOf('note.txt', SMALL_NOTE, 'text/plain')], metadata)
  expect(medium.manifest).toMatchObject({ tier: 'medium', k: 16, m: 8 })
  expect(small.manifest).toMatchObject({ tier: 'small', k: 1, m: 0 })
}, 120_000)

/** Both memories replicated to `holders` holders, then the owner gone (its device lost). */
async function replicated (holders: number, seed = 1): Promise<{ w: SimWorld, holders: SimNode[] }> {
  const w = new SimWorld(seed)
  w.add('owner', { tesseras })
  const hs = w.addHolders(holders)
  const owner = w.nodes.get('owner') as SimNode
  expect((await owner.service.replicate(medium.hashHex)).failed).toBe(0)
  expect((await owner.service.replicate(small.hashHex)).failed).toBe(0)
  await owner.service.stop()
  w.remove('owner')
  return { w, holders: hs }
}

type SimNetwork = SimNode['network']

/**
 * A fresh device in the world, recovering with `k` (our keys by default); logs every shard
 * served and counts the shard requests answered "not held". `wrap` replaces its lookup or its
 * listing (given the device's own network).
 */
function rescuer (w: SimWorld, k: VaultKeys = keys, init: RecoveryInit = {}, scores?: PeerScore, withCodec: RecoveryCodec = codec, wrap: (own: SimNetwork) => Partial<Pick<SimNetwork, 'findVaultHolders' | 'listManifests'>> = () => ({})): { session: RecoverySession, served: Array<{ peerId: string, index: number }>, missed: () => number } {
  const node = w.add(`rescuer${w.nodes.size}`)
  const served: Array<{ peerId: string, index: number }> = []
  let missed = 0
  const network = {
    findVaultHolders: (vaultIdHex: string, options?: { signal?: AbortSignal }) => node.network.findVaultHolders(vaultIdHex, options),
    listManifests: node.network.listManifests.bind(node.network),
    ...wrap(node.network),
    fetchShard: async (peerId: string, id: FragmentId, options?: { signal?: AbortSignal }) => {
      const bytes = await node.network.fetchShard(peerId, id, options)
      if (bytes !== undefined) served.push({ peerId, index: id.index })
      else missed++
      return bytes
    }
  }
  return { session: new RecoverySession({ ...k, vaultKey: k.vaultKey.slice() }, { network, codec: withCodec, ...(scores !== undefined ? { peerScore: scores } : {}) }, init), served, missed: () => missed }
}

/** The id of shard `index` of `record`. */
function fragmentIdOf (record: TesseraRecord, index: number): FragmentId {
  const { k, m, shardChecksums } = record.manifest
  return { tesseraHashHex: record.hashHex, index, shardCount: k + m, checksumHex: toHex(shardChecksums[index]) }
}

/**
 * Makes `liar` answer every shard request with `lie(bytes)` (`bytes`: its real shard, or
 * right-sized zeros when it has none) and stages when it answers, so detection is asserted,
 * not raced. The other holders list their manifests only once the liar's list is in, so the
 * liar is the first holder of each memory and its request lanes claim their indices first.
 * `answers: 'first'`: the others serve shards only once the liar's first shard has been judged
 * (a `recover:shard:bad`, or — were detection broken — a `recover:shard:fetched` from it);
 * `'any'`: they serve at once (the test stages the judging itself).
 * Feed the session's `find` and `open` progress to `judged`, and give the session a
 * `listConcurrency` above the number of holders (so the liar is asked while the others wait);
 * were the liar never judged, the open would wait until the test times out.
 */
function stagedLiar (holders: SimNode[], liar: SimNode, lie: (bytes: Uint8Array) => Uint8Array, answers: 'first' | 'any' = 'first'): { judged: (e: RecoveryEvent) => void } {
  let listed: () => void = () => {}
  let liarJudged: () => void = () => {}
  const liarListed = new Promise<void>(resolve => { listed = resolve })
  const othersMayServe = answers === 'first' ? new Promise<void>(resolve => { liarJudged = resolve }) : Promise.resolve()
  const real = liar.network.handlers!
  liar.network.setHandlers({
    ...real,
    fetchShard: async (from, id, options) => {
      return lie((await real.fetchShard(from, id, options)) ?? new Uint8Array(medium.manifest.shardSize))
    }
  })
  for (const h of holders) {
    if (h === liar) continue
    const honest = h.network.handlers!
    h.network.setHandlers({
      ...honest,
      listManifests: async (from, vaultIdHex, options) => { await liarListed; return await honest.listManifests(from, vaultIdHex, options) },
      fetchShard: async (from, id, options) => { await othersMayServe; return await honest.fetchShard(from, id, options) }
    })
  }
  const judged = (e: RecoveryEvent): void => {
    if (e.type === 'recover:manifests:listed' && e.detail.peerId === liar.id) listed()
    if (e.type === 'recover:shard:bad' || (e.type === 'recover:shard:fetched' && e.detail.peerId === liar.id)) liarJudged()
  }
  return { judged }
}

/** A lie: the shard with one byte flipped. */
const flip = (at: number, mask: number) => (bytes: Uint8Array): Uint8Array => { bytes[at] ^= mask; return bytes }

/** Which holders hold which shard of `record`. */
async function holdersOf (w: SimWorld, record: TesseraRecord): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  const n = record.manifest.k + record.manifest.m
  for (const node of w.nodes.values()) {
    for (let i = 0; i < n; i++) {
      if (await node.fragments.get(fragmentIdOf(record, i)) !== undefined) out.set(i, [...(out.get(i) ?? []), node.id])
    }
  }
  return out
}

describe('RecoverySession: recovery from the phrase over a simulated network', () => {
  it('lists the vault’s memories and recovers a Small and a 16+8 memory byte-identically', async () => {
    const { w } = await replicated(24)
    const { session } = rescuer(w)
    const events: RecoveryEvent[] = []
    const listing = await session.find({ onProgress: e => { events.push(e) } })
    expect(listing.memories.map(m => m.hashHex).sort()).toEqual([medium.hashHex, small.hashHex].sort())
    expect(listing).toMatchObject({ rejected: 0, unreadable: 0 })
    expect(listing.answered).toBeGreaterThanOrEqual(7)
    const found = listing.memories.find(m => m.hashHex === small.hashHex)
    expect(found?.index.metadata.title).toBe('Summer at the lake')
    expect(found?.index.files.map(f => [f.name, f.size])).toEqual([['lake.png', SMALL_PHOTO.length], ['note.txt', SMALL_NOTE.length]])

    const openedSmall = await session.open(small.hashHex)
    expect(openedSmall.files.map(f => f.entry.name)).toEqual(['lake.png', 'note.txt'])
    expect(Buffer.from(openedSmall.files[0].bytes).equals(Buffer.from(SMALL_PHOTO))).toBe(true)
    expect(Buffer.from(openedSmall.files[1].bytes).equals(Buffer.from(SMALL_NOTE))).toBe(true)

    const progress: RecoveryEvent[] = []
    const openedMedium = await session.open(medium.hashHex, { onProgress: e => { progress.push(e) } })
    expect(Buffer.from(openedMedium.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    const fetched = progress.filter(e => e.type === 'recover:shard:fetched')
    expect(fetched).toHaveLength(16)
    expect(fetched.at(-1)?.detail).toMatchObject({ have: 16, needed: 16 })
    expect(session.fetchedShards(medium.hashHex)).toEqual([])
    session.close()
    await w.stopAll()
  }, 60_000)

  it('rebuilds missing data shards from parity when 8 of 24 holders are gone', async () => {
    const { w } = await replicated(24, 2)
    const byIndex = await holdersOf(w, medium)
    // The holders of data shards 0..7 vanish: only 8 data + 8 parity shards remain.
    for (let i = 0; i < 8; i++) for (const id of byIndex.get(i) ?? []) w.remove(id)
    const { session, served } = rescuer(w)
    await session.find()
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(new Set(served.map(s => s.index)).size).toBe(16)
    expect(served.some(s => s.index >= 16)).toBe(true)
    // Every proven holder really holds that index.
    expect(opened.servedBy.length).toBeGreaterThanOrEqual(16)
    for (const { index, peerId } of opened.servedBy) expect(byIndex.get(index)).toContain(peerId)
    await w.stopAll()
  }, 60_000)

  it('opens as soon as k shards are here, without waiting for a DHT lookup that is still walking', async () => {
    const { w } = await replicated(24, 3)
    const { session } = rescuer(w)
    await session.find()
    // From now on the lookup finds nothing and hangs, ignoring its abort signal (a slow DHT walk).
    let lookups = 0
    let release: () => void = () => {}
    const hung = new Promise<void>(resolve => { release = resolve })
    const network = (w.nodes.get(`rescuer${w.nodes.size - 1}`) as SimNode).network
    network.findVaultHolders = async function * () { lookups++; await hung }
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(lookups).toBe(1)
    release()
    await w.stopAll()
  }, 60_000)

  it('holders whose requests hang hold one fetch slot each and their indices are asked elsewhere: the open goes on with the others', async () => {
    const { w } = await replicated(24, 7)
    // Shard requests time out only after 10 minutes: the test ends long before unless the open
    // goes on without the hanging holders (their in-flight indices are hedged after 200 ms).
    const { session } = rescuer(w, keys, { fetchConcurrency: 12, perHolderConcurrency: 3, shardTimeoutMs: 600_000, hedgeAfterMs: 200 })
    const { memories } = await session.find()
    const memory = memories.find(mem => mem.hashHex === medium.hashHex) as RecoveredMemory
    // Five holders answer nothing, ever (5 × 3 lanes would take all 12 slots). They are asked
    // first, each for a different index held by an honest holder: with those five indices
    // kept in flight, 24 − 5 − 5 = 14 < 16 shards stay askable, unless in-flight indices are
    // asked elsewhere too.
    const byIndex = await holdersOf(w, medium)
    const holderOf = (i: number): string => (byIndex.get(i) ?? [])[0]
    const hanging = new Set<string>()
    const claimed = new Set<number>()
    for (const id of memory.holders) {
      const first = probeOrder(id, 16, 8)[0]
      if (hanging.size === 5 || claimed.has(first) || holderOf(first) === id || hanging.has(holderOf(first)) || [...claimed].some(i => holderOf(i) === id)) continue
      hanging.add(id)
      claimed.add(first)
    }
    expect(hanging.size).toBe(5)
    memory.holders.sort((a, b) => Number(hanging.has(b)) - Number(hanging.has(a)))
    const network = (w.nodes.get(`rescuer${w.nodes.size - 1}`) as SimNode).network
    const fetchShard = network.fetchShard.bind(network)
    let hung = 0
    network.fetchShard = async (peerId, id, options) => {
      if (!hanging.has(peerId)) return await fetchShard(peerId, id, options)
      hung++
      return await new Promise<never>((_resolve, reject) => { options?.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }, { once: true }) })
    }
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(hung).toBe(5)
    expect(opened.servedBy.some(s => hanging.has(s.peerId))).toBe(false)
    await w.stopAll()
  }, 30_000)

  it('asks each holder for the indices it said it holds: no holder is asked for a shard it lacks (without that advice, many are)', async () => {
    const misses = async (advice: boolean): Promise<number> => {
      const { w } = await replicated(24, 11)
      // An older holder says nothing about what it holds.
      const { session, missed } = rescuer(w, keys, {}, undefined, codec, own => (advice ? {} : { listManifests: async (...args) => [...await own.listManifests(...args)] }))
      await session.find()
      const opened = await session.open(medium.hashHex)
      expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
      await w.stopAll()
      return missed()
    }
    expect(await misses(true)).toBe(0)
    expect(await misses(false)).toBeGreaterThan(8)
  }, 60_000)

  it('a holder the open\'s lookup finds is asked what it holds before its lanes start', async () => {
    const { w, holders } = await replicated(24, 17)
    let lookups = 0
    const { session, missed } = rescuer(w, keys, {}, undefined, codec, own => ({
      // `find` sees 6 holders; the open's lookup finds all 24.
      findVaultHolders: async function * (vaultIdHex, options) {
        const few = lookups++ === 0
        for await (const peer of own.findVaultHolders(vaultIdHex, options)) if (!few || holders.slice(0, 6).some(h => h.id === peer.id)) yield peer
      }
    }))
    const { memories } = await session.find()
    expect(memories.find(mem => mem.hashHex === medium.hashHex)?.holders).toHaveLength(6)
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(lookups).toBe(2)
    expect(missed()).toBe(0)
    await w.stopAll()
  }, 60_000)

  it('a shard several holders said they hold is asked at once (no holder leaves it to another): a Small memory opens without a hedge', async () => {
    const { w } = await replicated(8, 19)
    // Hedged requests only after 10 minutes: the open must not wait for one.
    const { session } = rescuer(w, keys, { hedgeAfterMs: 600_000 })
    await session.find()
    const opened = await session.open(small.hashHex)
    expect(opened.files.map(f => f.entry.name)).toEqual(['lake.png', 'note.txt'])
    await w.stopAll()
  }, 20_000)

  it('stale advice costs nothing but a question: holders that no longer have the shards they named answer "not held" and the open goes on', async () => {
    const { w } = await replicated(24, 13)
    const byIndex = await holdersOf(w, medium)
    const { session } = rescuer(w)
    await session.find()
    // After listing, the holders of data shards 0–3 lose them; parity serves the open instead.
    for (let i = 0; i < 4; i++) {
      for (const id of byIndex.get(i) ?? []) {
        await (w.nodes.get(id) as SimNode).fragments.delete(fragmentIdOf(medium, i))
      }
    }
    expect((await holdersOf(w, medium)).size).toBe(20)
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(opened.servedBy.filter(s => s.index < 4)).toEqual([])
    await w.stopAll()
  }, 60_000)

  it('when what holders said falls short of k, each is asked for the indices it did not name (a shard placed there since it listed)', async () => {
    const { w } = await replicated(24, 23)
    const byIndex = await holdersOf(w, medium)
    const { session } = rescuer(w)
    await session.find()
    // After listing: the holder of index 1 receives shard 0 (as a repair would place it), then
    // the holders of 0 and 16–23 vanish. Reachable: 1–15, and 0 on a holder that never named it.
    const from = w.nodes.get((byIndex.get(0) ?? [])[0]) as SimNode
    const to = w.nodes.get((byIndex.get(1) ?? [])[0]) as SimNode
    await to.fragments.put(fragmentIdOf(medium, 0), await from.fragments.get(fragmentIdOf(medium, 0)) as Uint8Array)
    for (const i of [0, 16, 17, 18, 19, 20, 21, 22, 23]) for (const id of byIndex.get(i) ?? []) if (id !== to.id) w.remove(id)
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(opened.servedBy).toContainEqual({ index: 0, peerId: to.id })
    await w.stopAll()
  }, 60_000)

  it('asking order: a holder that said what it holds is asked for those only; one that said nothing probes unnamed indices first', () => {
    const rotation = [4, 0, 3, 1, 2, 5]
    expect(askingOrder(rotation, 'a', undefined)).toEqual(rotation)
    expect(askingOrder(rotation, 'a', new Map())).toEqual(rotation)
    const said = new Map<string, ReadonlySet<number>>([['a', new Set([2, 3])], ['b', new Set([0, 5])]])
    expect(askingOrder(rotation, 'a', said)).toEqual([3, 2])
    expect(askingOrder(rotation, 'b', said)).toEqual([0, 5])
    expect(askingOrder(rotation, 'c', said)).toEqual([4, 1, 0, 3, 2, 5])
  })

  it('waits for a holder the lookup finds while the known holders are still answering, even when the lookup then ends', async () => {
    // 6 holders of 4 shards each; 2 vanish. The 3 holders `find` sees have 12 shards; the 4 more
    // needed are all on `late`, which the open's lookup yields while the others' answers are held
    // back, and which answers slowly: the known holders' lanes end (every index asked) while
    // late's are still fetching, and the lookup has ended by then.
    const { w } = await replicated(6, 11)
    const byHolder = new Map<string, number[]>()
    for (const [index, ids] of await holdersOf(w, medium)) for (const id of ids) byHolder.set(id, [...(byHolder.get(id) ?? []), index])
    const holders = [...byHolder.keys()].filter(id => id.startsWith('h')).sort()
    expect(holders.map(id => byHolder.get(id)?.length)).toEqual([4, 4, 4, 4, 4, 4])
    for (const id of holders.slice(0, 2)) w.remove(id)
    const late = w.nodes.get(holders[2]) as SimNode
    const known = holders.slice(3).map(id => w.nodes.get(id) as SimNode)
    const { session, served } = rescuer(w, keys, { fetchConcurrency: 32 })
    const network = (w.nodes.get(`rescuer${w.nodes.size - 1}`) as SimNode).network
    const lookup = network.findVaultHolders.bind(network)
    network.findVaultHolders = async function * (vaultIdHex, options) {
      for await (const peer of lookup(vaultIdHex, options)) if (peer.id !== late.id) yield peer
    }
    const listing = await session.find()
    expect(listing.memories.find(m => m.hashHex === medium.hashHex)?.holders.sort()).toEqual(known.map(h => h.id))

    let lateFound: () => void = () => {}
    const found = new Promise<void>(resolve => { lateFound = resolve })
    for (const h of known) {
      const honest = h.network.handlers!
      h.network.setHandlers({ ...honest, fetchShard: async (from, id, options) => { await found; return await honest.fetchShard(from, id, options) } })
    }
    const slow = late.network.handlers!
    late.network.setHandlers({ ...slow, fetchShard: async (from, id, options) => { await new Promise(resolve => setTimeout(resolve, 40)); return await slow.fetchShard(from, id, options) } })
    network.findVaultHolders = async function * (vaultIdHex, options) {
      for await (const peer of lookup(vaultIdHex, options)) {
        if (peer.id !== late.id) continue
        yield peer
        lateFound() // the session resumed the lookup: late's lanes have started; the lookup ends now
        return
      }
    }
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(served.filter(s => s.peerId === late.id).map(s => s.index).sort((a, b) => a - b)).toEqual(byHolder.get(late.id))
    await w.stopAll()
  }, 60_000)

  it('throws VaultNotFoundError for another vault’s phrase', async () => {
    const { w } = await replicated(8, 3)
    const other = deriveVaultKeys(seededBytes(99)(32))
    const { session } = rescuer(w, other)
    await expect(session.find()).rejects.toMatchObject({ name: 'VaultNotFoundError', code: 'ERR_VAULT_NOT_FOUND', asked: 0 })
    await w.stopAll()
  }, 60_000)

  it('drops and counts forged and foreign manifests', async () => {
    const { w } = await replicated(8, 4)
    const evil = w.add('evil')
    const foreign = deriveVaultKeys(seededBytes(7)(32))
    const { signature: _s, ...unsigned } = small.manifest
    const forged: Manifest[] = [
      { ...small.manifest, createdAt: small.manifest.createdAt + 1 }, // our key, signature no longer matches
      signManifest({ ...unsigned, vaultPublicKey: foreign.signingPublicKey }, foreign.signingSecretKey) // validly signed by another vault
    ]
    const real = evil.network.handlers!
    evil.network.setHandlers({ ...real, listManifests: async () => structuredClone(forged) })
    w.providers.get(keys.vaultIdHex)?.add('evil')
    const { session } = rescuer(w)
    const events: RecoveryEvent[] = []
    const listing = await session.find({ onProgress: e => { events.push(e) } })
    expect(listing.rejected).toBe(2)
    expect(listing.memories.map(m => m.hashHex).sort()).toEqual([medium.hashHex, small.hashHex].sort())
    expect(events.find(e => e.type === 'recover:manifests:listed' && e.detail.peerId === 'evil')?.detail).toEqual({ peerId: 'evil', verified: 0, rejected: 2 })

    // Only forgeries: the vault is not found, and the error says how many were dropped.
    const lonely = new SimWorld(5)
    const liar = lonely.add('liar')
    liar.network.setHandlers({ ...liar.network.handlers!, listManifests: async () => structuredClone(forged) })
    lonely.providers.set(keys.vaultIdHex, new Set(['liar']))
    await expect(rescuer(lonely).session.find()).rejects.toMatchObject({ name: 'VaultNotFoundError', asked: 1, rejected: 2 })
    await w.stopAll()
    await lonely.stopAll()
  }, 60_000)

  it('detects a holder serving corrupted shards, strikes it and uses the others', async () => {
    const { w, holders } = await replicated(24, 6)
    const evil = holders[5]
    const { judged } = stagedLiar(holders, evil, flip(0, 0xff))
    const scores = peerScore()({ clock: w.clock })
    const { session, served } = rescuer(w, keys, { listConcurrency: 100 }, scores)
    await session.find({ onProgress: judged })
    const events: RecoveryEvent[] = []
    const opened = await session.open(medium.hashHex, { onProgress: e => { events.push(e); judged(e) } })
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(session.badHolders).toEqual([evil.id])
    const bad = events.filter(e => e.type === 'recover:shard:bad').map(e => (e.detail as { peerId: string }).peerId)
    expect(bad.length).toBeGreaterThan(0)
    expect(new Set(bad)).toEqual(new Set([evil.id]))
    // Struck in the peer score, once per bad shard judged; no honest holder is.
    expect(scores.score(evil.id)).toBeGreaterThan(0)
    expect(holders.filter(h => h !== evil && scores.score(h.id) > 0)).toEqual([])
    // Nothing it sent was used: every shard that counted came from another holder.
    const fetched = events.filter(e => e.type === 'recover:shard:fetched').map(e => (e.detail as { peerId: string }).peerId)
    expect(fetched).toHaveLength(16)
    expect(fetched.includes(evil.id)).toBe(false)
    expect(served.some(s => s.peerId === evil.id)).toBe(true)
    // The proven holders ("make this my device" writes their rows): the liar is never one.
    expect(opened.servedBy.length).toBeGreaterThanOrEqual(16)
    expect(opened.servedBy.some(s => s.peerId === evil.id)).toBe(false)
    expect(new Set(opened.servedBy.map(s => s.peerId)).size).toBeGreaterThan(1)
    await w.stopAll()
  }, 60_000)

  it('strikes a holder serving corrupted shards in the shared peer score, and a later session skips it once banned', async () => {
    const { w, holders } = await replicated(24, 16)
    const evil = holders[9]
    const { judged } = stagedLiar(holders, evil, flip(1, 0x55))
    const scores = peerScore()({ clock: w.clock })
    // Two earlier offences (say, bad pushes seen by this node's service).
    scores.strike(evil.id, 'BAD_SHARD_PUSHED')
    scores.strike(evil.id, 'BAD_SHARD_PUSHED')
    const first = rescuer(w, keys, { listConcurrency: 100 }, scores)
    await first.session.find({ onProgress: judged })
    await first.session.open(medium.hashHex, { onProgress: judged })
    expect(first.session.badHolders).toEqual([evil.id])
    expect(scores.isBanned(evil.id)).toBe(true)
    // A new session (a retry, another memory) does not ask it at all.
    const second = rescuer(w, keys, { listConcurrency: 100 }, scores)
    const events: RecoveryEvent[] = []
    await second.session.find()
    const opened = await second.session.open(medium.hashHex, { onProgress: e => { events.push(e) } })
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(second.served.some(s => s.peerId === evil.id)).toBe(false)
    expect(events.some(e => e.type === 'recover:shard:bad')).toBe(false)
    expect(second.session.memories.find(m => m.hashHex === medium.hashHex)?.holders).not.toContain(evil.id)
    await w.stopAll()
  }, 60_000)

  it('checks every shard that arrives: a liar whose shard is judged after k good ones are kept is still struck', async () => {
    const { w, holders } = await replicated(24, 17)
    const evil = holders[3]
    const { judged } = stagedLiar(holders, evil, flip(2, 0x0f), 'any')
    // A checker that finishes bad shards only once 16 good ones are kept (a busy worker, say).
    let kept: () => void = () => {}
    const sixteenKept = new Promise<void>(resolve => { kept = resolve })
    const known = new Set(medium.manifest.shardChecksums.map(c => Buffer.from(c).toString('hex')))
    const slowOnBad: RecoveryCodec = {
      ...codec,
      checksum: async (bytes) => {
        const checksum = await blake3Fast(bytes)
        if (!known.has(Buffer.from(checksum).toString('hex'))) await sixteenKept
        return { checksum, bytes }
      }
    }
    const scores = peerScore()({ clock: w.clock })
    const { session, served } = rescuer(w, keys, { listConcurrency: 100 }, scores, slowOnBad)
    await session.find({ onProgress: judged })
    const events: RecoveryEvent[] = []
    const opened = await session.open(medium.hashHex, {
      onProgress: e => {
        events.push(e)
        judged(e)
        if (e.type === 'recover:shard:fetched' && e.detail.have === e.detail.needed) kept()
      }
    })
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    const fetched = events.filter(e => e.type === 'recover:shard:fetched')
    expect(fetched).toHaveLength(16)
    expect(fetched.some(e => e.detail.peerId === evil.id)).toBe(false)
    // The liar's shards were judged after the 16th good one was kept, and struck all the same.
    const firstBad = events.findIndex(e => e.type === 'recover:shard:bad')
    expect(firstBad).toBeGreaterThan(events.indexOf(fetched[15]))
    expect(served.some(s => s.peerId === evil.id)).toBe(true)
    expect(session.badHolders).toEqual([evil.id])
    expect(scores.score(evil.id)).toBeGreaterThan(0)
    await w.stopAll()
  }, 60_000)

  it('strikes a holder whose bytes the wire found not to match (ChecksumMismatchError), and uses the others', async () => {
    const { w, holders } = await replicated(24, 18)
    const evil = holders[7]
    const { judged } = stagedLiar(holders, evil, () => { throw new ChecksumMismatchError('fetch shard: bytes do not hash to the checksum asked for') })
    const scores = peerScore()({ clock: w.clock })
    const { session } = rescuer(w, keys, { listConcurrency: 100 }, scores)
    await session.find({ onProgress: judged })
    const events: RecoveryEvent[] = []
    const opened = await session.open(medium.hashHex, { onProgress: e => { events.push(e); judged(e) } })
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(session.badHolders).toEqual([evil.id])
    expect(scores.score(evil.id)).toBeGreaterThan(0)
    expect(events.some(e => e.type === 'recover:holder:failed')).toBe(false)
    await w.stopAll()
  }, 60_000)

  it('checks shards with the injected checker and keeps the bytes it hands back (as a worker transfer leaves them)', async () => {
    const { w } = await replicated(24, 19)
    let checks = 0
    const transferring: RecoveryCodec = {
      ...codec,
      checksum: async (bytes) => {
        checks++
        const checksum = await blake3Fast(bytes)
        // What a worker round trip does: the caller's buffer is detached, the bytes come back in a new one.
        const back = structuredClone(bytes, { transfer: [bytes.buffer as ArrayBuffer] })
        expect(bytes.byteLength).toBe(0)
        return { checksum, bytes: back }
      }
    }
    const { session, served } = rescuer(w, keys, {}, undefined, transferring)
    await session.find()
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    // Every shard served was checked (the Small one included), none twice.
    expect(checks).toBe(served.length)
    const openedSmall = await session.open(small.hashHex)
    expect(Buffer.from(openedSmall.files[0].bytes).equals(Buffer.from(SMALL_PHOTO))).toBe(true)
    expect(checks).toBe(served.length)
    await w.stopAll()
  }, 60_000)

  it('ends the open with the checker’s error when the checker fails (not a holder’s fault)', async () => {
    const { w } = await replicated(8, 20)
    const broken = new Error('codec worker failed: out of memory')
    const { session } = rescuer(w, keys, {}, undefined, { ...codec, checksum: async () => { throw broken } })
    await session.find()
    await expect(session.open(medium.hashHex)).rejects.toBe(broken)
    expect(session.badHolders).toEqual([])
    await w.stopAll()
  }, 60_000)

  it('says exactly how many fragments of how many were found, and a retry fetches only the missing ones', async () => {
    const { w } = await replicated(24, 7)
    const byIndex = await holdersOf(w, medium)
    const gone = [...byIndex.entries()].filter(([i]) => i < 9).map(([, ids]) => ids[0])
    expect(new Set(gone).size).toBe(9)
    for (const id of gone) w.remove(id)
    const { session, served } = rescuer(w)
    await session.find()
    const err = await session.open(medium.hashHex).catch((e: unknown) => e) as { name: string, found: number, needed: number, total: number, tried: string[], message: string }
    expect(err).toMatchObject({ name: 'NotEnoughFragmentsError', code: 'ERR_NOT_ENOUGH_FRAGMENTS', found: 15, needed: 16, total: 24 })
    expect([...err.tried].sort()).toEqual([...w.nodes.values()].filter(n => n.online && n.id.startsWith('h')).map(n => n.id).sort())
    expect(err.message).toBe(`not enough fragments: got 15 of the 16 needed (24 exist); tried 15 holders: ${err.tried.join(', ')}`)
    const kept = session.fetchedShards(medium.hashHex)
    expect(kept).toHaveLength(15)
    expect(served).toHaveLength(15)

    // One holder comes back: the retry finds it and fetches just one shard.
    const back = w.nodes.get(gone[0]) as SimNode
    back.online = true
    const opened = await session.open(medium.hashHex)
    expect(Buffer.from(opened.files[0].bytes).equals(Buffer.from(MEDIUM_PLAIN))).toBe(true)
    expect(served.slice(15)).toEqual([{ peerId: back.id, index: [...byIndex.entries()].find(([, ids]) => ids[0] === back.id)?.[0] }])
    await w.stopAll()
  }, 60_000)

  it('forgets the keys and every fetched byte on close', async () => {
    const { w } = await replicated(8, 8)
    const { session } = rescuer(w)
    await session.find()
    session.close()
    expect(session.memories).toEqual([])
    await expect(session.open(small.hashHex)).rejects.toMatchObject({ name: 'AbortError' })
    await w.stopAll()
  }, 60_000)
})
