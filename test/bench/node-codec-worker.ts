/**
 * Node worker_threads entry for the pipeline bench: gives workers/codec.worker.ts the
 * `self` it expects (postMessage / addEventListener('message')), then loads it unchanged.
 */
import { parentPort } from 'node:worker_threads'

if (parentPort == null) throw new Error('node-codec-worker: not in a worker thread')
const port = parentPort
;(globalThis as any).self = {
  postMessage: (msg: unknown, transfer: any[] = []) => { port.postMessage(msg, transfer) },
  addEventListener: (type: string, fn: (ev: { data: unknown }) => void) => {
    if (type === 'message') port.on('message', (data: unknown) => { fn({ data }) })
  }
}
await import('../../workers/codec.worker.js')
