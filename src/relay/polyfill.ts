/**
 * Node 20 lacks `Promise.withResolvers` (Node 22+), which libp2p 3 uses: import this module
 * first in every Node entry point (../shared/PLATFORM-NOTES.md). Node 20 also lacks a global
 * `WebSocket` (without --experimental-websocket), which @libp2p/websockets *dials* with: see
 * {@link enableOutboundWebSockets}.
 */
import { createRequire } from 'node:module'

if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> () {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

/**
 * Gives Node 20 a global `WebSocket` (from `ws`, the library @libp2p/websockets listens with),
 * so the node can *dial* WebSocket addresses. Every relay turns it on (src/relay/relay.ts): a
 * relay that cannot dial cannot reach the other relays it is told about (`--peer`), nor fill
 * its DHT routing table. [Note: a recovery e2e failure once blamed on outbound dials (a
 * borrowed device trying fewer holders than were reachable) was a race in the recovery fetch
 * (src/replication/recovery.ts, holder lanes started while waiting were cut off); unmeshed relays
 * make no outbound connection at all in that e2e, with or without this.]
 */
export function enableOutboundWebSockets (): void {
  if (typeof globalThis.WebSocket !== 'undefined') return
  // `ws` ships no types: loaded untyped.
  const { WebSocket: Ws } = createRequire(import.meta.url)('ws') as { WebSocket: new (...args: unknown[]) => { on: (event: 'error', listener: () => void) => void } }
  /**
   * `ws` is an EventEmitter: an `error` (say, ECONNREFUSED from a dial to a node that just
   * stopped) emitted after the dialer dropped its listeners (an aborted dial) is an uncaught
   * exception that ends the process. A browser WebSocket never throws for an error event: one
   * silent listener gives the same. Listeners added by callers still see every error.
   */
  class QuietWebSocket extends Ws {
    constructor (...args: unknown[]) {
      super(...args)
      this.on('error', () => {})
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = QuietWebSocket
}
