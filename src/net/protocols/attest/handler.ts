/**
 * /tesseras/attest/1.0.0 — proof of possession.
 *
 *   challenger → AttestRequest{fragment, nonce, ranges, whole}   (length-prefixed, ≤ 2 KiB)
 *   holder     ← AttestResponse{status, proof}                   (length-prefixed, ≤ 2 KiB)
 *
 * The holder's service computes the proof (src/replication/attestation.ts); this module bounds
 * and checks the messages and runs the exchange with timeouts. Malformed, oversized or late
 * input is answered BAD_REQUEST and the stream reset.
 */
import type { AbortOptions, AttestChallenge, AttestResponse, AttestStatus } from '../../../core/index.js'
import { ProtocolError } from '../../errors.js'
import { ATTEST_NONCE_BYTES, HASH_BYTES, MAX_ATTEST_RANGES, MAX_ATTEST_RANGE_TOTAL_BYTES, MAX_SHARD_BYTES } from '../constants.js'
import { FrameReader, frame, type WireStream } from '../framing.js'
import { checkBytes, decodeWith, fragmentIdFromWire, fragmentIdToWire, requestSignal, runRequest, safeInt, wireFail } from '../wire.js'
import { AttestRequest as AttestRequestPb, AttestResponse as AttestResponsePb } from './pb/attest.js'
import { ATTEST_HANDLER_TIMEOUT_MS, ATTEST_MAX_MESSAGE_BYTES, ATTEST_READ_TIMEOUT_MS, DEFAULT_ATTEST_TIMEOUT_MS } from './constants.js'

const STATUSES = new Set<string>(Object.values(AttestResponsePb.Status).filter((v): v is AttestResponsePb.Status => typeof v === 'string'))

/** Encodes a challenge (without the length prefix). */
export function encodeAttestRequest (challenge: AttestChallenge): Uint8Array {
  return AttestRequestPb.encode({
    fragment: fragmentIdToWire(challenge.fragment),
    nonce: challenge.nonce,
    ranges: challenge.ranges.map(r => ({ offset: BigInt(r.offset), length: r.length })),
    whole: challenge.whole
  } as unknown as AttestRequestPb)
}

/**
 * Decodes and bounds a challenge: a 32-byte nonce, at most 64 ranges inside the largest shard
 * covering at most 64 KiB together, and at least one range unless `whole`.
 * @throws ProtocolError
 */
export function decodeAttestRequest (bytes: Uint8Array | Parameters<typeof AttestRequestPb.decode>[0]): AttestChallenge {
  const pb = decodeWith('attest request', () => AttestRequestPb.decode(bytes, { limits: { ranges: MAX_ATTEST_RANGES } }))
  const fragment = fragmentIdFromWire(pb.fragment)
  const nonce = checkBytes(pb.nonce, 'nonce', ATTEST_NONCE_BYTES)
  let total = 0
  const ranges = pb.ranges.map((r, i) => {
    const offset = safeInt(r.offset, `ranges[${i}].offset`, 0, MAX_SHARD_BYTES - 1)
    const length = safeInt(r.length, `ranges[${i}].length`, 1, MAX_SHARD_BYTES - offset)
    total += length
    return { offset, length }
  })
  if (total > MAX_ATTEST_RANGE_TOTAL_BYTES) wireFail(`ranges: cover ${total} bytes, more than ${MAX_ATTEST_RANGE_TOTAL_BYTES}`)
  if (ranges.length === 0 && !pb.whole) wireFail('ranges: empty and not whole')
  return { fragment, nonce, ranges, whole: pb.whole }
}

/** Encodes a response (without the length prefix). */
export function encodeAttestResponse (response: AttestResponse): Uint8Array {
  return AttestResponsePb.encode({ status: response.status, proof: response.status === 'OK' ? response.proof : undefined } as unknown as AttestResponsePb)
}

/** Decodes a response; an OK response must carry a 32-byte proof. @throws ProtocolError */
export function decodeAttestResponse (bytes: Uint8Array | Parameters<typeof AttestResponsePb.decode>[0]): AttestResponse {
  const pb = decodeWith('attest response', () => AttestResponsePb.decode(bytes))
  const status = pb.status as AttestStatus
  if (status !== 'OK') return { status }
  return { status, proof: checkBytes(pb.proof, 'proof', HASH_BYTES) }
}

/** The holder's side of one challenge, as the peer network adapter supplies it. */
export type AttestCallback = (challenge: AttestChallenge, options: AbortOptions) => Promise<AttestResponse>

export interface HandleAttestInit {
  /** `undefined` when no service is installed: answered INTERNAL. */
  callback?: AttestCallback
  readTimeoutMs?: number
  handlerTimeoutMs?: number
  shutdown?: AbortSignal
}

/** Serves one inbound attest stream. Never throws. @returns the status answered and the reset error, if any */
export async function handleAttest (stream: WireStream, init: HandleAttestInit = {}): Promise<{ status?: AttestStatus, error?: Error }> {
  const readTimeout = init.readTimeoutMs ?? ATTEST_READ_TIMEOUT_MS
  let answered = false
  try {
    const signal = requestSignal(undefined, readTimeout, init.shutdown)
    const challenge = decodeAttestRequest(await new FrameReader(stream).readMessage(ATTEST_MAX_MESSAGE_BYTES, { signal }))
    let response: AttestResponse
    if (init.callback == null) {
      response = { status: 'INTERNAL' }
    } else {
      try {
        response = await init.callback(challenge, { signal: requestSignal(undefined, init.handlerTimeoutMs ?? ATTEST_HANDLER_TIMEOUT_MS, init.shutdown) })
        if (!STATUSES.has(response.status) || (response.status === 'OK' && response.proof?.length !== HASH_BYTES)) response = { status: 'INTERNAL' }
      } catch {
        response = { status: 'INTERNAL' }
      }
    }
    answered = true
    stream.send(frame(encodeAttestResponse(response)))
    await stream.close({ signal: AbortSignal.timeout(readTimeout) })
    return { status: response.status }
  } catch (err) {
    const error = err instanceof Error ? err : new ProtocolError('attest failed')
    if (!answered) {
      try { stream.send(frame(encodeAttestResponse({ status: 'BAD_REQUEST' }))) } catch { /* the stream is already gone */ }
    }
    stream.abort(error)
    return { status: answered ? undefined : 'BAD_REQUEST', error }
  }
}

/**
 * Sends a challenge over an open stream and reads the holder's answer. Checking the proof
 * against the expected value is the service's (checkAttestation).
 * @throws AbortError when `options.signal` fires; ProtocolError on reset, malformed or late answers
 */
export async function sendAttest (stream: WireStream, challenge: AttestChallenge, options: AbortOptions & { shutdown?: AbortSignal } = {}): Promise<AttestResponse> {
  const signal = requestSignal(options.signal, DEFAULT_ATTEST_TIMEOUT_MS, options.shutdown)
  const request = frame(encodeAttestRequest(challenge))
  return await runRequest(stream, 'attest', [options.signal, options.shutdown], async () => {
    if (!stream.send(request)) await stream.onDrain({ signal })
    const response = decodeAttestResponse(await new FrameReader(stream).readMessage(ATTEST_MAX_MESSAGE_BYTES, { signal }))
    await stream.close({ signal }).catch(() => {})
    return response
  })
}
