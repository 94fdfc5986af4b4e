/**
 * App-wide UI state: the current route, the memory list, notices, connectivity and updates.
 */
import type { Library, LibraryEntry } from '../../app/library.js'
import type { RecoveryApp } from '../../app/recovery.js'
import { NetworkState } from './network.svelte.js'
import { MeshState, type MeshNodeState } from './mesh.svelte.js'

export type Route =
  | { name: 'welcome' }
  | { name: 'create' }
  | { name: 'restore' }
  | { name: 'recover' }
  | { name: 'gallery' }
  | { name: 'new' }
  | { name: 'memory', hashHex: string }
  | { name: 'storage' }
  | { name: 'network' }
  | { name: 'mesh' }

/** Parses a location path into a route. */
export function parseRoute (path: string): Route {
  const memory = /^\/memory\/([0-9a-f]{64})\/?$/.exec(path)
  if (memory != null) return { name: 'memory', hashHex: memory[1] }
  switch (path.replace(/\/$/, '')) {
    case '/welcome': return { name: 'welcome' }
    case '/create': return { name: 'create' }
    case '/restore': return { name: 'restore' }
    case '/recover': return { name: 'recover' }
    case '/new': return { name: 'new' }
    case '/storage': return { name: 'storage' }
    case '/network': return { name: 'network' }
    case '/mesh': return { name: 'mesh' }
    default: return { name: 'gallery' }
  }
}

/** Path of a route. */
export function routePath (route: Route): string {
  return route.name === 'memory' ? `/memory/${route.hashHex}` : route.name === 'gallery' ? '/' : `/${route.name}`
}

export class AppState {
  route = $state<Route>(parseRoute(globalThis.location?.pathname ?? '/'))
  #hasVault = $state(false)
  /** Set by the app: told when a vault appears or goes (background checks follow it). */
  onVaultChange: (hasVault: boolean) => void = () => {}
  get hasVault (): boolean { return this.#hasVault }
  set hasVault (value: boolean) {
    if (value === this.#hasVault) return
    this.#hasVault = value
    this.onVaultChange(value)
  }
  ready = $state(false)
  memories = $state.raw<LibraryEntry[]>([])
  notice = $state('')
  online = $state(globalThis.navigator?.onLine ?? true)
  updateAvailable = $state(false)
  /** The network node's state (filled by the app once libp2p has loaded). */
  readonly network = new NetworkState()
  /** Replication state (filled once the replication service runs). */
  readonly mesh = new MeshState()
  /**
   * The header's node state: PROVISIONAL while nothing is reachable (no relay, no peer);
   * then the replication service's (ACTIVE, DEGRADED, ISOLATED), or the network's own until
   * the service runs.
   */
  nodeState = $derived<MeshNodeState>(!this.network.reachable ? 'PROVISIONAL' : this.mesh.nodeState ?? this.network.nodeState)
  applyUpdate: () => void = () => {}
  /** Recovery from the phrase (set by the composition root). */
  recovery: RecoveryApp | undefined
  /** True once a recovery runs in borrowed-device mode: the "forget everything" button shows everywhere. */
  borrowed = $state(false)

  constructor (readonly library: Library) {}

  /** Navigates, updating history; onboarding routes are forced while there is no vault. */
  go (route: Route, replace = false): void {
    // The network and mesh views work without a vault: the node runs (and holds for others) either way.
    if (!this.hasVault && !['welcome', 'create', 'restore', 'recover', 'network', 'mesh'].includes(route.name)) route = { name: 'welcome' }
    this.route = route
    const path = routePath(route)
    if (globalThis.location?.pathname !== path) {
      if (replace) history.replaceState(null, '', path)
      else history.pushState(null, '', path)
    }
  }

  /** The route of the current location. */
  parseLocation (): Route {
    return parseRoute(globalThis.location?.pathname ?? '/')
  }

  /** Reloads the memory list from the store. */
  async refresh (): Promise<void> {
    this.memories = await this.library.list()
  }

  /** Asks the browser to keep our storage after the first memory is saved (once). */
  async afterFirstSave (): Promise<void> {
    if (this.memories.length !== 1) return
    await globalThis.navigator?.storage?.persist?.().catch(() => false)
  }

  say (message: string): void {
    this.notice = ''
    queueMicrotask(() => { this.notice = message })
  }
}
