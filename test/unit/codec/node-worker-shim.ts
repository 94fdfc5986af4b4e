/**
 * Runs workers/codec.worker.ts inside a Node worker thread: gives it the `self` of a dedicated
 * worker (addEventListener / postMessage) on top of `parentPort`.
 */
import { parentPort } from 'node:worker_threads'

const port = parentPort
if (port == null) throw new Error('node-worker-shim: not in a worker thread')
;(globalThis as { self?: unknown }).self = {
  addEventListener: (type: string, listener: (ev: { data: unknown }) => void) => {
    if (type === 'message') port.on('message', (data: unknown) => { listener({ data }) })
  },
  postMessage: (message: unknown, transfer?: Transferable[]) => { port.postMessage(message, transfer as never) }
}
await import('../../../workers/codec.worker.js')
