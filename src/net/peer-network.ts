/**
 * The libp2p implementation of the replication port `PeerNetwork` (src/core/ports.ts,
 * [Note: Replication ports]): peers with their connection kind, addresses and capabilities,
 * connect/update/disconnect events, and the three replication protocols, one stream per
 * request, addressed by peer id.
 *
 * [Note: Peer capabilities] A peer is listed (and `peer:connect` emitted) once identify tells
 * us it serves /tesseras/replicate/1.0.0: a relay without storage, or a peer whose identify has
 * not finished, is not a holder candidate. `anchor` is the peer advertising
 * ANCHOR_CAPABILITY_PROTOCOL; `institutional` additionally needs `init.verifyInstitutional`
 * (DNS TXT pledge) to accept the claim, since the flag exempts a peer from reciprocity.
 *
 * Fragments never travel over limited (relayed) connections ([Note: Browser connectivity]):
 * none of these protocols is registered or opened with `runOnLimitedConnection`, requests pick
 * a direct connection (WebRTC before WebSockets) and fail with PeerUnreachableError when there is
 * none. This adapter never dials: the browser node and the relay own dialling and its budget.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type {
  AbortOptions, AttestChallenge, AttestResponse, FragmentId, InboundHandlers, Manifest, PeerEvent, PeerInfo, PeerNetwork,
  ReplicateAck, ReplicateRequest
} from '../core/index.js'
import { AbortError } from '../core/errors.js'
import { bestKind, connectionKind, type ConnectionKind } from './classify.js'
import { PeerUnreachableError, ProtocolError } from './errors.js'
import { ANCHOR_CAPABILITY_PROTOCOL, DEFAULT_FRAME_BYTES, INSTITUTIONAL_CAPABILITY_PROTOCOL, MAX_FRAME_BYTES } from './protocols/constants.js'
import type { WireStream } from './protocols/framing.js'
import { ATTEST_MAX_INBOUND_STREAMS, ATTEST_MAX_OUTBOUND_STREAMS, ATTEST_PROTOCOL } from './protocols/attest/constants.js'
import { handleAttest, sendAttest } from './protocols/attest/handler.js'
import { FETCH_MAX_INBOUND_STREAMS, FETCH_MAX_OUTBOUND_STREAMS, FETCH_PROTOCOL } from './protocols/fetch/constants.js'
import { handleFetch, sendFetchManifest, sendFetchShard } from './protocols/fetch/handler.js'
import {
  DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND, REPLICATE_MAX_INBOUND_STREAMS, REPLICATE_MAX_OUTBOUND_STREAMS, REPLICATE_PROTOCOL
} from './protocols/replicate/constants.js'
import { handleReplicate, sendReplicate, type TransferSlots } from './protocols/replicate/handler.js'

/** The parts of a libp2p node the adapter uses. */
export type PeerNetworkNode = Pick<Libp2p, 'peerId' | 'getConnections' | 'handle' | 'unhandle' | 'addEventListener' | 'removeEventListener' | 'peerStore'>

export interface Libp2pPeerNetworkInit {
  /** What this node advertises: `anchor` for an always-on Node node storing on disk; `institutional` for a pledged one. */
  capabilities?: { anchor?: boolean, institutional?: boolean }
  /** Accepts a peer's institutional claim (DNS TXT pledge check). Default: no claim is accepted. */
  verifyInstitutional?: (peerId: string) => boolean
  /** Inbound shard transfers buffered at once over all peers (default {@link DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND}). */
  maxConcurrentInbound?: number
  /** Raw data frame size for outbound shards (default 64 KiB; WebRTC needs ≤ 256 KiB). */
  frameBytes?: number
}

interface Capabilities { replicate: boolean, anchor: boolean, institutional: boolean }

const PROTOCOLS = [REPLICATE_PROTOCOL, ATTEST_PROTOCOL, FETCH_PROTOCOL]

/**
 * Builds the adapter and registers the protocol handlers (and capability markers) on `node`.
 * Inbound requests are answered INTERNAL until {@link Libp2pPeerNetwork.setHandlers} installs
 * the service.
 *
 * @example
 * const network = await createLibp2pPeerNetwork(browserNode.libp2p)
 * network.setHandlers(replicationService.inbound)
 * const ack = await network.sendReplicate(peerId, { manifest, fragment, shard, nonce })
 * @throws RangeError when `init.frameBytes` is outside 1..256 KiB; the libp2p error when a
 * protocol is already registered on `node`
 */
export async function createLibp2pPeerNetwork (node: PeerNetworkNode, init: Libp2pPeerNetworkInit = {}): Promise<Libp2pPeerNetwork> {
  const network = new Libp2pPeerNetwork(node, init)
  await network.start()
  return network
}

/** {@link PeerNetwork} over libp2p; create with {@link createLibp2pPeerNetwork}. */
export class Libp2pPeerNetwork implements PeerNetwork {
  readonly selfId: string
  private readonly node: PeerNetworkNode
  private readonly init: Libp2pPeerNetworkInit
  private readonly listeners = new Set<(event: PeerEvent) => void>()
  private readonly listed = new Map<string, PeerInfo>()
  private readonly capabilities = new Map<string, Capabilities>()
  private readonly slots: TransferSlots
  private handlers?: InboundHandlers
  private shutdown = new AbortController()
  private started = false
  private readonly onConnection = (e: CustomEvent<Connection>): void => { this.refresh(e.detail.remotePeer) }
  private readonly onIdentify = (e: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    this.capabilities.set(e.detail.peerId.toString(), capabilitiesOf(e.detail.protocols))
    this.refresh(e.detail.peerId)
  }

  private readonly onPeerUpdate = (e: CustomEvent<{ peer: { id: PeerId, protocols: string[] } }>): void => {
    const id = e.detail.peer.id.toString()
    if (!this.capabilities.has(id) && e.detail.peer.protocols.length === 0) return
    this.capabilities.set(id, capabilitiesOf(e.detail.peer.protocols))
    this.refresh(e.detail.peer.id)
  }

  constructor (node: PeerNetworkNode, init: Libp2pPeerNetworkInit = {}) {
    this.node = node
    this.init = init
    this.selfId = node.peerId.toString()
    if (init.frameBytes != null && (!Number.isSafeInteger(init.frameBytes) || init.frameBytes < 1 || init.frameBytes > MAX_FRAME_BYTES)) {
      throw new RangeError(`frameBytes: expected 1..${MAX_FRAME_BYTES}, got ${init.frameBytes}`)
    }
    let inFlight = 0
    const max = init.maxConcurrentInbound ?? DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND
    this.slots = { tryAcquire: () => inFlight < max && ++inFlight > 0, release: () => { inFlight-- } }
  }

  /** Registers the protocols and starts tracking peers. Idempotent. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    const shutdown = this.shutdown.signal
    await this.node.handle(REPLICATE_PROTOCOL, (stream: Stream, connection: Connection) => {
      const handlers = this.handlers
      const from = this.infoOf(connection.remotePeer)
      void handleReplicate(stream as unknown as WireStream, {
        callback: handlers == null ? undefined : async (request, options) => await handlers.replicate(from, request, options),
        relayed: connection.limits != null,
        slots: this.slots,
        shutdown
      })
    }, { maxInboundStreams: REPLICATE_MAX_INBOUND_STREAMS, maxOutboundStreams: REPLICATE_MAX_OUTBOUND_STREAMS })
    await this.node.handle(ATTEST_PROTOCOL, (stream: Stream, connection: Connection) => {
      const handlers = this.handlers
      const from = this.infoOf(connection.remotePeer)
      void handleAttest(stream as unknown as WireStream, {
        callback: handlers == null ? undefined : async (challenge, options) => await handlers.attest(from, challenge, options),
        shutdown
      })
    }, { maxInboundStreams: ATTEST_MAX_INBOUND_STREAMS, maxOutboundStreams: ATTEST_MAX_OUTBOUND_STREAMS })
    await this.node.handle(FETCH_PROTOCOL, (stream: Stream, connection: Connection) => {
      const handlers = this.handlers
      const from = this.infoOf(connection.remotePeer)
      void handleFetch(stream as unknown as WireStream, {
        callbacks: handlers == null
          ? undefined
          : {
              manifest: async (hashHex, options) => await handlers.fetchManifest(from, hashHex, options),
              shard: async (id, options) => await handlers.fetchShard(from, id, options)
            },
        frameBytes: this.init.frameBytes,
        shutdown
      })
    }, { maxInboundStreams: FETCH_MAX_INBOUND_STREAMS, maxOutboundStreams: FETCH_MAX_OUTBOUND_STREAMS })
    const markers = [
      ...(this.init.capabilities?.anchor === true ? [ANCHOR_CAPABILITY_PROTOCOL] : []),
      ...(this.init.capabilities?.institutional === true ? [INSTITUTIONAL_CAPABILITY_PROTOCOL] : [])
    ]
    for (const marker of markers) await this.node.handle(marker, (stream: Stream) => { void stream.close().catch(() => {}) })
    this.node.addEventListener('connection:open', this.onConnection)
    this.node.addEventListener('connection:close', this.onConnection)
    this.node.addEventListener('peer:identify', this.onIdentify)
    this.node.addEventListener('peer:update', this.onPeerUpdate)
    // Peers connected before we started: read what identify stored.
    for (const conn of this.node.getConnections()) {
      const id = conn.remotePeer
      void this.node.peerStore.get(id).then((peer) => {
        if (!this.capabilities.has(id.toString())) this.capabilities.set(id.toString(), capabilitiesOf(peer.protocols))
        this.refresh(id)
      }, () => {})
    }
  }

  /** Unregisters the protocols, aborts in-flight requests and inbound transfers. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort(new AbortError('peer network stopped'))
    this.node.removeEventListener('connection:open', this.onConnection)
    this.node.removeEventListener('connection:close', this.onConnection)
    this.node.removeEventListener('peer:identify', this.onIdentify)
    this.node.removeEventListener('peer:update', this.onPeerUpdate)
    await this.node.unhandle([...PROTOCOLS, ANCHOR_CAPABILITY_PROTOCOL, INSTITUTIONAL_CAPABILITY_PROTOCOL])
    this.listed.clear()
  }

  peers (): PeerInfo[] {
    return [...this.listed.values()].map(p => ({ ...p, addresses: [...p.addresses] }))
  }

  subscribe (listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  setHandlers (handlers: InboundHandlers | undefined): void {
    this.handlers = handlers
  }

  async sendReplicate (peerId: string, request: ReplicateRequest, options: AbortOptions = {}): Promise<ReplicateAck> {
    const stream = await this.open(peerId, REPLICATE_PROTOCOL, options)
    return await sendReplicate(stream, request, { ...options, frameBytes: this.init.frameBytes ?? DEFAULT_FRAME_BYTES, shutdown: this.shutdown.signal })
  }

  async requestAttestation (peerId: string, challenge: AttestChallenge, options: AbortOptions = {}): Promise<AttestResponse> {
    const stream = await this.open(peerId, ATTEST_PROTOCOL, options)
    return await sendAttest(stream, challenge, { ...options, shutdown: this.shutdown.signal })
  }

  async fetchShard (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const stream = await this.open(peerId, FETCH_PROTOCOL, options)
    return await sendFetchShard(stream, id, { ...options, shutdown: this.shutdown.signal })
  }

  async fetchManifest (peerId: string, tesseraHashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    const stream = await this.open(peerId, FETCH_PROTOCOL, options)
    return await sendFetchManifest(stream, tesseraHashHex, { ...options, shutdown: this.shutdown.signal })
  }

  /**
   * Opens a stream of `protocol` to `peerId` on a direct (unlimited) connection, WebRTC first.
   * @throws AbortError; PeerUnreachableError (no direct connection, or every attempt failed)
   */
  private async open (peerId: string, protocol: string, options: AbortOptions): Promise<WireStream> {
    options.signal?.throwIfAborted()
    if (!this.started) throw new PeerUnreachableError('peer network is stopped')
    const direct = this.node.getConnections()
      .filter(c => c.remotePeer.toString() === peerId && c.status === 'open' && c.limits == null)
      .sort((a, b) => rank(connectionKind(a)) - rank(connectionKind(b)))
    if (direct.length === 0) throw new PeerUnreachableError(`no direct connection to ${peerId}`)
    let last: unknown
    for (const conn of direct) {
      try {
        const signal = AbortSignal.any([options.signal ?? AbortSignal.timeout(OPEN_STREAM_TIMEOUT_MS), this.shutdown.signal])
        return await conn.newStream(protocol, { signal }) as unknown as WireStream
      } catch (err) {
        if (options.signal?.aborted === true || this.shutdown.signal.aborted) throw new AbortError(`${protocol}: aborted`)
        last = err
      }
    }
    if ((last as Error | undefined)?.name === 'UnsupportedProtocolError') throw new ProtocolError(`${peerId} does not serve ${protocol}`, { cause: last })
    throw new PeerUnreachableError(`could not open ${protocol} to ${peerId}`, { cause: last })
  }

  /** The PeerInfo of a connected peer (whatever its capabilities). */
  private infoOf (peer: PeerId): PeerInfo {
    const id = peer.toString()
    let kind: ConnectionKind | undefined
    const addresses = new Set<string>()
    for (const conn of this.node.getConnections()) {
      if (conn.remotePeer.toString() !== id || conn.status !== 'open') continue
      const k = connectionKind(conn)
      kind = bestKind(kind, k)
      // A relayed or WebRTC connection's remoteAddr is the circuit through the relay: its IP is the relay's.
      if (k !== 'websocket') continue
      for (const c of conn.remoteAddr.getComponents()) {
        if ((c.name === 'ip4' || c.name === 'ip6') && c.value != null) addresses.add(c.value)
      }
    }
    const caps = this.capabilities.get(id)
    const info: PeerInfo = {
      id,
      kind: kind ?? 'relayed',
      addresses: [...addresses].sort(),
      institutional: caps?.institutional === true && (this.init.verifyInstitutional?.(id) ?? false),
      anchor: caps?.anchor === true
    }
    if (peer.type === 'Ed25519') info.publicKey = peer.publicKey.raw
    return info
  }

  /** Recomputes one peer's listing and emits what changed. */
  private refresh (peer: PeerId): void {
    const id = peer.toString()
    if (id === this.selfId || !this.started) return
    const connected = this.node.getConnections().some(c => c.remotePeer.toString() === id && c.status === 'open')
    const before = this.listed.get(id)
    if (!connected || this.capabilities.get(id)?.replicate !== true) {
      if (!connected) this.capabilities.delete(id)
      if (before != null) {
        this.listed.delete(id)
        this.emit({ type: 'peer:disconnect', peerId: id })
      }
      return
    }
    const info = this.infoOf(peer)
    if (before != null && samePeer(before, info)) return
    this.listed.set(id, info)
    this.emit(before == null ? { type: 'peer:connect', peer: info } : { type: 'peer:update', peer: info })
  }

  private emit (event: PeerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        // A listener's bug must not stop the others, nor libp2p's event dispatch.
        queueMicrotask(() => { throw err })
      }
    }
  }
}

/** Time to open a stream (protocol negotiation) when the caller gave no signal. */
const OPEN_STREAM_TIMEOUT_MS = 10_000

function capabilitiesOf (protocols: string[]): Capabilities {
  return {
    replicate: protocols.includes(REPLICATE_PROTOCOL),
    anchor: protocols.includes(ANCHOR_CAPABILITY_PROTOCOL),
    institutional: protocols.includes(INSTITUTIONAL_CAPABILITY_PROTOCOL)
  }
}

function rank (kind: ConnectionKind): number {
  return kind === 'webrtc' ? 0 : kind === 'websocket' ? 1 : 2
}

function samePeer (a: PeerInfo, b: PeerInfo): boolean {
  return a.kind === b.kind && a.institutional === b.institutional && a.anchor === b.anchor && a.addresses.join() === b.addresses.join()
}
