/**
 * Node 20 lacks `Promise.withResolvers` (Node 22+), which libp2p 3 uses, and a global
 * `WebSocket` (without --experimental-websocket), which @libp2p/websockets dials with: without
 * it a relay could not dial another relay (`--peer`: "WebSocket is not defined"). Import this
 * module first in every Node entry point (../shared/PLATFORM-NOTES.md).
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

// `ws` (the library @libp2p/websockets listens with) ships no types: loaded untyped.
if (typeof globalThis.WebSocket === 'undefined') {
  (globalThis as { WebSocket?: unknown }).WebSocket = (createRequire(import.meta.url)('ws') as { WebSocket: unknown }).WebSocket
}
