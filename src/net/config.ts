/**
 * The network configuration served beside the app (`/network.json`) and typed in settings:
 * relay multiaddrs, ICE (STUN/TURN) servers, and whether private addresses may be dialled.
 *
 * Example (what `npm start` serves on loopback):
 * `{ "relays": ["/ip4/127.0.0.1/tcp/4174/ws/p2p/12D3Koo…"], "iceServers": [], "allowPrivateAddresses": true }`
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { NetworkConfigError } from './errors.js'

/** One ICE server, as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

/** Validated network configuration. */
export interface NetworkConfig {
  /** Relay multiaddrs, each over WebSockets and ending in `/p2p/<peer id>`. */
  relays: string[]
  /** STUN/TURN servers for WebRTC; none on loopback, a deployment lists its own. */
  iceServers: IceServer[]
  /** Lets the browser dial `ws://` and private addresses: local and test setups only. */
  allowPrivateAddresses: boolean
}

/** The configuration used when none is served: no relays, so the node stays alone. */
export const EMPTY_NETWORK_CONFIG: NetworkConfig = { relays: [], iceServers: [], allowPrivateAddresses: false }

/**
 * Checks one relay multiaddr: parseable, over WebSockets (`/ws` or `/wss`, or `/tls/ws`), and
 * naming the relay's peer id, so the dial can be authenticated.
 *
 * @throws NetworkConfigError naming `where` and the offending text
 * @example parseRelayAddr('/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…')
 */
export function parseRelayAddr (text: unknown, where = 'relay'): string {
  if (typeof text !== 'string') throw new NetworkConfigError(`${where}: expected a multiaddr string, got ${typeof text}`)
  const trimmed = text.trim()
  if (trimmed === '') throw new NetworkConfigError(`${where}: empty multiaddr`)
  let parts: string[]
  let peer: string | undefined
  try {
    const components = multiaddr(trimmed).getComponents()
    parts = components.map(c => c.name)
    peer = components.findLast(c => c.name === 'p2p')?.value
  } catch (err) {
    throw new NetworkConfigError(`${where}: "${trimmed}" is not a valid multiaddr (${(err as Error).message})`, { cause: err })
  }
  if (!parts.includes('ws') && !parts.includes('wss')) {
    throw new NetworkConfigError(`${where}: "${trimmed}" is not a WebSocket address (needs /ws or /wss): browsers reach relays over WebSockets`)
  }
  if (parts[parts.length - 1] !== 'p2p') {
    throw new NetworkConfigError(`${where}: "${trimmed}" does not end in /p2p/<relay peer id>`)
  }
  try {
    peerIdFromString(peer ?? '')
  } catch (err) {
    throw new NetworkConfigError(`${where}: "${trimmed}" names an invalid relay peer id "${peer ?? ''}"`, { cause: err })
  }
  return trimmed
}

/**
 * Parses a free-text list of relay multiaddrs (settings field): one per line or comma-separated.
 *
 * @throws NetworkConfigError for the first bad entry, naming its position
 */
export function parseRelayList (text: string): string[] {
  const entries = text.split(/[\n,]/).map(s => s.trim()).filter(s => s !== '')
  return dedupe(entries.map((e, i) => parseRelayAddr(e, `relay ${i + 1}`)))
}

/**
 * Validates the JSON document served beside the app.
 *
 * @throws NetworkConfigError naming the field at fault
 */
export function parseNetworkConfig (value: unknown): NetworkConfig {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NetworkConfigError('network config: expected a JSON object')
  }
  const doc = value as Record<string, unknown>
  const relays = doc.relays ?? []
  if (!Array.isArray(relays)) throw new NetworkConfigError('relays: expected an array of multiaddr strings')
  const iceServers = doc.iceServers ?? []
  if (!Array.isArray(iceServers)) throw new NetworkConfigError('iceServers: expected an array')
  const allow = doc.allowPrivateAddresses ?? false
  if (typeof allow !== 'boolean') throw new NetworkConfigError(`allowPrivateAddresses: expected a boolean, got ${typeof allow}`)
  return {
    relays: dedupe(relays.map((r, i) => parseRelayAddr(r, `relays[${i}]`))),
    iceServers: iceServers.map((s, i) => parseIceServer(s, `iceServers[${i}]`)),
    allowPrivateAddresses: allow
  }
}

function parseIceServer (value: unknown, where: string): IceServer {
  if (value == null || typeof value !== 'object') throw new NetworkConfigError(`${where}: expected an object with "urls"`)
  const s = value as Record<string, unknown>
  const urls = typeof s.urls === 'string' ? [s.urls] : s.urls
  if (!Array.isArray(urls) || urls.length === 0) throw new NetworkConfigError(`${where}.urls: expected a URL or a non-empty list of URLs`)
  for (const u of urls) {
    if (typeof u !== 'string' || !/^(stuns?|turns?):/.test(u)) {
      throw new NetworkConfigError(`${where}.urls: "${String(u)}" is not a stun:, stuns:, turn: or turns: URL`)
    }
  }
  const out: IceServer = { urls: urls as string[] }
  for (const key of ['username', 'credential'] as const) {
    if (s[key] === undefined) continue
    if (typeof s[key] !== 'string') throw new NetworkConfigError(`${where}.${key}: expected a string`)
    out[key] = s[key]
  }
  return out
}

function dedupe (list: string[]): string[] {
  return [...new Set(list)]
}
