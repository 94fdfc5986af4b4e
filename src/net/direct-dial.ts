/**
 * Reaching a peer found by a lookup (DHT provider records) over a direct connection, the only
 * kind our replication protocols run on ([Note: Browser connectivity]).
 *
 * A Node peer (anchor, relay) listens on WebSockets: dial that address, no budget needed. A
 * browser is reachable at `<relay>/p2p-circuit/webrtc/p2p/<id>`: dialling it signals over the
 * relay circuit and upgrades to WebRTC, which spends one RTCPeerConnection, so it goes through
 * the node's shared [Note: Dial budget]. When the browser node's sweep is already dialling the
 * peer (`in-flight`), we wait for its connection instead of racing it.
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { AbortError } from '../core/errors.js'
import { connectionKind } from './classify.js'
import { DEFAULT_WEBRTC_DIAL_TIMEOUT_MS } from './constants.js'
import type { DialBudget } from './dial-budget.js'

/** The parts of a libp2p node a direct dial uses. */
export type DirectDialNode = Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>

export interface DialDirectInit {
  /** The node's WebRTC dial budget ({@link dialBudgetFor}). */
  budget: DialBudget
  /** Time one dial may take (default {@link DEFAULT_WEBRTC_DIAL_TIMEOUT_MS}). */
  dialTimeoutMs?: number
  signal?: AbortSignal
}

/** Whether `ma` is a relay circuit address that upgrades to WebRTC (`…/p2p-circuit/webrtc…`). */
export function isWebRtcCircuit (ma: Multiaddr): boolean {
  const names = ma.getComponents().map(c => c.name)
  const i = names.indexOf('p2p-circuit')
  return i >= 0 && names[i + 1] === 'webrtc'
}

/** `ma` ending in `/p2p/<id>` (appended when missing). */
export function withPeer (ma: Multiaddr, id: string): Multiaddr {
  return ma.toString().endsWith(`/p2p/${id}`) ? ma : ma.encapsulate(`/p2p/${id}`)
}

/** Whether the node has an open, unlimited connection to `id`. */
export function hasDirectConnection (node: Pick<Libp2p, 'getConnections'>, id: string): boolean {
  return node.getConnections().some(c => c.remotePeer.toString() === id && c.status === 'open' && c.limits == null)
}

/**
 * Makes sure a direct connection to `peer` exists: already there, or dialled over one of
 * `addrs` (plain transports first, then relay circuits upgraded to WebRTC, within the budget).
 * Never throws for an unreachable peer.
 *
 * @returns whether a direct connection exists when it returns
 * @throws AbortError when `init.signal` fires
 * @example
 * if (await dialDirect(libp2p, provider.id, provider.multiaddrs, { budget: dialBudgetFor(libp2p) })) await network.listManifests(id, vaultIdHex)
 */
export async function dialDirect (node: DirectDialNode, peer: PeerId, addrs: Multiaddr[], init: DialDirectInit): Promise<boolean> {
  const id = peer.toString()
  const signal = init.signal
  const check = (): void => { if (signal?.aborted === true) throw new AbortError(`dial ${id}: aborted`) }
  check()
  if (hasDirectConnection(node, id)) return true
  const dialSignal = (): AbortSignal => {
    const timeout = AbortSignal.timeout(init.dialTimeoutMs ?? DEFAULT_WEBRTC_DIAL_TIMEOUT_MS)
    return signal == null ? timeout : AbortSignal.any([signal, timeout])
  }
  // 1. Plain transports (WebSockets to an anchor): no RTCPeerConnection spent.
  for (const addr of addrs.filter(a => !a.getComponents().some(c => c.name === 'p2p-circuit'))) {
    try {
      const conn = await node.dial(withPeer(addr, id), { signal: dialSignal() })
      if (conn.limits == null) return true
    } catch {
      check()
      // Unreachable address (private, wrong transport, gone): try the next one.
    }
  }
  // 2. Relay circuits upgraded to WebRTC, through the shared budget.
  const circuits = addrs.filter(isWebRtcCircuit)
  if (circuits.length === 0) return hasDirectConnection(node, id)
  const connected = new Set(node.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))
  // Prefer a circuit through a relay we are connected to.
  circuits.sort((a, b) => Number(viaConnectedRelay(b, connected)) - Number(viaConnectedRelay(a, connected)))
  const directPeers = new Set(node.getConnections().filter(c => c.status === 'open' && connectionKind(c) === 'webrtc').map(c => c.remotePeer.toString())).size
  const refusal = init.budget.check(id, directPeers)
  if (refusal === 'in-flight') {
    const ok = await waitForDirect(node, id, dialSignal())
    check()
    return ok
  }
  if (refusal != null) return false
  init.budget.begin(id)
  let ok = false
  try {
    for (const addr of circuits) {
      try {
        const conn = await node.dial(withPeer(addr, id), { signal: dialSignal(), force: true })
        ok = conn.limits == null
        if (ok) break
      } catch {
        check()
      }
    }
  } finally {
    init.budget.end(id, ok)
  }
  return ok || hasDirectConnection(node, id)
}

function viaConnectedRelay (ma: Multiaddr, connected: Set<string>): boolean {
  const components = ma.getComponents()
  const circuit = components.findIndex(c => c.name === 'p2p-circuit')
  const relay = components.slice(0, circuit).findLast(c => c.name === 'p2p')?.value
  return relay != null && connected.has(relay)
}

/** Resolves true once a direct connection to `id` opens, false when `signal` fires first. */
async function waitForDirect (node: DirectDialNode, id: string, signal: AbortSignal): Promise<boolean> {
  if (hasDirectConnection(node, id)) return true
  return await new Promise<boolean>((resolve) => {
    const done = (value: boolean): void => {
      node.removeEventListener('connection:open', onOpen)
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }
    const onOpen = (e: CustomEvent<Connection>): void => {
      if (e.detail.remotePeer.toString() === id && e.detail.limits == null) done(true)
    }
    const onAbort = (): void => { done(hasDirectConnection(node, id)) }
    node.addEventListener('connection:open', onOpen)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
