/**
 * How a connection reaches a peer, as the Network view shows it.
 */
import type { Connection } from '@libp2p/interface'

/** Connection kinds, best first. */
export type ConnectionKind = 'webrtc' | 'websocket' | 'relayed'

/**
 * A direct WebRTC connection is proven by having no limits and the `/webrtc` muxer — not by
 * `remoteAddr`, which is the dialled circuit address (../shared/PLATFORM-NOTES.md).
 */
export function connectionKind (conn: Pick<Connection, 'limits' | 'multiplexer' | 'remoteAddr'>): ConnectionKind {
  if (conn.limits != null) return 'relayed'
  const addr = conn.remoteAddr.toString()
  if (conn.multiplexer === '/webrtc' || addr.includes('/webrtc')) return 'webrtc'
  if (addr.includes('/p2p-circuit')) return 'relayed'
  return 'websocket'
}

const RANK: Record<ConnectionKind, number> = { webrtc: 0, websocket: 1, relayed: 2 }

/** The better of two kinds (direct WebRTC beats WebSockets beats relayed). */
export function bestKind (a: ConnectionKind | undefined, b: ConnectionKind): ConnectionKind {
  return a == null || RANK[b] < RANK[a] ? b : a
}
