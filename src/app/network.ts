/**
 * Joins the network: loads the configuration served beside the app, the device key from
 * IndexedDB, starts the browser libp2p node and mirrors its state into the UI; then the
 * replication protocols over that node and, with the app's stores, the replication service
 * (src/app/mesh.ts), its receipts signed by the same device key.
 * Loaded with a dynamic import after the shell renders (its chunk holds libp2p); the service
 * worker precaches it, so the app and the node also start offline.
 */
import { openDB } from 'idb'
import {
  createBrowserNode, createLibp2pPeerNetwork, EMPTY_NETWORK_CONFIG, identitySigner, loadOrCreateKey, NETWORK_CONFIG_PATH,
  parseNetworkConfig, parseRelayList, toError, type BrowserNode, type KeyStore, type NetworkConfig
} from '../net/index.js'
import type { PeerNetwork } from '../core/ports.js'
import type { NetworkState } from '../ui/state/network.svelte.js'
import type { MeshState } from '../ui/state/mesh.svelte.js'
import { startMesh, type Mesh, type MeshStores } from './mesh.js'
import type { MeshQueue } from './mesh-queue.js'

/** What the replication service needs from the app (absent: the node runs without it). */
export interface MeshWiring {
  stores: MeshStores
  state: MeshState
  /** Saves waiting for the service. */
  queue: MeshQueue
  /** False while this tab holds nothing for others (borrowed-device mode): the service is not started. */
  holding?: () => boolean
}

const CONFIG_CACHE_KEY = 'tesseras.network-config'
const RELAYS_KEY = 'tesseras.relays'
const CONFIG_TIMEOUT_MS = 5_000

/** Starts the node and keeps `state` in sync with it; with `wiring`, also the replication service. */
export async function connectNetwork (state: NetworkState, wiring?: MeshWiring): Promise<{ node: BrowserNode, mesh?: Mesh, peerNetwork: PeerNetwork }> {
  const served = await loadConfig()
  const custom = localStorage.getItem(RELAYS_KEY) ?? ''
  let relays = served.relays
  if (custom.trim() !== '') {
    try { relays = parseRelayList(custom) } catch (err) { console.warn('ignoring saved relays', err) }
  }
  state.customRelays = custom
  const privateKey = await loadOrCreateKey(idbKeyStore())
  const node = await createBrowserNode({ config: { ...served, relays }, privateKey })
  // Register the replication protocols at once, before most peers identify us (identify-push
  // tells the ones that already did).
  const peerNetwork = await createLibp2pPeerNetwork(node.libp2p)
  state.applyRelays = (text) => {
    try {
      node.setRelays(text.trim() === '' ? served.relays : parseRelayList(text))
      if (text.trim() === '') localStorage.removeItem(RELAYS_KEY)
      else localStorage.setItem(RELAYS_KEY, text)
      return undefined
    } catch (err) {
      return toError(err).message
    }
  }
  node.subscribe((s) => {
    state.status = s.status
    state.peerId = s.peerId
    state.relays = s.relays
    state.peers = s.peers.map(p => ({ id: p.id, kind: p.kind, rttMs: p.rttMs, since: p.since }))
  })
  const onLine = (): void => { node.setOnline(navigator.onLine) }
  addEventListener('online', onLine)
  addEventListener('offline', onLine)
  onLine()
  let mesh: Mesh | undefined
  if (wiring != null && wiring.holding?.() !== false) {
    // The node is useful without the service (and the other way round is impossible): a store
    // failure here leaves the network running and the Mesh view saying protection has not started.
    mesh = await startMesh({
      network: peerNetwork,
      stores: wiring.stores,
      signer: identitySigner(privateKey),
      state: wiring.state,
      reachable: () => {
        const s = node.snapshot()
        return s.status !== 'offline' && (s.peers.length > 0 || s.relays.some(r => r.state === 'connected'))
      }
    }).catch((err: unknown) => {
      console.warn('replication unavailable', err)
      return undefined
    })
    if (mesh != null) {
      wiring.queue.attach(mesh.schedule)
      node.subscribe(() => { mesh?.refresh() })
    }
  }
  return { node, mesh, peerNetwork }
}

/** The served configuration; offline, the last one seen; else none (the node stays alone). */
async function loadConfig (): Promise<NetworkConfig> {
  try {
    const res = await fetch(NETWORK_CONFIG_PATH, { cache: 'no-store', signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS) })
    if (res.ok) {
      const config = parseNetworkConfig(await res.json())
      localStorage.setItem(CONFIG_CACHE_KEY, JSON.stringify(config))
      return config
    }
  } catch (err) {
    console.warn('network config unavailable', toError(err).message)
  }
  try {
    const cached = localStorage.getItem(CONFIG_CACHE_KEY)
    if (cached != null) return parseNetworkConfig(JSON.parse(cached))
  } catch (err) {
    console.warn('cached network config is invalid', err)
  }
  return EMPTY_NETWORK_CONFIG
}

/** The device's libp2p key, in its own small database (never part of a vault or backup). */
function idbKeyStore (): KeyStore {
  const db = openDB('tesseras-device', 1, {
    upgrade (d) { d.createObjectStore('keys') },
    // Someone deletes or upgrades the database ("forget everything"): let go of it.
    blocking () { void db.then(d => { d.close() }) }
  })
  return {
    load: async () => await (await db).get('keys', 'libp2p') as Uint8Array | undefined,
    save: async (bytes) => { await (await db).put('keys', bytes, 'libp2p') }
  }
}
