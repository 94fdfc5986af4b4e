/**
 * /tesseras/probe/1.0.0 — sender: ProbeHeader{length, sha256} · raw bytes · ← ProbeAck.
 * The receiver enforces the size limits, the read timeouts, and checks the digest end to end.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ProtocolError } from '../../errors.js'
import { FrameReader, frame, sendAll, type WireStream } from '../framing.js'
import { ProbeAck, ProbeHeader } from './pb/probe.js'
import { PROBE_FRAME_BYTES, PROBE_MAX_MESSAGE_BYTES, PROBE_MAX_TRANSFER_BYTES, PROBE_READ_TIMEOUT_MS, PROBE_TRANSFER_TIMEOUT_MS } from './constants.js'

/** Decodes a header, rejecting wrong digest sizes and oversized lengths. @throws ProtocolError */
export function decodeProbeHeader (bytes: Uint8Array | Parameters<typeof ProbeHeader.decode>[0], maxTransferBytes = PROBE_MAX_TRANSFER_BYTES): { length: number, sha256: Uint8Array } {
  let h: ProbeHeader
  try {
    h = ProbeHeader.decode(bytes)
  } catch (err) {
    throw new ProtocolError('probe header: malformed protobuf', { cause: err })
  }
  if (h.sha256.length !== 32) throw new ProtocolError(`probe header: sha256 must be 32 bytes, got ${h.sha256.length}`)
  if (h.length > BigInt(maxTransferBytes)) throw new ProtocolError(`probe header: ${h.length} bytes exceeds the limit of ${maxTransferBytes}`)
  return { length: Number(h.length), sha256: h.sha256 }
}

/** Decodes an ack. @throws ProtocolError for malformed input or an unknown status */
export function decodeProbeAck (bytes: Uint8Array | Parameters<typeof ProbeAck.decode>[0]): { status: ProbeAck.Status, received: number } {
  let a: ProbeAck
  try {
    a = ProbeAck.decode(bytes)
  } catch (err) {
    throw new ProtocolError('probe ack: malformed protobuf', { cause: err })
  }
  if (!Object.values(ProbeAck.Status).includes(a.status)) throw new ProtocolError('probe ack: unknown status')
  return { status: a.status, received: Number(a.received) }
}

/** Handles an inbound probe stream: reads, verifies, acknowledges, closes; aborts on any error. */
export async function handleProbe (stream: WireStream, init: { maxTransferBytes?: number, readTimeoutMs?: number } = {}): Promise<void> {
  const reader = new FrameReader(stream)
  const readTimeout = init.readTimeoutMs ?? PROBE_READ_TIMEOUT_MS
  let received = 0
  try {
    const header = decodeProbeHeader(await reader.readMessage(PROBE_MAX_MESSAGE_BYTES, { signal: AbortSignal.timeout(readTimeout) }), init.maxTransferBytes)
    const hash = sha256.create()
    const signal = AbortSignal.timeout(PROBE_TRANSFER_TIMEOUT_MS)
    for await (const chunk of reader.readBytes(header.length, { signal })) {
      hash.update(chunk)
      received += chunk.length
    }
    const ok = equal(hash.digest(), header.sha256)
    stream.send(frame(ProbeAck.encode({ status: ok ? ProbeAck.Status.OK : ProbeAck.Status.MISMATCH, received: BigInt(received) })))
    await stream.close({ signal: AbortSignal.timeout(readTimeout) })
  } catch (err) {
    const status = (err as Error).message.includes('exceeds') ? ProbeAck.Status.TOO_LARGE : (err as Error).message.includes('timed out') ? ProbeAck.Status.TIMEOUT : ProbeAck.Status.MALFORMED
    try { stream.send(frame(ProbeAck.encode({ status, received: BigInt(received) }))) } catch {}
    stream.abort(err instanceof Error ? err : new ProtocolError('probe failed'))
  }
}

/**
 * Sends `data` over an open stream and waits for the receiver's ack.
 *
 * @returns the ack and the time (ms) from first byte sent to ack received
 * @throws ProtocolError when the ack is missing, malformed, or late
 */
export async function sendProbe (stream: WireStream, data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<{ status: keyof typeof ProbeAck.Status, received: number, ms: number }> {
  const signal = options.signal ?? AbortSignal.timeout(PROBE_TRANSFER_TIMEOUT_MS)
  const started = performance.now()
  await sendAll(stream, frame(ProbeHeader.encode({ length: BigInt(data.length), sha256: sha256(data) })), { signal })
  for (let off = 0; off < data.length; off += PROBE_FRAME_BYTES) {
    signal.throwIfAborted()
    await sendAll(stream, data.subarray(off, off + PROBE_FRAME_BYTES), { signal })
  }
  const reader = new FrameReader(stream)
  const ack = decodeProbeAck(await reader.readMessage(PROBE_MAX_MESSAGE_BYTES, { signal }))
  const ms = performance.now() - started
  await stream.close({ signal }).catch(() => {})
  return { status: ProbeAck.Status[ack.status] as keyof typeof ProbeAck.Status, received: ack.received, ms }
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}
