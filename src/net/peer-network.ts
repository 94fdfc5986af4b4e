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
 * none. This adapter dials only to reach the holders a vault lookup found (`findVaultHolders`,
 * src/net/direct-dial.ts, through the node's shared [Note: Dial budget]); otherwise the browser
 * node and the relay own dialling.
 *
 * [Note: Vault announcements] `announceVault` remembers the vault and provides its CID
 * (src/net/vault-cid.ts) on the node's kad-dht: a walk to the closest DHT servers, then
 * ADD_PROVIDER to each. That is the node's own query, so a browser in DHT client mode provides
 * too (the relay and anchors are the servers that store the records). An announcement that
 * reached no server (empty routing table, unreachable DHT, no address of our own yet) is logged
 * and retried with backoff; every vault is announced again whenever the routing table becomes
 * non-empty after being empty, or we get addresses after having none (we just joined: a browser's
 * relay reservation), and every 6 h (records live 48 h on the servers, which drop them on restart).
 * A DHT server also keeps its own record, so its announcement counts as reached. `stop()` ends
 * the timers and forgets the vaults; the service announces them again when it starts.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { CID } from 'multiformats/cid'
import type {
  AbortOptions, AttestChallenge, AttestResponse, FragmentId, InboundHandlers, Manifest, PeerEvent, PeerInfo, PeerNetwork,
  ReplicateAck, ReplicateRequest
} from '../core/index.js'
import { AbortError } from '../core/errors.js'
import { Backoff } from './backoff.js'
import { bestKind, connectionKind, type ConnectionKind } from './classify.js'
import {
  DEFAULT_FIND_VAULT_HOLDERS_TIMEOUT_MS, DEFAULT_VAULT_ANNOUNCE_CHECK_MS, DEFAULT_VAULT_ANNOUNCE_RETRY_MAX_MS,
  DEFAULT_VAULT_ANNOUNCE_RETRY_MS, DEFAULT_VAULT_ANNOUNCE_TIMEOUT_MS, DEFAULT_VAULT_REANNOUNCE_INTERVAL_MS, VAULT_ANNOUNCE_CONCURRENCY
} from './constants.js'
import { dialBudgetFor } from './dial-budget.js'
import { dialDirect } from './direct-dial.js'
import { PeerUnreachableError, ProtocolError } from './errors.js'
import { ANCHOR_CAPABILITY_PROTOCOL, DEFAULT_FRAME_BYTES, INSTITUTIONAL_CAPABILITY_PROTOCOL, MAX_FRAME_BYTES } from './protocols/constants.js'
import type { WireStream } from './protocols/framing.js'
import { ATTEST_MAX_INBOUND_STREAMS, ATTEST_MAX_OUTBOUND_STREAMS, ATTEST_PROTOCOL } from './protocols/attest/constants.js'
import { handleAttest, sendAttest } from './protocols/attest/handler.js'
import { FETCH_MAX_INBOUND_STREAMS, FETCH_MAX_OUTBOUND_STREAMS, FETCH_PROTOCOL } from './protocols/fetch/constants.js'
import { handleFetch, sendFetchList, sendFetchManifest, sendFetchShard } from './protocols/fetch/handler.js'
import {
  DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND, REPLICATE_MAX_INBOUND_STREAMS, REPLICATE_MAX_OUTBOUND_STREAMS, REPLICATE_PROTOCOL
} from './protocols/replicate/constants.js'
import { handleReplicate, sendReplicate, type TransferSlots } from './protocols/replicate/handler.js'
import { vaultCid } from './vault-cid.js'

/** The parts of a libp2p node the adapter uses (`services.dht`, when present, is the {@link VaultDht}). */
export type PeerNetworkNode = Pick<Libp2p, 'peerId' | 'getConnections' | 'handle' | 'unhandle' | 'addEventListener' | 'removeEventListener' | 'peerStore' | 'dial' | 'getMultiaddrs'>

/** The parts of the kad-dht service that vault announcements and lookups use. */
export type VaultDht = Pick<KadDHT, 'provide' | 'findProviders' | 'getMode'> & { routingTable?: { size: number } }

/** Timers of [Note: Vault announcements]; defaults in src/net/constants.ts. */
export interface VaultAnnounceInit {
  /** Re-announce every vault this often (default 6 h). */
  reannounceIntervalMs?: number
  /** Check for a newly non-empty routing table and due retries this often (default 10 s). */
  checkIntervalMs?: number
  /** First retry delay of an announcement that reached no server (default 1 min, doubling to 30 min). */
  retryMs?: number
  /** Time one announcement may take (default 60 s). */
  timeoutMs?: number
}

export interface Libp2pPeerNetworkInit {
  /** What this node advertises: `anchor` for an always-on Node node storing on disk; `institutional` for a pledged one. */
  capabilities?: { anchor?: boolean, institutional?: boolean }
  /** Accepts a peer's institutional claim (DNS TXT pledge check). Default: no claim is accepted. */
  verifyInstitutional?: (peerId: string) => boolean
  /** Inbound shard transfers buffered at once over all peers (default {@link DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND}). */
  maxConcurrentInbound?: number
  /** Raw data frame size for outbound shards (default 64 KiB; WebRTC needs ≤ 256 KiB). */
  frameBytes?: number
  /** The DHT for vault announcements and lookups. Default: `node.services.dht` when it is a kad-dht; none: announcements are remembered only, lookups yield connected peers. */
  dht?: VaultDht
  /** Timers of vault announcements. */
  announce?: VaultAnnounceInit
  /** Where background failures (unreachable DHT) go. Default: `console.debug`. */
  log?: (message: string, err?: unknown) => void
  /**
   * Whether peers may push shards to this node (default true). False for a relay started with
   * `--no-storage`: the replicate protocol is not registered, so no peer lists this node as a
   * holder candidate (attest and fetch still answer for what it already holds).
   */
  holding?: boolean
}

/** One announced vault ([Note: Vault announcements]). */
interface Announced {
  cid: CID
  /** Whether the last announcement reached a DHT server. */
  reached: boolean
  /** When a failed announcement may be retried (ms since epoch). */
  retryAt: number
  backoff: Backoff
  /** The announcement running now, so concurrent calls share it. */
  running?: Promise<void>
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
  private readonly vaults = new Map<string, Announced>()
  private announceTimer?: ReturnType<typeof setTimeout>
  /** min(routing table size, own addresses) at the last check: 0 means we could not announce. */
  private lastRoutingSize = 0
  private lastFullAnnounce = 0
  private announcing = 0
  private readonly announceWaiters: Array<() => void> = []
  private dhtMissingLogged = false
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
    if (this.init.holding !== false) {
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
    }
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
              shard: async (id, options) => await handlers.fetchShard(from, id, options),
              list: async (vaultIdHex, options) => await handlers.listManifests(from, vaultIdHex, options)
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
    clearTimeout(this.announceTimer)
    this.announceTimer = undefined
    this.vaults.clear()
    this.lastRoutingSize = 0
    this.lastFullAnnounce = 0
    for (const wake of this.announceWaiters.splice(0)) wake()
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

  async listManifests (peerId: string, vaultIdHex: string, options: AbortOptions = {}): Promise<Manifest[]> {
    const stream = await this.open(peerId, FETCH_PROTOCOL, options)
    return await sendFetchList(stream, vaultIdHex, { ...options, shutdown: this.shutdown.signal })
  }

  /**
   * Announces the vault on the DHT now and keeps announcing it ([Note: Vault announcements]).
   * Resolves when this announcement ended, whether or not it reached a server.
   * @throws TypeError/RangeError for a malformed `vaultIdHex`; AbortError when `options.signal` fires
   */
  async announceVault (vaultIdHex: string, options: AbortOptions = {}): Promise<void> {
    const cid = vaultCid(vaultIdHex)
    options.signal?.throwIfAborted()
    if (!this.started) return
    const key = vaultIdHex.toLowerCase()
    let entry = this.vaults.get(key)
    if (entry == null) {
      entry = {
        cid,
        reached: false,
        retryAt: 0,
        backoff: new Backoff({ initialMs: this.init.announce?.retryMs ?? DEFAULT_VAULT_ANNOUNCE_RETRY_MS, maxMs: Math.max(this.init.announce?.retryMs ?? 0, DEFAULT_VAULT_ANNOUNCE_RETRY_MAX_MS) })
      }
      this.vaults.set(key, entry)
      this.armAnnounceTimer()
    }
    await this.provide(key, entry, options.signal)
    if (options.signal?.aborted === true) throw new AbortError('announce vault: aborted')
  }

  /**
   * Streams the holders of a vault: the peers we are connected to first (directly), then the
   * DHT providers of the vault's CID, each once it is reachable over a direct connection.
   * Providers that cannot be reached are skipped; a failing lookup ends the stream.
   * @throws TypeError/RangeError for a malformed `vaultIdHex`; AbortError when `options.signal` fires
   */
  async * findVaultHolders (vaultIdHex: string, options: AbortOptions = {}): AsyncIterable<PeerInfo> {
    const cid = vaultCid(vaultIdHex)
    const caller = options.signal
    caller?.throwIfAborted()
    if (!this.started) return
    const seen = new Set<string>([this.selfId])
    // A small network may not have propagated the records yet: ask whoever is already here.
    for (const peer of this.peers()) {
      if (peer.kind === 'relayed') continue
      seen.add(peer.id)
      yield peer
    }
    const dht = this.dht()
    if (dht == null) return
    // Ends the walk and the dials when the consumer stops early.
    const done = new AbortController()
    const signal = AbortSignal.any([caller ?? AbortSignal.timeout(DEFAULT_FIND_VAULT_HOLDERS_TIMEOUT_MS), this.shutdown.signal, done.signal])
    const budget = dialBudgetFor(this.node)
    // The walk runs in the background and dials up to FIND_VAULT_HOLDERS_DIAL_CONCURRENCY providers
    // at once; the generator yields each holder as soon as its direct connection is up.
    const ready: PeerInfo[] = []
    let dials = 0
    let walking = true
    let wake: (() => void) | undefined
    const notify = (): void => { wake?.(); wake = undefined }
    const slotFreed: Array<() => void> = []
    const walk = (async () => {
      try {
        for await (const event of dht.findProviders(cid, { signal })) {
          if (event.name !== 'PROVIDER') continue
          for (const provider of event.providers) {
            const id = provider.id.toString()
            if (seen.has(id)) continue
            seen.add(id)
            while (dials >= FIND_VAULT_HOLDERS_DIAL_CONCURRENCY) await new Promise<void>((resolve) => { slotFreed.push(resolve) })
            signal.throwIfAborted()
            dials++
            void dialDirect(this.node, provider.id, provider.multiaddrs, { budget, signal })
              .then((ok) => { if (ok && !signal.aborted) ready.push(this.infoOf(provider.id)) }, () => {})
              .finally(() => { dials--; slotFreed.shift()?.(); notify() })
          }
        }
      } catch (err) {
        if (!signal.aborted) this.log(`vault lookup ${vaultIdHex.slice(0, 8)} ended early`, err)
      } finally {
        walking = false
        notify()
      }
    })()
    try {
      for (;;) {
        while (ready.length > 0) yield ready.shift() as PeerInfo
        if (!walking && dials === 0) break
        await new Promise<void>((resolve) => { wake = resolve })
      }
    } finally {
      done.abort()
      await walk
    }
    if (caller?.aborted === true) throw new AbortError('find vault holders: aborted')
  }

  /** The DHT to announce on and look up in, if the node has one. */
  private dht (): VaultDht | undefined {
    if (this.init.dht != null) return this.init.dht
    const candidate = (this.node as { services?: Record<string, unknown> }).services?.dht as Partial<VaultDht> | undefined
    if (typeof candidate?.provide === 'function' && typeof candidate.findProviders === 'function') return candidate as VaultDht
    return undefined
  }

  private log (message: string, err?: unknown): void {
    (this.init.log ?? ((m: string, e?: unknown) => { console.debug(m, e) }))(message, err)
  }

  /** Runs (or joins) the announcement of one vault; never throws. */
  private async provide (key: string, entry: Announced, callerSignal?: AbortSignal): Promise<void> {
    entry.running ??= this.provideNow(key, entry).finally(() => { entry.running = undefined })
    if (callerSignal == null) { await entry.running; return }
    // The caller may stop waiting; the announcement itself runs on (bounded by its timeout).
    let onAbort: (() => void) | undefined
    try {
      await Promise.race([entry.running, new Promise<void>((resolve) => { onAbort = () => { resolve() }; callerSignal.addEventListener('abort', onAbort, { once: true }) })])
    } finally {
      if (onAbort != null) callerSignal.removeEventListener('abort', onAbort)
    }
  }

  private async provideNow (key: string, entry: Announced): Promise<void> {
    const dht = this.dht()
    if (dht == null) {
      if (!this.dhtMissingLogged) this.log('no DHT on this node: vaults are not announced')
      this.dhtMissingLogged = true
      return
    }
    await this.announceSlot()
    let reached = 0
    try {
      if (!this.started || this.vaults.get(key) !== entry) return
      // kad-dht holds a query until the routing table has a peer: don't wait, the check retries once
      // it fills. Without addresses (a browser before its relay reservation) servers drop the record.
      if (dht.routingTable?.size !== 0 && this.node.getMultiaddrs().length > 0) {
        const signal = AbortSignal.any([AbortSignal.timeout(this.init.announce?.timeoutMs ?? DEFAULT_VAULT_ANNOUNCE_TIMEOUT_MS), this.shutdown.signal])
        for await (const event of dht.provide(entry.cid, { signal })) {
          if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') reached++
        }
        // A DHT server answers GET_PROVIDERS from its own store, which now holds our record.
        if (dht.getMode() === 'server') reached++
      }
    } catch (err) {
      if (this.shutdown.signal.aborted) return
      this.log(`announcing vault ${key.slice(0, 8)} failed`, err)
    } finally {
      this.releaseAnnounceSlot()
    }
    if (!this.started) return
    if (this.vaults.get(key) !== entry) return
    entry.reached = reached > 0
    if (entry.reached) {
      entry.backoff.reset()
      entry.retryAt = 0
    } else {
      entry.retryAt = Date.now() + entry.backoff.next()
      this.log(`vault ${key.slice(0, 8)}: no DHT server reached, retrying later`)
    }
  }

  private async announceSlot (): Promise<void> {
    while (this.announcing >= VAULT_ANNOUNCE_CONCURRENCY && this.started) {
      await new Promise<void>((resolve) => { this.announceWaiters.push(resolve) })
    }
    this.announcing++
  }

  private releaseAnnounceSlot (): void {
    this.announcing--
    this.announceWaiters.shift()?.()
  }

  /** Arms the announcement check (re-armed after each run, so runs never overlap). */
  private armAnnounceTimer (): void {
    if (this.announceTimer != null || !this.started) return
    if (this.lastFullAnnounce === 0) this.lastFullAnnounce = Date.now()
    const timer = setTimeout(() => {
      void this.checkAnnouncements().finally(() => {
        // A stop (and restart) during the check owns the timer now.
        if (this.announceTimer !== timer) return
        this.announceTimer = undefined
        if (this.vaults.size > 0) this.armAnnounceTimer()
      })
    }, this.init.announce?.checkIntervalMs ?? DEFAULT_VAULT_ANNOUNCE_CHECK_MS)
    this.announceTimer = timer
  }

  /** Re-announces every vault when the routing table just filled or the interval passed; else the due retries. */
  private async checkAnnouncements (): Promise<void> {
    const dht = this.dht()
    if (dht == null || !this.started) return
    // "Joined": the routing table filled, or we got addresses (a relay reservation), after having none.
    const size = Math.min(dht.routingTable?.size ?? this.node.getConnections().length, this.node.getMultiaddrs().length)
    const joined = this.lastRoutingSize === 0 && size > 0
    this.lastRoutingSize = size
    const now = Date.now()
    const all = joined || now - this.lastFullAnnounce >= (this.init.announce?.reannounceIntervalMs ?? DEFAULT_VAULT_REANNOUNCE_INTERVAL_MS)
    if (all) this.lastFullAnnounce = now
    const due = [...this.vaults].filter(([, e]) => all || (!e.reached && size > 0 && e.retryAt <= now))
    await Promise.all(due.map(async ([key, entry]) => { await this.provide(key, entry) }))
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

/** Providers a vault lookup dials at once. */
const FIND_VAULT_HOLDERS_DIAL_CONCURRENCY = 4

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
