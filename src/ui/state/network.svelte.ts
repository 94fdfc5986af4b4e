/**
 * Network state shown by the header badge and the Network view. Plain data, filled by the app
 * from the libp2p node (the UI never touches libp2p).
 */

/** How a peer is reached. */
export type PeerKind = 'webrtc' | 'websocket' | 'relayed'

export interface PeerView {
  id: string
  kind: PeerKind
  rttMs?: number
  /** When the connection opened (ms since epoch). */
  since: number
}

export interface RelayView {
  addr: string
  id: string
  state: 'connected' | 'connecting' | 'waiting'
  reserved: boolean
  rttMs?: number
  since?: number
  lastError?: string
  retryAt?: number
}

/**
 * `starting` until libp2p is loaded; `unavailable` when it could not start (old browser);
 * then what the node reports.
 */
export type NetworkStatus = 'starting' | 'unavailable' | 'offline' | 'connecting' | 'online' | 'alone'

export class NetworkState {
  status = $state<NetworkStatus>('starting')
  peerId = $state('')
  relays = $state.raw<RelayView[]>([])
  peers = $state.raw<PeerView[]>([])
  /** Relays typed in settings (one per line); empty means the ones served beside the app. */
  customRelays = $state('')
  /** Why the last settings change was refused, in plain words. */
  settingsError = $state('')
  /** Number of connected peers other than relays. */
  peerCount = $derived(this.peers.length)
  /** True while a relay or a peer is connected. */
  reachable = $derived(this.status !== 'offline' && (this.peers.length > 0 || this.relays.some(r => r.state === 'connected')))
  /** `ACTIVE` once peers are connected, `PROVISIONAL` with none. */
  nodeState = $derived<'ACTIVE' | 'PROVISIONAL'>(this.peers.length > 0 ? 'ACTIVE' : 'PROVISIONAL')
  /** Set by the app: applies relay multiaddrs from settings; returns an error message or undefined. */
  applyRelays: (text: string) => string | undefined = () => 'network not started'

  /** Saves the settings field through the app; keeps the error for the form. */
  saveRelays (text: string): boolean {
    const err = this.applyRelays(text)
    this.settingsError = err ?? ''
    if (err == null) this.customRelays = text
    return err == null
  }
}
