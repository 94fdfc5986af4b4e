/**
 * The outbound WebSocket of relays on Node 20 (src/relay/polyfill.ts): a failed dial whose
 * dialer kept no error listener must not become an uncaught exception (it ended a whole test
 * run once: ECONNREFUSED from a kad-dht dial to a node that had just stopped).
 */
import { createServer } from 'node:net'
import { expect, it } from 'vitest'
import { enableOutboundWebSockets } from '../../../src/relay/polyfill.js'

/** A loopback port nothing listens on (bound, then released). */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  return port
}

it('a refused dial without any error listener closes quietly; listeners that exist still see the error', async () => {
  const hadGlobal = typeof globalThis.WebSocket !== 'undefined'
  enableOutboundWebSockets()
  const port = await closedPort()
  if (!hadGlobal) {
    // Nobody listens for errors: `ws` would throw the ECONNREFUSED from its EventEmitter.
    const silent = new WebSocket(`ws://127.0.0.1:${port}/`) as WebSocket & { listenerCount: (event: string) => number }
    expect(silent.listenerCount('error')).toBeGreaterThan(0)
    await new Promise<void>(resolve => { silent.addEventListener('close', () => { resolve() }) })
  }
  const seen: string[] = []
  const heard = new WebSocket(`ws://127.0.0.1:${port}/`)
  heard.addEventListener('error', () => { seen.push('error') })
  await new Promise<void>(resolve => { heard.addEventListener('close', () => { seen.push('close'); resolve() }) })
  expect(seen).toEqual(['error', 'close'])
})
