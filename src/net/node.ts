/**
 * Node.js variant of the network adapter: the relay's libp2p node. WebSockets listener,
 * circuit relay v2 server, identify, ping, kad-dht in server mode (our own protocol id), and
 * the discovery topic, so browsers announcing themselves reach each other through it.
 * Entry points must load `src/relay/polyfill.ts` first on Node 20.
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { gossipsub } from '@libp2p/gossipsub'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import type { Metrics, PrivateKey } from '@libp2p/interface'
import {
  DEFAULT_DISCOVERY_INTERVAL_MS, DEFAULT_PING_INTERVAL_MS, DEFAULT_RELAY_CIRCUIT_BYTES, DEFAULT_RELAY_CIRCUIT_DURATION_MS,
  DEFAULT_RELAY_MAX_CONNECTIONS, DEFAULT_RELAY_MAX_RESERVATIONS, DISCOVERY_TOPIC, KAD_PROTOCOL
} from './constants.js'
import { registerProtocols } from './protocols/index.js'

export interface RelayNodeInit {
  privateKey: PrivateKey
  /** Interface to listen on (default 0.0.0.0). */
  host?: string
  /** TCP port of the WebSocket listener (0 picks one). */
  port: number
  /** Public multiaddrs to announce instead of the listen ones (e.g. behind a TLS proxy: /dns4/relay.example.org/tcp/443/wss). */
  announce?: string[]
  /** Keep private addresses in DHT records (local and test setups). */
  allowPrivateAddresses?: boolean
  maxReservations?: number
  maxConnections?: number
  metrics?: (components: any) => Metrics
}

export type RelayLibp2p = Libp2p<{ relay: CircuitRelayService, dht: KadDHT, pubsub: ReturnType<ReturnType<typeof gossipsub>>, identify: unknown, identifyPush: unknown, ping: unknown }>

/**
 * Builds and starts the relay's libp2p node.
 *
 * Limits, chosen deliberately: up to {@link DEFAULT_RELAY_MAX_RESERVATIONS} reservations (one per
 * reachable browser; the default of 15 would cap the network at 15 browsers); each relayed
 * circuit carries at most 128 KiB for 2 minutes — enough to signal a WebRTC upgrade, useless for
 * bulk traffic; {@link DEFAULT_RELAY_MAX_CONNECTIONS} connections in all.
 */
export async function createRelayNode (init: RelayNodeInit): Promise<RelayLibp2p> {
  const host = init.host ?? '0.0.0.0'
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: {
      listen: [`/ip4/${host}/tcp/${init.port}/ws`],
      announce: init.announce
    },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: init.allowPrivateAddresses === true ? { denyDialMultiaddr: () => false } : undefined,
    connectionMonitor: { abortConnectionOnPingFailure: false, pingInterval: DEFAULT_PING_INTERVAL_MS },
    connectionManager: { maxConnections: init.maxConnections ?? DEFAULT_RELAY_MAX_CONNECTIONS },
    peerDiscovery: [pubsubPeerDiscovery({ topics: [DISCOVERY_TOPIC], interval: DEFAULT_DISCOVERY_INTERVAL_MS })],
    metrics: init.metrics,
    services: {
      identify: identify(),
      // Tells connected peers when our protocols change (the replication protocols are registered after start).
      identifyPush: identifyPush(),
      ping: ping(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: init.maxReservations ?? DEFAULT_RELAY_MAX_RESERVATIONS,
          applyDefaultLimit: true,
          defaultDurationLimit: DEFAULT_RELAY_CIRCUIT_DURATION_MS,
          defaultDataLimit: DEFAULT_RELAY_CIRCUIT_BYTES
        }
      }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: false,
        peerInfoMapper: init.allowPrivateAddresses === true ? passthroughMapper : removePrivateAddressesMapper
      })
    }
  }).then(async (node) => {
    await registerProtocols(node)
    return node as unknown as RelayLibp2p
  })
}
