/**
 * Network constants shared by the browser node and the relay. Units are in the names.
 */

/** Our own kad-dht protocol id: never mixes with the public IPFS DHT. */
export const KAD_PROTOCOL = '/tesseras/kad/1.0.0'
/** Gossipsub topic on which peers announce their addresses (pubsub peer discovery). */
export const DISCOVERY_TOPIC = 'tesseras/discovery/1.0.0'
/** How often a node re-announces its addresses on the discovery topic. */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 3_000
/** Path of the network configuration served beside the app. */
export const NETWORK_CONFIG_PATH = '/network.json'

/** First relay reconnect delay; doubles per failure up to the maximum. */
export const DEFAULT_BACKOFF_INITIAL_MS = 500
/** Longest relay reconnect delay. */
export const DEFAULT_BACKOFF_MAX_MS = 30_000
/** Random spread applied to each delay (±fraction), so tabs don't reconnect in lockstep. */
export const DEFAULT_BACKOFF_JITTER = 0.2

/**
 * WebRTC dials a tab may make in its lifetime. Chrome allows about 500 RTCPeerConnections per
 * tab (js-libp2p#2591); we stop well before, leaving room for incoming ones.
 */
export const DEFAULT_WEBRTC_DIAL_BUDGET = 300
/** Direct peers a browser keeps at most (besides relays). */
export const DEFAULT_MAX_PEERS = 32
/** Connections a browser node holds at most (peers, relays, transient relayed ones). */
export const DEFAULT_MAX_CONNECTIONS = 64
/** Least time between two dials to the same peer; grows with failures (backoff per peer). */
export const DEFAULT_PEER_REDIAL_MIN_MS = 2_000
/** After this long without a connection, the peer with the larger id dials too (glare fallback). */
export const DEFAULT_GLARE_GRACE_MS = 6_000
/** Time a single WebRTC dial may take (signalling over the relay + ICE + Noise). */
export const DEFAULT_WEBRTC_DIAL_TIMEOUT_MS = 20_000
/** Interval of the connection monitor's pings (round-trip times shown in the Network view). */
export const DEFAULT_PING_INTERVAL_MS = 5_000

/** Relay: reservations it grants at most (one per browser that wants to be reachable). */
export const DEFAULT_RELAY_MAX_RESERVATIONS = 1_024
/** Relay: how long a relayed circuit may stay open; enough to signal a WebRTC upgrade. */
export const DEFAULT_RELAY_CIRCUIT_DURATION_MS = 2 * 60_000
/** Relay: bytes a relayed circuit may carry (each direction); signalling needs a few KiB. */
export const DEFAULT_RELAY_CIRCUIT_BYTES = 1n << 17n
/** Relay: total connections it accepts. */
export const DEFAULT_RELAY_MAX_CONNECTIONS = 2_048
/** Relay: default libp2p WebSocket port. */
export const DEFAULT_RELAY_PORT = 4174
/** Relay: default HTTP port for /metrics, /healthz and /network.json. */
export const DEFAULT_RELAY_HTTP_PORT = 4175

/** How often a node re-announces the vaults it holds on the DHT ([Note: Finding a vault]); records live 48 h. */
export const DEFAULT_VAULT_REANNOUNCE_INTERVAL_MS = 6 * 60 * 60_000
/** How often the announcer checks for an empty→non-empty routing table and due retries. */
export const DEFAULT_VAULT_ANNOUNCE_CHECK_MS = 10_000
/** First delay before retrying an announcement that reached no DHT server; doubles per failure. */
export const DEFAULT_VAULT_ANNOUNCE_RETRY_MS = 60_000
/** Longest delay between two retries of an announcement. */
export const DEFAULT_VAULT_ANNOUNCE_RETRY_MAX_MS = 30 * 60_000
/** Time one DHT announcement (closest-peer walk + ADD_PROVIDER) may take. */
export const DEFAULT_VAULT_ANNOUNCE_TIMEOUT_MS = 60_000
/** DHT announcements run at once (the service announces every held vault at start). */
export const VAULT_ANNOUNCE_CONCURRENCY = 2
/** Time a vault holder lookup (DHT walk plus dials) may take when the caller gives no signal. */
export const DEFAULT_FIND_VAULT_HOLDERS_TIMEOUT_MS = 60_000
