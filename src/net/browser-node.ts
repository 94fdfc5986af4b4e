/**
 * The browser's libp2p node: WebSockets to relays, WebRTC between browsers, circuit relay v2 for
 * signalling, Noise, Yamux, identify, ping, kad-dht (client) and pubsub peer discovery.
 * Lives on the main thread (RTCPeerConnection does not exist in workers).
 *
 * [Note: Browser connectivity]
 * 1. Dial every configured relay over WebSockets; reconnect with backoff when it goes away.
 * 2. Listening on `/p2p-circuit` makes the relay grant a reservation, so others can reach us at
 *    `<relay>/p2p-circuit/webrtc/p2p/<us>`; `/webrtc` makes that address upgradable.
 * 3. Every node announces its addresses on the discovery topic (gossipsub through the relay).
 * 4. On discovery, the peer with the smaller id dials the `/webrtc` address (the other waits a
 *    grace period, so both don't dial at once); signalling runs over the limited relayed
 *    connection, then data flows over the direct WebRTC connection. Nothing else runs over a
 *    limited circuit. Dials go through the [Note: Dial budget].
 * 5. Direct links don't depend on the relay: they stay when it goes away.
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { gossipsub } from '@libp2p/gossipsub'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId, PrivateKey } from '@libp2p/interface'
import { Backoff } from './backoff.js'
import { bestKind, connectionKind, type ConnectionKind } from './classify.js'
import type { NetworkConfig } from './config.js'
import {
  DEFAULT_DISCOVERY_INTERVAL_MS, DEFAULT_GLARE_GRACE_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_PING_INTERVAL_MS,
  DEFAULT_WEBRTC_DIAL_TIMEOUT_MS, DISCOVERY_TOPIC, KAD_PROTOCOL
} from './constants.js'
import { dialBudgetFor, type DialBudget, type DialBudgetInit } from './dial-budget.js'
import { isWebRtcCircuit, withPeer } from './direct-dial.js'
import { ProtocolError, toError } from './errors.js'
import { PROBE_PROTOCOL, registerProtocols, sendProbe, type ProtocolHandlers } from './protocols/index.js'

/** A peer as the Network view shows it. */
export interface PeerStatus {
  id: string
  kind: ConnectionKind
  /** Round-trip time (ms) from the connection monitor's pings, when measured. */
  rttMs?: number
  /** When the oldest open connection to this peer opened (ms since epoch). */
  since: number
  /** Connections open to this peer (briefly two while a kad-dht dial races ours). */
  connections: number
}

/** A configured relay and how we are attached to it. */
export interface RelayStatus {
  addr: string
  id: string
  state: 'connected' | 'connecting' | 'waiting'
  /** Whether it holds a reservation for us (others can reach us through it). */
  reserved: boolean
  rttMs?: number
  since?: number
  /** Why the last attempt failed, in plain words. */
  lastError?: string
  /** When the next attempt is due (ms since epoch), while waiting. */
  retryAt?: number
}

/** Everything the UI needs, as plain data. */
export interface NetworkSnapshot {
  peerId: string
  status: 'offline' | 'connecting' | 'online' | 'alone'
  relays: RelayStatus[]
  peers: PeerStatus[]
  dialsLeft: number
  /** When the first direct WebRTC connection opened (ms since epoch), for measurements. */
  firstDirectAt?: number
}

export interface BrowserNodeInit {
  config: NetworkConfig
  privateKey: PrivateKey
  budget?: DialBudgetInit
  discoveryIntervalMs?: number
  maxConnections?: number
  /** Handlers of our own protocols (see protocols/). */
  protocols?: ProtocolHandlers
}

interface RelayEntry extends RelayStatus {
  backoff: Backoff
  timer?: ReturnType<typeof setTimeout>
}

const SWEEP_INTERVAL_MS = 2_000
const RELAY_DIAL_TIMEOUT_MS = 10_000

/** The browser node; create with {@link createBrowserNode}. */
export class BrowserNode {
  readonly libp2p: Libp2p
  readonly peerId: string
  private readonly relays = new Map<string, RelayEntry>()
  private readonly relayIds = new Set<string>()
  private readonly budget: DialBudget
  private readonly firstSeen = new Map<string, number>()
  /** Peers that disconnected: their next announcement earns one immediate redial (a reload). */
  private readonly rejoining = new Set<string>()
  private readonly listeners = new Set<(s: NetworkSnapshot) => void>()
  private sweepTimer?: ReturnType<typeof setInterval>
  private offline = false
  private stopped = true
  private pendingEmit = false
  private firstDirectAt?: number

  constructor (libp2p: Libp2p, init: BrowserNodeInit) {
    this.libp2p = libp2p
    this.peerId = libp2p.peerId.toString()
    this.budget = dialBudgetFor(libp2p, init.budget)
    this.setRelays(init.config.relays)
  }

  /** Starts dialling relays and discovered peers. Idempotent. */
  start (): void {
    if (!this.stopped) return
    this.stopped = false
    const changed = (): void => { this.emit() }
    this.libp2p.addEventListener('connection:open', (e) => { this.onOpen(e.detail) })
    this.libp2p.addEventListener('connection:close', changed)
    this.libp2p.addEventListener('self:peer:update', changed)
    this.libp2p.addEventListener('peer:disconnect', (e) => { this.onDisconnect(e.detail) })
    this.libp2p.addEventListener('peer:discovery', (e) => {
      const id = e.detail.id.toString()
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, Date.now())
      if (this.rejoining.delete(id)) this.budget.allowNow(id)
      void this.sweep()
    })
    for (const r of this.relays.values()) this.scheduleRelay(r, 0)
    this.sweepTimer = setInterval(() => { void this.sweep(); this.emit() }, SWEEP_INTERVAL_MS)
  }

  /** Stops dialling and the libp2p node. Idempotent. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.sweepTimer)
    for (const r of this.relays.values()) clearTimeout(r.timer)
    await this.libp2p.stop()
  }

  /** Replaces the relay list (settings field); new relays are dialled at once. */
  setRelays (addrs: string[]): void {
    for (const [addr, r] of this.relays) {
      if (!addrs.includes(addr)) { clearTimeout(r.timer); this.relays.delete(addr); this.relayIds.delete(r.id) }
    }
    for (const addr of addrs) {
      if (this.relays.has(addr)) continue
      const id = multiaddr(addr).getComponents().findLast(c => c.name === 'p2p')?.value ?? ''
      const entry: RelayEntry = { addr, id, state: 'waiting', reserved: false, backoff: new Backoff() }
      this.relays.set(addr, entry)
      this.relayIds.add(id)
      if (!this.stopped) this.scheduleRelay(entry, 0)
    }
    this.emit()
  }

  /**
   * The browser lost or regained its network. Offline: hang up everything so the state is
   * clear (the links are dead anyway). Online: dial the relays at once.
   */
  setOnline (online: boolean): void {
    if (online === !this.offline) return
    this.offline = !online
    if (this.offline) {
      for (const r of this.relays.values()) { clearTimeout(r.timer); r.state = 'waiting'; r.retryAt = undefined }
      for (const c of this.libp2p.getConnections()) void c.close().catch(() => { c.abort(new Error('offline')) })
    } else {
      for (const r of this.relays.values()) { r.backoff.reset(); this.scheduleRelay(r, 0) }
    }
    this.emit()
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  subscribe (listener: (s: NetworkSnapshot) => void): () => void {
    this.listeners.add(listener)
    listener(this.snapshot())
    return () => { this.listeners.delete(listener) }
  }

  /** The current state as plain data. */
  snapshot (): NetworkSnapshot {
    const byPeer = new Map<string, { kind?: ConnectionKind, rtt?: number, since: number, n: number }>()
    for (const c of this.libp2p.getConnections()) {
      if (c.status !== 'open') continue
      const id = c.remotePeer.toString()
      const p = byPeer.get(id) ?? { since: Infinity, n: 0 }
      const kind = connectionKind(c)
      const best = bestKind(p.kind, kind)
      if (best === kind && c.rtt != null) p.rtt = c.rtt
      p.kind = best
      p.since = Math.min(p.since, c.timeline.open)
      p.n++
      byPeer.set(id, p)
    }
    const selfAddrs = this.libp2p.getMultiaddrs().map(String)
    const relays: RelayStatus[] = [...this.relays.values()].map(r => {
      const conn = byPeer.get(r.id)
      return {
        addr: r.addr,
        id: r.id,
        state: conn != null ? 'connected' : r.state,
        reserved: selfAddrs.some(a => a.includes(`/p2p/${r.id}/p2p-circuit`)),
        rttMs: conn?.rtt,
        since: conn?.since,
        lastError: conn != null ? undefined : r.lastError,
        retryAt: conn != null ? undefined : r.retryAt
      }
    })
    const peers: PeerStatus[] = []
    for (const [id, p] of byPeer) {
      if (this.relayIds.has(id) || p.kind == null) continue
      peers.push({ id, kind: p.kind, rttMs: p.rtt, since: p.since, connections: p.n })
    }
    peers.sort((a, b) => a.since - b.since)
    const status = this.offline
      ? 'offline'
      : relays.some(r => r.state === 'connected') || peers.length > 0
        ? 'online'
        : relays.length === 0 ? 'alone' : 'connecting'
    return { peerId: this.peerId, status, relays, peers, dialsLeft: this.budget.remaining, firstDirectAt: this.firstDirectAt }
  }

  /**
   * Sends `data` to a peer over the direct WebRTC connection (probe protocol) and returns the
   * receiver's verdict and the time taken; used by tests and diagnostics.
   *
   * @throws ProtocolError when there is no direct connection or the transfer fails
   */
  async probe (peerId: string, data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<{ status: string, received: number, ms: number, kind: ConnectionKind }> {
    const conn = this.libp2p.getConnections().find(c => c.remotePeer.toString() === peerId && c.status === 'open' && connectionKind(c) === 'webrtc')
    if (conn == null) throw new ProtocolError(`no direct connection to ${peerId}`)
    const stream = await conn.newStream(PROBE_PROTOCOL, { signal: options.signal ?? AbortSignal.timeout(10_000) })
    const result = await sendProbe(stream, data, options)
    return { ...result, kind: connectionKind(conn) }
  }

  private emit (): void {
    if (this.pendingEmit) return
    this.pendingEmit = true
    queueMicrotask(() => {
      this.pendingEmit = false
      const s = this.snapshot()
      for (const l of this.listeners) l(s)
    })
  }

  private onOpen (conn: Connection): void {
    if (this.firstDirectAt == null && connectionKind(conn) === 'webrtc') this.firstDirectAt = Date.now()
    this.emit()
  }

  private onDisconnect (peer: PeerId): void {
    const id = peer.toString()
    if (!this.relayIds.has(id)) this.rejoining.add(id)
    if (this.relayIds.has(id)) {
      for (const r of this.relays.values()) {
        if (r.id === id && !this.offline && !this.stopped) this.scheduleRelay(r, r.backoff.next())
      }
    }
    this.emit()
  }

  private scheduleRelay (r: RelayEntry, delayMs: number): void {
    clearTimeout(r.timer)
    if (this.offline || this.stopped) return
    r.state = 'waiting'
    r.retryAt = Date.now() + delayMs
    r.timer = setTimeout(() => { void this.dialRelay(r) }, delayMs)
    this.emit()
  }

  private async dialRelay (r: RelayEntry): Promise<void> {
    if (this.offline || this.stopped || !this.relays.has(r.addr)) return
    if (this.libp2p.getConnections().some(c => c.remotePeer.toString() === r.id)) return
    r.state = 'connecting'
    r.retryAt = undefined
    this.emit()
    try {
      await this.libp2p.dial(multiaddr(r.addr), { signal: AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS) })
      r.backoff.reset()
      r.lastError = undefined
      r.state = 'connected'
      this.emit()
    } catch (err) {
      r.lastError = toError(err).message
      this.scheduleRelay(r, r.backoff.next())
    }
  }

  /** Dials discovered peers that have no direct WebRTC link yet (see [Note: Dial budget]). */
  private async sweep (): Promise<void> {
    if (this.offline || this.stopped) return
    const direct = new Set<string>()
    for (const c of this.libp2p.getConnections()) {
      if (c.status === 'open' && connectionKind(c) === 'webrtc') direct.add(c.remotePeer.toString())
    }
    const peers = await this.libp2p.peerStore.all()
    for (const peer of peers) {
      const id = peer.id.toString()
      if (id === this.peerId || this.relayIds.has(id) || direct.has(id)) continue
      const addrs = peer.addresses.map(a => a.multiaddr).filter(isWebRtcCircuit)
      if (addrs.length === 0) continue
      const seen = this.firstSeen.get(id) ?? Date.now()
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, seen)
      if (this.peerId > id && Date.now() - seen < DEFAULT_GLARE_GRACE_MS) continue
      if (this.budget.check(id, direct.size) != null) continue
      // Prefer a circuit through a relay we are connected to.
      const connectedRelays = [...this.relays.values()].filter(r => this.libp2p.getConnections().some(c => c.remotePeer.toString() === r.id)).map(r => r.id)
      const addr = addrs.find(a => connectedRelays.some(rid => a.toString().includes(`/p2p/${rid}/`))) ?? addrs[0]
      void this.dialPeer(id, withPeer(addr, id))
      direct.add(id)
    }
  }

  private async dialPeer (id: string, addr: Multiaddr): Promise<void> {
    this.budget.begin(id)
    try {
      const conn = await this.libp2p.dial(addr, { signal: AbortSignal.timeout(DEFAULT_WEBRTC_DIAL_TIMEOUT_MS), force: true })
      this.budget.end(id, connectionKind(conn) === 'webrtc')
    } catch {
      this.budget.end(id, false)
    }
    this.emit()
  }
}

/**
 * Builds and starts the browser node.
 *
 * @example
 * const node = await createBrowserNode({ config, privateKey })
 * node.subscribe(s => console.log(s.peers.length))
 */
export async function createBrowserNode (init: BrowserNodeInit): Promise<BrowserNode> {
  const { config } = init
  const libp2p = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: config.iceServers } }),
      circuitRelayTransport({ reservationCompletionTimeout: 10_000 })
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Browsers refuse ws:// and private addresses by default; local and test setups only.
    connectionGater: config.allowPrivateAddresses ? { denyDialMultiaddr: () => false } : undefined,
    // The monitor's ping waits behind bulk data; aborting on its failure kills busy links.
    connectionMonitor: { abortConnectionOnPingFailure: false, pingInterval: DEFAULT_PING_INTERVAL_MS },
    connectionManager: { maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS },
    peerDiscovery: [pubsubPeerDiscovery({ topics: [DISCOVERY_TOPIC], interval: init.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS })],
    services: {
      identify: identify(),
      // Tells connected peers when our protocols change (the replication protocols are registered after start).
      identifyPush: identifyPush(),
      ping: ping(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: true,
        peerInfoMapper: config.allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper
      })
    }
  })
  await registerProtocols(libp2p, init.protocols)
  const node = new BrowserNode(libp2p, init)
  node.start()
  return node
}
