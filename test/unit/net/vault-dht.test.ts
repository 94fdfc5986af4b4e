/**
 * Integration: finding a vault from its id alone ([Note: Finding a vault]) over real libp2p in
 * Node, WebSockets on 127.0.0.1. S runs kad-dht in server mode like the relay; A and B run it in
 * client mode like browsers. A announces, B (connected only to S) finds A through S's provider
 * records, dials it and lists its manifests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import type { InboundHandlers, Manifest, PeerInfo } from '../../../src/core/index.js'
import { KAD_PROTOCOL } from '../../../src/net/constants.js'
import { createLibp2pPeerNetwork, type Libp2pPeerNetwork, type Libp2pPeerNetworkInit } from '../../../src/net/peer-network.js'
import { vaultCid } from '../../../src/net/vault-cid.js'
import { bytesOf, manifestFor } from './fixtures.js'
import { makeNode, until, wsNodeOptions } from './ws-node.js'

type DhtNode = Libp2p<{ identify: unknown, ping: unknown, dht: KadDHT }>

/** A node with our kad-dht; private addresses kept in records (test namespace, as with allowPrivateAddresses). */
async function dhtNode (server: boolean, listen = ['/ip4/127.0.0.1/tcp/0/ws']): Promise<DhtNode> {
  return await createLibp2p(wsNodeOptions({ identify: identify(), ping: ping(), dht: kadDHT({ protocol: KAD_PROTOCOL, clientMode: !server, peerInfoMapper: passthroughMapper }) }, listen))
}

/** A holder that lists fixed manifests per vault (choosing them is the service's job). */
function lister (lists: Map<string, Manifest[]>): InboundHandlers {
  const none = async (): Promise<never> => { throw new Error('not used') }
  return {
    replicate: none,
    attest: none,
    fetchShard: async () => undefined,
    fetchManifest: async () => undefined,
    listManifests: async (_from, vaultIdHex) => lists.get(vaultIdHex) ?? []
  }
}


async function collect (holders: AsyncIterable<PeerInfo>): Promise<string[]> {
  const ids: string[] = []
  for await (const h of holders) ids.push(h.id)
  return ids
}

const routingSize = (n: DhtNode): number => (n.services.dht as unknown as { routingTable: { size: number } }).routingTable.size

describe('vault announcements and lookups over kad-dht (server + client-mode nodes)', () => {
  let s: DhtNode, a: DhtNode, b: DhtNode
  let na: Libp2pPeerNetwork, nb: Libp2pPeerNetwork
  const vault = 'a1'.repeat(32)
  const listed = [manifestFor(bytesOf(2000, 51)), manifestFor(bytesOf(40, 52))]
  const logs: string[] = []
  const init: Libp2pPeerNetworkInit = { log: (m) => { logs.push(m) } }

  beforeAll(async () => {
    s = await dhtNode(true); a = await dhtNode(false); b = await dhtNode(false)
    na = await createLibp2pPeerNetwork(a, init)
    nb = await createLibp2pPeerNetwork(b, init)
    na.setHandlers(lister(new Map([[vault, listed]])))
    await a.dial(s.getMultiaddrs()[0])
    await b.dial(s.getMultiaddrs()[0])
    await until(() => routingSize(a) > 0 && routingSize(b) > 0)
  })

  afterAll(async () => {
    await na?.stop(); await nb?.stop()
    await a?.stop(); await b?.stop(); await s?.stop()
  })

  it('a client-mode node announces; another finds it through the server, dials it and lists its manifests', async () => {
    expect(a.services.dht.getMode()).toBe('client')
    await na.announceVault(vault)
    // The record is on the server, from the client's ADD_PROVIDER.
    const onServer: string[] = []
    // The server's own store answers first (its walk would then wait for DHT peers it has none of).
    for await (const e of s.services.dht.findProviders(vaultCid(vault), { signal: AbortSignal.timeout(5_000) })) {
      if (e.name === 'PROVIDER') { onServer.push(...e.providers.map(p => p.id.toString())); break }
    }
    expect(onServer).toContain(a.peerId.toString())
    expect(b.getConnections(a.peerId)).toEqual([])
    expect(await collect(nb.findVaultHolders(vault))).toEqual([a.peerId.toString()])
    expect(b.getConnections(a.peerId).some(c => c.status === 'open' && c.limits == null)).toBe(true)
    expect((await nb.listManifests(a.peerId.toString(), vault)).map(m => m.tesseraHash)).toEqual(listed.map(m => m.tesseraHash))
  })

  it('yields connected holders first and each holder once', async () => {
    await until(() => nb.peers().some(p => p.id === a.peerId.toString()))
    expect(await collect(nb.findVaultHolders(vault))).toEqual([a.peerId.toString()])
  })

  it('finds nobody for a vault nobody announced, and rejects a malformed vault id', async () => {
    const c = await dhtNode(false)
    const nc = await createLibp2pPeerNetwork(c, init)
    try {
      await c.dial(s.getMultiaddrs()[0])
      await until(() => routingSize(c) > 0)
      expect(await collect(nc.findVaultHolders('b2'.repeat(32)))).toEqual([])
      await expect(collect(nc.findVaultHolders('b2'))).rejects.toThrow(RangeError)
      await expect(nc.announceVault('xyz')).rejects.toThrow(RangeError)
    } finally {
      await nc.stop(); await c.stop()
    }
  })

  it('announces again once the routing table fills, after an announcement that reached nobody', async () => {
    const late = 'c3'.repeat(32)
    const c = await dhtNode(false)
    const nc = await createLibp2pPeerNetwork(c, { ...init, announce: { checkIntervalMs: 50 } })
    try {
      // Alone: resolves without throwing, logs, and remembers the vault.
      await nc.announceVault(late)
      expect(logs.some(m => m.includes('no DHT server reached'))).toBe(true)
      expect(await collect(nb.findVaultHolders(late))).not.toContain(c.peerId.toString())
      await c.dial(s.getMultiaddrs()[0])
      await until(async () => (await collect(nb.findVaultHolders(late))).includes(c.peerId.toString()))
    } finally {
      await nc.stop(); await c.stop()
    }
  })

  it('ends with AbortError when the caller gives up, and stops when the consumer breaks early', async () => {
    const alone = await dhtNode(false)
    const nl = await createLibp2pPeerNetwork(alone, init)
    try {
      // An empty routing table holds the walk until a DHT peer appears: only the signal ends it.
      const started = Date.now()
      await expect(collect(nl.findVaultHolders(vault, { signal: AbortSignal.timeout(150) }))).rejects.toMatchObject({ name: 'AbortError' })
      expect(Date.now() - started).toBeLessThan(3_000)
      for await (const holder of nb.findVaultHolders(vault)) { expect(holder.id).toBe(a.peerId.toString()); break }
    } finally {
      await nl.stop(); await alone.stop()
    }
  })

  it('does not count an announcement without an address of ours (servers drop such records)', async () => {
    const unreachable = 'd4'.repeat(32)
    const c = await dhtNode(false, [])
    const nc = await createLibp2pPeerNetwork(c, init)
    try {
      await c.dial(s.getMultiaddrs()[0])
      await until(() => routingSize(c) > 0)
      await nc.announceVault(unreachable)
      expect(logs).toContain(`vault ${unreachable.slice(0, 8)}: no DHT server reached, retrying later`)
    } finally {
      await nc.stop(); await c.stop()
    }
  })

  it('without a DHT, remembers announcements and yields only connected peers', async () => {
    const plain = await makeNode()
    const np = await createLibp2pPeerNetwork(plain, init)
    try {
      await np.announceVault(vault)
      await plain.dial(a.getMultiaddrs()[0])
      await until(() => np.peers().length === 1)
      expect(await collect(np.findVaultHolders(vault))).toEqual([a.peerId.toString()])
      expect(logs.some(m => m.includes('no DHT on this node'))).toBe(true)
    } finally {
      await np.stop(); await plain.stop()
    }
  })
})
