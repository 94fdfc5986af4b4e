/**
 * Integration: two (and three) real libp2p nodes in Node over WebSockets on 127.0.0.1 running
 * the replication protocols through `createLibp2pPeerNetwork` (nodes from ./ws-node.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Libp2p } from 'libp2p'
import { blake3 } from '@noble/hashes/blake3.js'
import { toHex, type FragmentId, type InboundHandlers, type Manifest, type PeerEvent, type ReplicateRequest } from '../../../src/core/index.js'
import { createLibp2pPeerNetwork, type Libp2pPeerNetwork, type Libp2pPeerNetworkInit } from '../../../src/net/peer-network.js'
import { FETCH_PROTOCOL } from '../../../src/net/protocols/fetch/constants.js'
import { REPLICATE_PROTOCOL } from '../../../src/net/protocols/replicate/constants.js'
import { frame } from '../../../src/net/protocols/framing.js'
import { bytesOf, fragmentOf, manifestFor, sameBytes } from './fixtures.js'
import { makeNode, until } from './ws-node.js'

/** A copy of `bytes` that calls `onTrip` once, when a view starting at or after `at` is taken. */
function tripwire (bytes: Uint8Array, at: number, onTrip: () => void): Uint8Array {
  let fired = false
  class Tripwire extends Uint8Array {
    override subarray (begin?: number, end?: number): Uint8Array<ArrayBuffer> {
      if (!fired && (begin ?? 0) >= at) { fired = true; onTrip() }
      return super.subarray(begin, end)
    }
  }
  const t = new Tripwire(bytes.length)
  t.set(bytes)
  return t
}

/** A holder's inbound side over a Map, recording calls. */
function memoryHolder (): InboundHandlers & { store: Map<string, Uint8Array>, manifests: Map<string, Manifest>, lists: Map<string, Manifest[]>, calls: number, selfId: string } {
  const store = new Map<string, Uint8Array>()
  const manifests = new Map<string, Manifest>()
  const lists = new Map<string, Manifest[]>()
  const h = {
    store,
    manifests,
    lists,
    calls: 0,
    selfId: '',
    async replicate (_from: unknown, req: ReplicateRequest) {
      h.calls++
      store.set(key(req.fragment), req.shard)
      manifests.set(toHex(req.manifest.tesseraHash), req.manifest)
      return { status: 'OK' as const, receipt: { fragment: req.fragment, holderId: h.selfId, storedAt: Date.now(), nonce: req.nonce, signature: bytesOf(64, 1) } }
    },
    async attest (_from: unknown, c: { fragment: FragmentId, nonce: Uint8Array, ranges: Array<{ offset: number, length: number }> }) {
      const shard = store.get(key(c.fragment))
      if (shard == null) return { status: 'NOT_FOUND' as const }
      return { status: 'OK' as const, proof: blake3(Uint8Array.from(c.ranges.flatMap(r => [...shard.subarray(r.offset, r.offset + r.length)])), { key: c.nonce }) }
    },
    async fetchShard (_from: unknown, id: FragmentId) { return store.get(key(id)) },
    async fetchManifest (_from: unknown, hashHex: string) { return manifests.get(hashHex) },
    // Choosing a vault's manifests is the service's job: the test holder returns what it was given.
    async listManifests (_from: unknown, vaultIdHex: string) { return lists.get(vaultIdHex) ?? [] }
  }
  return h
}

/** `m` with every byte field as a plain Uint8Array (decoders may hand out Node Buffers). */
function plain (m: Manifest): Manifest {
  const copy = (b: Uint8Array): Uint8Array => Uint8Array.from(b)
  return { ...m, tesseraHash: copy(m.tesseraHash), shardChecksums: m.shardChecksums.map(copy), wrappedKey: copy(m.wrappedKey), encryptedMetadata: copy(m.encryptedMetadata), vaultPublicKey: copy(m.vaultPublicKey), signature: copy(m.signature) }
}

const key = (id: FragmentId): string => `${id.tesseraHashHex}/${id.index}/${id.checksumHex}`

function requestFor (shard: Uint8Array, index = 0): ReplicateRequest {
  const manifest = manifestFor(shard, index)
  return { manifest, fragment: fragmentOf(manifest, index), shard, nonce: bytesOf(16, index + 1) }
}

describe('libp2p peer network over WebSockets (two Node nodes)', () => {
  let a: Libp2p, b: Libp2p
  let na: Libp2pPeerNetwork, nb: Libp2pPeerNetwork
  const holder = memoryHolder()
  const eventsA: PeerEvent[] = []

  beforeAll(async () => {
    a = await makeNode(); b = await makeNode()
    na = await createLibp2pPeerNetwork(a, { verifyInstitutional: (id) => id === b.peerId.toString() })
    const init: Libp2pPeerNetworkInit = { capabilities: { anchor: true, institutional: true } }
    nb = await createLibp2pPeerNetwork(b, init)
    na.subscribe(e => eventsA.push(e))
    holder.selfId = nb.selfId
    nb.setHandlers(holder)
    await a.dial(b.getMultiaddrs()[0])
    await until(() => na.peers().length === 1 && nb.peers().length === 1)
  })

  afterAll(async () => {
    await na?.stop(); await nb?.stop()
    await a?.stop(); await b?.stop()
  })

  it('lists the peer with its kind, IP, capabilities and public key, and emits peer:connect', () => {
    const [peer] = na.peers()
    expect(peer).toMatchObject({ id: b.peerId.toString(), kind: 'websocket', addresses: ['127.0.0.1'], anchor: true, institutional: true })
    expect(peer.publicKey).toEqual(b.peerId.publicKey?.raw)
    expect(nb.peers()[0]).toMatchObject({ id: a.peerId.toString(), kind: 'websocket', anchor: false, institutional: false })
    expect(eventsA.find(e => e.type === 'peer:connect')).toBeDefined()
  })

  it('pushes a 4 MiB shard and gets the receipt; the holder stored the exact bytes', async () => {
    const r = requestFor(bytesOf(4 * 1024 * 1024, 21))
    const started = performance.now()
    const ack = await na.sendReplicate(b.peerId.toString(), r)
    const ms = performance.now() - started
    console.log(`replicate 4 MiB over WebSockets on 127.0.0.1: ${ms.toFixed(0)} ms, ${(4 / 1.048576 / (ms / 1000)).toFixed(1)} MB/s`)
    expect(ack.status).toBe('OK')
    expect(ack.receipt).toMatchObject({ fragment: r.fragment, holderId: b.peerId.toString(), nonce: r.nonce })
    expect(sameBytes(holder.store.get(key(r.fragment)), r.shard)).toBe(true)
  })

  it('gets an attestation the challenger can check', async () => {
    const r = requestFor(bytesOf(1000, 22))
    expect((await na.sendReplicate(b.peerId.toString(), r)).status).toBe('OK')
    const nonce = bytesOf(32, 23)
    const ranges = [{ offset: 3, length: 64 }, { offset: 900, length: 100 }]
    const res = await na.requestAttestation(b.peerId.toString(), { fragment: r.fragment, nonce, ranges, whole: false })
    expect(res).toEqual({ status: 'OK', proof: blake3(Uint8Array.from([...r.shard.subarray(3, 67), ...r.shard.subarray(900, 1000)]), { key: nonce }) })
    const missing = await na.requestAttestation(b.peerId.toString(), { fragment: fragmentOf(manifestFor(bytesOf(5, 24))), nonce, ranges, whole: false })
    expect(missing).toEqual({ status: 'NOT_FOUND' })
  })

  it('fetches back a shard and a manifest, and undefined for what the holder lacks', async () => {
    const r = requestFor(bytesOf(300_000, 25))
    expect((await na.sendReplicate(b.peerId.toString(), r)).status).toBe('OK')
    expect(sameBytes(await na.fetchShard(b.peerId.toString(), r.fragment), r.shard)).toBe(true)
    expect(await na.fetchManifest(b.peerId.toString(), r.fragment.tesseraHashHex)).toEqual(r.manifest)
    expect(await na.fetchManifest(b.peerId.toString(), '33'.repeat(32))).toBeUndefined()
    expect(await na.fetchShard(b.peerId.toString(), fragmentOf(manifestFor(bytesOf(7, 26))))).toBeUndefined()
  })

  it('lists a vault\'s manifests, and none for an unknown vault', async () => {
    const vault = '5a'.repeat(32)
    const listed = [manifestFor(bytesOf(3000, 41)), manifestFor(bytesOf(70_000, 42)), manifestFor(bytesOf(9, 43))]
    holder.lists.set(vault, listed)
    // Large answers arrive in several chunks and decode into Node Buffers: compare the bytes.
    expect((await na.listManifests(b.peerId.toString(), vault)).map(plain)).toEqual(listed.map(plain))
    expect(await na.listManifests(b.peerId.toString(), '6b'.repeat(32))).toEqual([])
    await expect(na.listManifests(b.peerId.toString(), 'zz')).rejects.toThrow(RangeError)
  })

  it('rejects a malformed list answer with ProtocolError', async () => {
    const rogue = await makeNode()
    // Answers every fetch with a FetchResponse{status OK, manifests: [Manifest{format_version 9}]}.
    await rogue.handle(FETCH_PROTOCOL, (stream) => {
      void (async () => {
        for await (const _ of stream) break
        stream.send(frame(Uint8Array.from([0x22, 0x02, 0x08, 0x09])))
        await stream.close()
      })().catch(() => {})
    })
    try {
      await a.dial(rogue.getMultiaddrs()[0])
      await expect(na.listManifests(rogue.peerId.toString(), '5a'.repeat(32))).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringContaining('formatVersion') })
    } finally {
      await rogue.stop()
    }
  })

  it('refuses a corrupted shard with BAD_CHECKSUM and stores nothing', async () => {
    const r = requestFor(bytesOf(500_000, 27))
    const shard = r.shard.slice(); shard[12345] ^= 0x80
    const calls = holder.calls
    const ack = await na.sendReplicate(b.peerId.toString(), { ...r, shard })
    expect(ack).toEqual({ status: 'BAD_CHECKSUM' })
    expect(holder.calls).toBe(calls)
    expect(holder.store.has(key(r.fragment))).toBe(false)
  })

  it('a node that holds nothing (relay with --no-storage) is never listed as a holder, yet answers fetches', async () => {
    const d = await makeNode()
    const nd = await createLibp2pPeerNetwork(d, { holding: false })
    const dHolder = memoryHolder()
    nd.setHandlers(dHolder)
    try {
      await a.dial(d.getMultiaddrs()[0])
      // Identify has run once a knows d's protocols.
      await until(async () => (await a.peerStore.get(d.peerId).catch(() => undefined))?.protocols.includes(FETCH_PROTOCOL) === true)
      const protocols = (await a.peerStore.get(d.peerId)).protocols
      expect(protocols).not.toContain(REPLICATE_PROTOCOL)
      expect(na.peers().map(p => p.id)).not.toContain(d.peerId.toString())
      await until(() => nd.peers().some(p => p.id === a.peerId.toString()))
      expect(await na.fetchManifest(d.peerId.toString(), '44'.repeat(32))).toBeUndefined()
    } finally {
      await nd.stop()
      await d.stop()
    }
  })

  it('fails with PeerUnreachableError for a peer without a direct connection', async () => {
    await expect(na.sendReplicate('12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', requestFor(bytesOf(10)))).rejects.toMatchObject({ name: 'PeerUnreachableError' })
  })

  it('a sender that goes away mid-transfer leaves nothing stored', async () => {
    const c = await makeNode()
    const nc = await createLibp2pPeerNetwork(c)
    await c.dial(b.getMultiaddrs()[0])
    await until(() => nc.peers().length === 1)
    const r = requestFor(bytesOf(16 * 1024 * 1024, 28))
    const calls = holder.calls
    // Go away once 1 MiB has been handed to the stream: deterministic on fast and slow machines.
    let gone!: Promise<void>
    const shard = tripwire(r.shard, 1024 * 1024, () => { gone = nc.stop().then(async () => { await c.stop() }) })
    const pending = nc.sendReplicate(b.peerId.toString(), { ...r, shard })
    await expect(pending).rejects.toMatchObject({ name: expect.stringMatching(/^(AbortError|ProtocolError)$/) })
    expect(gone).toBeDefined()
    await gone
    await until(() => !nb.peers().some(p => p.id === c.peerId.toString()), 15_000)
    expect(holder.calls).toBe(calls)
    expect(holder.store.has(key(r.fragment))).toBe(false)
  })

  it('a holder that goes away mid-transfer gives a typed error and stores nothing', async () => {
    const r = requestFor(bytesOf(16 * 1024 * 1024, 29))
    const calls = holder.calls
    const disconnected = new Promise<void>(resolve => na.subscribe(e => { if (e.type === 'peer:disconnect') resolve() }))
    const shard = tripwire(r.shard, 1024 * 1024, () => { void nb.stop().then(async () => { await b.stop() }) })
    const pending = na.sendReplicate(b.peerId.toString(), { ...r, shard })
    await expect(pending).rejects.toMatchObject({ name: 'ProtocolError' })
    expect(holder.calls).toBe(calls)
    expect(holder.store.has(key(r.fragment))).toBe(false)
    await disconnected
    expect(na.peers()).toEqual([])
  })
})
