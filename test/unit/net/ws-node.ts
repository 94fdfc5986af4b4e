/**
 * Real libp2p nodes for Node integration tests: WebSockets on 127.0.0.1, Noise, Yamux, identify,
 * the connection monitor told not to kill busy test connections. Node 20 gets a global
 * WebSocket (`ws`) to dial with.
 */
import { enableOutboundWebSockets } from '../../../src/relay/polyfill.js'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'

enableOutboundWebSockets()

/** The shared options; `services` replaces the default identify-only set. */
export function wsNodeOptions<S extends Record<string, unknown>> (services: Libp2pOptions<S>['services'], listen = ['/ip4/127.0.0.1/tcp/0/ws']): Libp2pOptions<S> {
  return {
    addresses: { listen },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services
  }
}

/** A plain node (identify only). */
export async function makeNode (): Promise<Libp2p> {
  return await createLibp2p(wsNodeOptions({ identify: identify() }))
}

/** Polls `check` every 20 ms. @throws Error after `ms` */
export async function until (check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
