/**
 * The relay program's composition root: persistent key, libp2p relay node, HTTP endpoints
 * (`/metrics`, `/healthz`, `/network.json`), and the network configuration apps read.
 */
import { enableOutboundWebSockets } from './polyfill.js'
import { createServer, type Server } from 'node:http'
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Gauge, Registry } from 'prom-client'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { createRelayNode, type RelayLibp2p } from '../net/node.js'
import { loadOrCreateKey } from '../net/keys.js'
import { connectionKind } from '../net/classify.js'
import { DISCOVERY_TOPIC, DEFAULT_RELAY_MAX_RESERVATIONS } from '../net/constants.js'
import type { IceServer, NetworkConfig } from '../net/config.js'
import { startAnchor, type RunningAnchor } from './anchor.js'

export interface RelayOptions {
  /** Directory for the peer key and the published network.json. */
  dataDir: string
  /** WebSocket port (0 picks one). */
  port: number
  /** HTTP port for /metrics, /healthz, /network.json (0 picks one; -1 disables). */
  httpPort: number
  /** Interface to listen on; loopback unless public addresses are announced. */
  host?: string
  /** Public multiaddrs to announce (a deployment behind TLS: /dns4/relay.example.org/tcp/443/wss). */
  announce?: string[]
  /** STUN/TURN servers listed in the served configuration. */
  iceServers?: IceServer[]
  maxReservations?: number
  /**
   * Anchor mode ([Note: Anchor store layout]): hold fragments for others on disk. Default on,
   * in `<dataDir>/store`; `false` runs a plain relay without the replication protocols.
   */
  anchor?: false | { storeDir?: string, offeredStorageBytes?: number, repairIntervalMs?: number, holderGraceMs?: number }
  /**
   * Other relays/anchors to stay connected to (multiaddrs with /p2p/): anchors that reach each
   * other can gather k fragments for a keyless repair, and fill each other's DHT routing tables.
   * Redialled every {@link PEER_REDIAL_MS} while not connected.
   */
  peers?: string[]
}

/** How often configured peers are redialled while not connected. */
export const PEER_REDIAL_MS = 10_000

export interface RunningRelay {
  node: RelayLibp2p
  peerId: string
  /** Multiaddrs browsers should dial (announced, or the listen addresses with /p2p/). */
  addrs: string[]
  /** What `/network.json` serves. */
  config: NetworkConfig
  /** Base URL of the HTTP endpoints, when enabled. */
  httpUrl?: string
  /** The anchor (fragment store and replication service), unless turned off. */
  anchor?: RunningAnchor
  stop: () => Promise<void>
}

const KEY_FILE = 'peer.key'
/** The anchor's fragment store, under the data directory unless given. */
export const STORE_DIR = 'store'
/** The configuration the relay publishes for apps, beside its key. */
export const CONFIG_FILE = 'network.json'

/** Starts the relay; logs nothing itself (the caller prints what it wants). */
export async function startRelay (opts: RelayOptions): Promise<RunningRelay> {
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
  const keyPath = join(opts.dataDir, KEY_FILE)
  const privateKey = await loadOrCreateKey({
    load: async () => await readFile(keyPath).then(b => new Uint8Array(b), (err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err }),
    save: async (bytes) => { await writeFile(keyPath, bytes, { mode: 0o600, flag: 'wx' }) }
  })
  const announce = opts.announce ?? []
  const host = opts.host ?? (announce.length > 0 ? '0.0.0.0' : '127.0.0.1')
  const registry = new Registry()
  // Every relay can dial (other relays, DHT peers): Node 20 has no WebSocket client built in.
  enableOutboundWebSockets()
  const node = await createRelayNode({
    privateKey,
    host,
    port: opts.port,
    announce: announce.length > 0 ? announce : undefined,
    allowPrivateAddresses: announce.length === 0,
    maxReservations: opts.maxReservations ?? DEFAULT_RELAY_MAX_RESERVATIONS,
    metrics: prometheusMetrics({ registry, collectDefaultMetrics: false })
  })
  const peerId = node.peerId.toString()
  let anchor: RunningAnchor | undefined
  if (opts.anchor !== false) {
    try {
      anchor = await startAnchor(node, privateKey, {
        storeDir: opts.anchor?.storeDir ?? join(opts.dataDir, STORE_DIR),
        offeredStorageBytes: opts.anchor?.offeredStorageBytes,
        repairIntervalMs: opts.anchor?.repairIntervalMs,
        holderGraceMs: opts.anchor?.holderGraceMs
      })
    } catch (err) {
      await node.stop()
      throw err
    }
  }
  const addrs = node.getMultiaddrs().map(String).filter(a => a.includes('/ws'))
  const config: NetworkConfig = {
    relays: addrs,
    iceServers: opts.iceServers ?? [],
    allowPrivateAddresses: announce.length === 0 || addrs.some(a => !a.includes('/wss') && !a.includes('/tls/'))
  }
  const configPath = join(opts.dataDir, CONFIG_FILE)
  await writeFile(configPath + '.tmp', JSON.stringify(config, null, 2) + '\n')
  await rename(configPath + '.tmp', configPath)

  registerRelayMetrics(registry, node)
  let server: Server | undefined
  let httpUrl: string | undefined
  if (opts.httpPort >= 0) {
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]
      if (path === '/healthz') {
        const body = JSON.stringify({ status: node.status === 'started' ? 'ok' : node.status, peerId, connections: node.getConnections().length })
        res.writeHead(node.status === 'started' ? 200 : 503, { 'content-type': 'application/json' }).end(body)
      } else if (path === '/metrics') {
        registry.metrics().then(
          (text) => { res.writeHead(200, { 'content-type': registry.contentType }).end(text) },
          (err: Error) => { res.writeHead(500).end(err.message) })
      } else if (path === '/network.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'cache-control': 'no-cache' }).end(JSON.stringify(config))
      } else {
        res.writeHead(404).end('not found\n')
      }
    })
    await new Promise<void>((resolve, reject) => { server?.once('error', reject); server?.listen(opts.httpPort, host === '0.0.0.0' ? undefined : host, resolve) })
    const address = server.address()
    if (address != null && typeof address === 'object') httpUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`
  }

  const keepConnected = keepPeersConnected(node, opts.peers ?? [])
  let stopped = false
  return {
    node, peerId, addrs, config, httpUrl, anchor,
    stop: async () => {
      if (stopped) return
      stopped = true
      keepConnected.stop()
      server?.closeAllConnections()
      await new Promise<void>(resolve => { if (server == null) resolve(); else server.close(() => { resolve() }) })
      // The service first: it waits for recording in flight, then the protocols go, then the node.
      await anchor?.stop()
      await node.stop()
    }
  }
}

/** Dials each of `peers` now and again every {@link PEER_REDIAL_MS} while not connected; failures are logged once per peer and state. */
function keepPeersConnected (node: RelayLibp2p, peers: string[]): { stop: () => void } {
  const targets = peers.map(a => multiaddr(a))
  const failing = new Set<string>()
  const tick = (): void => {
    for (const ma of targets) {
      const id = ma.getComponents().find(c => c.name === 'p2p')?.value
      if (id === undefined || id === node.peerId.toString() || node.getConnections().some(c => c.remotePeer.toString() === id)) continue
      node.dial(ma).then(() => { failing.delete(ma.toString()) }, (err: unknown) => {
        if (!failing.has(ma.toString())) console.warn(`relay: cannot reach peer ${ma.toString()} (retrying every ${PEER_REDIAL_MS / 1000} s)`, (err as Error).message)
        failing.add(ma.toString())
      })
    }
  }
  tick()
  const timer = setInterval(tick, PEER_REDIAL_MS)
  timer.unref?.()
  return { stop: () => { clearInterval(timer) } }
}

/** Relay-specific gauges, computed at scrape time (libp2p's own counters cover bytes). */
function registerRelayMetrics (registry: Registry, node: RelayLibp2p): void {
  new Gauge({
    name: 'tesseras_relay_connections',
    help: 'Open connections by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect () {
      const counts = { websocket: 0, webrtc: 0, relayed: 0 }
      for (const c of node.getConnections()) counts[connectionKind(c)]++
      for (const [k, v] of Object.entries(counts)) this.set({ transport: k }, v)
    }
  })
  new Gauge({
    name: 'tesseras_relay_reservations',
    help: 'Circuit relay v2 reservations held',
    registers: [registry],
    collect () { this.set(node.services.relay.reservations.size) }
  })
  new Gauge({
    name: 'tesseras_relay_discovery_peers',
    help: 'Peers subscribed to the discovery topic',
    registers: [registry],
    collect () { this.set(node.services.pubsub.getSubscribers(DISCOVERY_TOPIC).length) }
  })
}
