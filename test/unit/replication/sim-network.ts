/**
 * An in-memory {@link PeerNetwork} simulation: N peers in one "world", each running its own
 * ReplicationService (receive side and, for the owner, push side) over its own memory stores.
 * Requests are structured-cloned on the way in and out, like bytes crossing a wire, so no peer
 * ever shares a buffer with another. Tests hook `tamper` (alter a request in transit) and
 * `gate` (hold requests until released) to simulate corruption and slow links.
 */
import type {
  AttestChallenge, AttestResponse, InboundHandlers, ManifestListing, PeerEvent, PeerInfo, PeerNetwork, ReplicateAck, ReplicateRequest, AbortOptions
} from '../../../src/core/ports.js'
import type { FragmentId, Manifest } from '../../../src/core/types.js'
import { AbortError } from '../../../src/core/errors.js'
import { type Clock, createMemoryLedger, ed25519Signer, replicationService, type ReplicationInit, type ReplicationService, type ReceiptSigner } from '../../../src/replication/index.js'
import { MemoryFragmentStore, MemoryManifestStore, MemoryReplicaStore, MemoryTesseraStore } from '../../../src/store/memory/index.js'
import type { TesseraStore } from '../../../src/core/ports.js'
import { seededBytes, seededRandom } from './helpers.js'

/** A virtual clock: `sleep` advances time at once and yields a macrotask, so backoffs cost nothing. */
export function virtualClock (start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start
  return {
    now: () => now,
    advance: (ms) => { now += Math.round(ms) },
    sleep: async (ms, options = {}) => {
      const check = (): void => { if (options.signal?.aborted === true) throw new AbortError() }
      check()
      now += Math.max(0, Math.round(ms)) // whole ms, like setTimeout and Date.now
      await new Promise(resolve => setImmediate(resolve))
      check()
    }
  }
}

/** Options of one simulated node. */
export interface SimNodeInit {
  kind?: PeerInfo['kind']
  institutional?: boolean
  /** Replication settings (policy: "Storage I give" etc.). */
  init?: ReplicationInit
  /** The owner's local copies; holders get an empty store. */
  tesseras?: TesseraStore
}

/** One simulated node: its stores, its service, its network view. */
export interface SimNode {
  id: string
  online: boolean
  info: PeerInfo
  signer: ReceiptSigner
  fragments: MemoryFragmentStore
  ledger: ReturnType<typeof createMemoryLedger>
  replicas: MemoryReplicaStore
  manifests: MemoryManifestStore
  network: SimPeerNetwork
  service: ReplicationService
}

/** Where a request is going. */
export interface Transit {
  from: string
  to: string
}

/** The simulated world. */
export class SimWorld {
  readonly nodes = new Map<string, SimNode>()
  readonly clock = virtualClock()
  readonly #seed: number
  #counter = 0
  /** Alters a replicate request in transit (after cloning). */
  tamper: ((transit: Transit, request: ReplicateRequest) => ReplicateRequest) | undefined
  /** Holds a replicate request until the returned promise settles. */
  gate: ((transit: Transit, signal?: AbortSignal) => Promise<void>) | undefined
  /** DHT provider records: vault id → peers that announced it. */
  readonly providers = new Map<string, Set<string>>()
  /** Every replicate exchange: who, which index, what status. */
  readonly log: Array<{ from: string, to: string, index: number, status: ReplicateAck['status'] | 'ERROR' }> = []

  constructor (seed = 1) {
    this.#seed = seed
  }

  /** Adds a node and starts its service; other nodes see a `peer:connect`. */
  add (id: string, init: SimNodeInit = {}): SimNode {
    const n = this.#counter++
    const signer = ed25519Signer(seededBytes(this.#seed * 1000 + n)(32))
    const fragments = new MemoryFragmentStore()
    const ledger = createMemoryLedger({ fragments, clock: this.clock })
    const replicas = new MemoryReplicaStore()
    const manifests = new MemoryManifestStore()
    const info: PeerInfo = { id, kind: init.kind ?? 'webrtc', addresses: [], institutional: init.institutional ?? false, publicKey: signer.publicKey }
    const network = new SimPeerNetwork(this, id)
    const service = replicationService(init.init)({
      network,
      tesseras: init.tesseras ?? new MemoryTesseraStore(),
      ledger,
      fragments,
      replicas,
      manifests,
      signer,
      clock: this.clock,
      random: seededRandom(this.#seed * 7 + n),
      randomBytes: seededBytes(this.#seed * 13 + n),
      log: (message, err) => { if (process.env.SIM_LOG !== undefined) console.log(id, message, err) }
    })
    const node: SimNode = { id, online: true, info, signer, fragments, ledger, replicas, manifests, network, service }
    this.nodes.set(id, node)
    service.start()
    for (const other of this.nodes.values()) if (other !== node) other.network.emit({ type: 'peer:connect', peer: { ...info } })
    return node
  }

  /** Adds `count` holders `h0`…; returns them. */
  addHolders (count: number, init: (i: number) => SimNodeInit = () => ({})): SimNode[] {
    return Array.from({ length: count }, (_, i) => this.add(`h${String(i).padStart(2, '0')}`, init(i)))
  }

  /** Takes a node offline (others see `peer:disconnect`). */
  remove (id: string): void {
    const node = this.nodes.get(id)
    if (node === undefined) return
    node.online = false
    for (const other of this.nodes.values()) if (other !== node) other.network.emit({ type: 'peer:disconnect', peerId: id })
  }

  /** Brings a node back online (others see a `peer:connect`). */
  restore (id: string): void {
    const node = this.nodes.get(id)
    if (node === undefined || node.online) return
    node.online = true
    for (const other of this.nodes.values()) if (other !== node) other.network.emit({ type: 'peer:connect', peer: { ...node.info } })
  }

  /** Stops every service. */
  async stopAll (): Promise<void> {
    for (const n of this.nodes.values()) await n.service.stop()
  }

  /** The node `id` as a reachable target, or a network error like the libp2p adapter's. */
  target (id: string): SimNode {
    const node = this.nodes.get(id)
    if (node === undefined || !node.online) throw Object.assign(new Error(`peer ${id} is unreachable`), { name: 'ProtocolError', code: 'ERR_UNREACHABLE' })
    return node
  }
}

const clone = <T>(value: T): T => structuredClone(value)

/** One node's view of the world, as the libp2p adapter would give it. */
export class SimPeerNetwork implements PeerNetwork {
  readonly selfId: string
  readonly #world: SimWorld
  readonly #listeners = new Set<(event: PeerEvent) => void>()
  handlers: InboundHandlers | undefined

  constructor (world: SimWorld, selfId: string) {
    this.#world = world
    this.selfId = selfId
  }

  emit (event: PeerEvent): void {
    for (const l of this.#listeners) l(clone(event))
  }

  #self (): PeerInfo {
    return clone((this.#world.nodes.get(this.selfId) as SimNode).info)
  }

  peers (): PeerInfo[] {
    return [...this.#world.nodes.values()].filter(n => n.online && n.id !== this.selfId).map(n => clone(n.info))
  }

  subscribe (listener: (event: PeerEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  setHandlers (handlers: InboundHandlers | undefined): void {
    this.handlers = handlers
  }

  async sendReplicate (peerId: string, request: ReplicateRequest, options: AbortOptions = {}): Promise<ReplicateAck> {
    options.signal?.throwIfAborted()
    const transit = { from: this.selfId, to: peerId }
    await this.#world.gate?.(transit, options.signal)
    options.signal?.throwIfAborted()
    const target = this.#world.target(peerId)
    let wire = clone(request)
    if (this.#world.tamper !== undefined) wire = this.#world.tamper(transit, wire)
    try {
      const ack = target.network.handlers === undefined ? { status: 'INTERNAL' as const } : await target.network.handlers.replicate(this.#self(), wire, options)
      this.#world.log.push({ ...transit, index: request.fragment.index, status: ack.status })
      return clone(ack)
    } catch (err) {
      this.#world.log.push({ ...transit, index: request.fragment.index, status: 'ERROR' })
      throw err
    }
  }

  async requestAttestation (peerId: string, challenge: AttestChallenge, options: AbortOptions = {}): Promise<AttestResponse> {
    const target = this.#world.target(peerId)
    if (target.network.handlers === undefined) return { status: 'INTERNAL' }
    return clone(await target.network.handlers.attest(this.#self(), clone(challenge), options))
  }

  async fetchShard (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const target = this.#world.target(peerId)
    const bytes = await target.network.handlers?.fetchShard(this.#self(), clone(id), options)
    return bytes === undefined ? undefined : bytes.slice()
  }

  async fetchManifest (peerId: string, hashHex: string, options: AbortOptions = {}): Promise<Manifest | undefined> {
    const target = this.#world.target(peerId)
    const m = await target.network.handlers?.fetchManifest(this.#self(), hashHex, options)
    return m === undefined ? undefined : clone(m)
  }

  async listManifests (peerId: string, vaultIdHex: string, options: AbortOptions = {}): Promise<ManifestListing> {
    const target = this.#world.target(peerId)
    const listing = await target.network.handlers?.listManifests(this.#self(), vaultIdHex, options) ?? []
    // structuredClone keeps an array's elements only: `held` crosses separately, as on the wire.
    const out: ManifestListing = clone([...listing])
    return listing.held !== undefined ? Object.assign(out, { held: clone(new Map(listing.held)) }) : out
  }

  async announceVault (vaultIdHex: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const set = this.#world.providers.get(vaultIdHex) ?? new Set<string>()
    set.add(this.selfId)
    this.#world.providers.set(vaultIdHex, set)
  }

  async * findVaultHolders (vaultIdHex: string, options: AbortOptions = {}): AsyncIterable<PeerInfo> {
    for (const id of this.#world.providers.get(vaultIdHex) ?? []) {
      options.signal?.throwIfAborted()
      const node = this.#world.nodes.get(id)
      if (node !== undefined && node.online && id !== this.selfId) yield clone(node.info)
    }
  }
}
