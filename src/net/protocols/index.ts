/**
 * Our wire protocols, one folder each (constants, .proto, generated protons code, handler).
 * `npm run proto` regenerates the code; CI fails when the committed output differs.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import { PROBE_MAX_INBOUND_STREAMS, PROBE_MAX_OUTBOUND_STREAMS, PROBE_PROTOCOL } from './probe/constants.js'
import { handleProbe } from './probe/handler.js'

export { PROBE_PROTOCOL } from './probe/constants.js'
export { sendProbe, handleProbe, decodeProbeAck, decodeProbeHeader } from './probe/handler.js'
export { FrameReader, frame, decodeLengthPrefix, encodeVarint, type WireStream } from './framing.js'

/** Optional handlers the app adds; the probe protocol is always served. */
export interface ProtocolHandlers {
  probe?: boolean
}

/**
 * Registers our protocols. None runs over a limited (relayed) connection: relays are for
 * signalling only ([Note: Browser connectivity]).
 */
export async function registerProtocols (libp2p: Pick<Libp2p, 'handle'>, handlers: ProtocolHandlers = {}): Promise<void> {
  if (handlers.probe !== false) {
    await libp2p.handle(PROBE_PROTOCOL, (stream: Stream) => { void handleProbe(stream) }, {
      maxInboundStreams: PROBE_MAX_INBOUND_STREAMS,
      maxOutboundStreams: PROBE_MAX_OUTBOUND_STREAMS
    })
  }
}
