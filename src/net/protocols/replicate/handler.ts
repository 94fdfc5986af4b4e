/**
 * /tesseras/replicate/1.0.0 — the owner pushes one shard to one holder.
 *
 *   sender → ReplicateRequest{manifest, fragment, nonce, length}   (length-prefixed, bounded)
 *   sender → `length` raw shard bytes in frames of ≤ 256 KiB, with backpressure
 *   holder ← ReplicateAck{status, receipt}                          (length-prefixed, bounded)
 *
 * The holder checks the header (sizes; the fragment id agrees with the manifest; `length` is
 * the manifest's shard size) before reading any shard byte, hashes the bytes as they arrive
 * (BLAKE3, the end-to-end checksum = the fragment id's checksum) and only then hands the request
 * to the service, so a corrupted or truncated shard is never stored. Malformed, oversized or
 * late input is answered with a status where possible and the stream is reset (STYLE §7).
 * The sender reads the ack while it sends, so an early refusal stops the transfer.
 */
import type { AbortOptions, ReplicateAck, ReplicateRequest, ReplicateStatus } from '../../../core/index.js'
import { toHex } from '../../../core/index.js'
import { ProtocolError } from '../../errors.js'
import { DEFAULT_FRAME_BYTES, MAX_RECEIPT_NONCE_BYTES, MAX_SHARD_BYTES, MAX_SHARD_COUNT, MIN_RECEIPT_NONCE_BYTES } from '../constants.js'
import { FrameReader, frame, type WireStream } from '../framing.js'
import {
  checkBytes, decodeWith, equalBytes, fragmentIdFromWire, fragmentIdToWire, manifestFromWire, manifestToWire, readHashed,
  receiptFromWire, receiptToWire, requestSignal, runRequest, safeInt, type ManifestWire
} from '../wire.js'
import { ReplicateAck as ReplicateAckPb, ReplicateRequest as ReplicateRequestPb } from './pb/replicate.js'
import {
  DEFAULT_REPLICATE_TIMEOUT_MS, REPLICATE_HANDLER_TIMEOUT_MS, REPLICATE_HEADER_TIMEOUT_MS, REPLICATE_IDLE_TIMEOUT_MS,
  REPLICATE_MAX_ACK_BYTES, REPLICATE_MAX_HEADER_BYTES, REPLICATE_TRANSFER_TIMEOUT_MS
} from './constants.js'

const STATUSES = new Set<string>(Object.values(ReplicateAckPb.Status).filter((v): v is ReplicateAckPb.Status => typeof v === 'string'))

/** A decoded request header: everything but the shard bytes, which follow it. */
export type ReplicateHeader = Omit<ReplicateRequest, 'shard'> & { length: number }

/** Encodes a request header (without the length prefix). */
export function encodeReplicateHeader (header: ReplicateHeader): Uint8Array {
  return ReplicateRequestPb.encode({
    manifest: manifestToWire(header.manifest),
    fragment: fragmentIdToWire(header.fragment),
    nonce: header.nonce,
    length: BigInt(header.length)
  } as unknown as ReplicateRequestPb)
}

/**
 * Decodes and checks a request header. The `status` of the thrown error is what the holder
 * answers: `BAD_REQUEST` (malformed, oversized, inconsistent), `BAD_MANIFEST` (manifest shape),
 * `BAD_CHECKSUM` (the fragment's checksum is not the manifest's checksum for that index).
 * @throws ProtocolError
 */
export function decodeReplicateHeader (bytes: Uint8Array | Parameters<typeof ReplicateRequestPb.decode>[0]): ReplicateHeader {
  const pb = decodeWith('replicate request', () => ReplicateRequestPb.decode(bytes, { limits: { manifest: { shardChecksums: MAX_SHARD_COUNT } } }))
  const fragment = withStatus('BAD_REQUEST', () => fragmentIdFromWire(pb.fragment))
  const manifest = manifestFromWire(pb.manifest as ManifestWire | undefined)
  const nonce = withStatus('BAD_REQUEST', () => checkBytes(pb.nonce, 'nonce', MIN_RECEIPT_NONCE_BYTES, MAX_RECEIPT_NONCE_BYTES))
  const length = withStatus('BAD_REQUEST', () => safeInt(pb.length, 'length', 1, MAX_SHARD_BYTES))
  if (fragment.tesseraHashHex !== toHex(manifest.tesseraHash)) throw new ProtocolError('fragment: tessera hash differs from the manifest\'s', { status: 'BAD_REQUEST' })
  if (fragment.shardCount !== manifest.k + manifest.m) throw new ProtocolError(`fragment.shardCount: expected ${manifest.k + manifest.m}, got ${fragment.shardCount}`, { status: 'BAD_REQUEST' })
  if (length !== manifest.shardSize) throw new ProtocolError(`length: expected the manifest's shard size ${manifest.shardSize}, got ${length}`, { status: 'BAD_REQUEST' })
  if (fragment.checksumHex !== toHex(manifest.shardChecksums[fragment.index])) throw new ProtocolError(`fragment.checksum: differs from manifest.shardChecksums[${fragment.index}]`, { status: 'BAD_CHECKSUM' })
  return { manifest, fragment, nonce, length }
}

/** Encodes an ack (without the length prefix). */
export function encodeReplicateAck (ack: ReplicateAck): Uint8Array {
  return ReplicateAckPb.encode({
    status: ack.status,
    receipt: ack.status === 'OK' && ack.receipt != null ? receiptToWire(ack.receipt) : undefined
  } as unknown as ReplicateAckPb)
}

/** Decodes an ack; an OK ack must carry a well-formed receipt. @throws ProtocolError */
export function decodeReplicateAck (bytes: Uint8Array | Parameters<typeof ReplicateAckPb.decode>[0]): ReplicateAck {
  const pb = decodeWith('replicate ack', () => ReplicateAckPb.decode(bytes))
  const status = pb.status as ReplicateStatus
  if (status !== 'OK') return { status }
  return { status, receipt: receiptFromWire(pb.receipt) }
}

/** The holder's side of one request, as the peer network adapter supplies it. */
export type ReplicateCallback = (request: ReplicateRequest, options: AbortOptions) => Promise<ReplicateAck>

/** Counts inbound transfers buffered at once (over all peers): a bound on receiver memory. */
export interface TransferSlots {
  tryAcquire: () => boolean
  release: () => void
}

export interface HandleReplicateInit {
  /** Resolves the service's answer; `undefined` when none is installed (answered INTERNAL). */
  callback?: ReplicateCallback
  /** When absent, transfers are not limited beyond the per-connection stream limit. */
  slots?: TransferSlots
  /** Set when the stream came over a limited (relayed) connection: refused before any shard byte. */
  relayed?: boolean
  headerTimeoutMs?: number
  idleTimeoutMs?: number
  transferTimeoutMs?: number
  handlerTimeoutMs?: number
  /** Aborts in-flight work when the node stops. */
  shutdown?: AbortSignal
}

/** What an inbound request came to (for logs and tests). */
export interface ReplicateOutcome {
  /** The status answered, or `undefined` when none could be sent. */
  status?: ReplicateStatus
  /** Set when the stream was reset. */
  error?: Error
}

/**
 * Serves one inbound replicate stream. Never throws: every failure ends in a status (when the
 * peer can still hear it) and a stream reset.
 */
export async function handleReplicate (stream: WireStream, init: HandleReplicateInit = {}): Promise<ReplicateOutcome> {
  const reader = new FrameReader(stream)
  const transfer = requestSignal(undefined, init.transferTimeoutMs ?? REPLICATE_TRANSFER_TIMEOUT_MS, init.shutdown)
  let slot = false
  let answered: ReplicateStatus | undefined
  const answer = async (ack: ReplicateAck): Promise<void> => {
    answered = ack.status
    stream.send(frame(encodeReplicateAck(ack)))
    await stream.close({ signal: AbortSignal.timeout(init.headerTimeoutMs ?? REPLICATE_HEADER_TIMEOUT_MS) })
  }
  try {
    const headerSignal = AbortSignal.any([transfer, AbortSignal.timeout(init.headerTimeoutMs ?? REPLICATE_HEADER_TIMEOUT_MS)])
    const header = decodeReplicateHeader(await reader.readMessage(REPLICATE_MAX_HEADER_BYTES, { signal: headerSignal }))
    if (init.relayed === true) return await refuse(stream, answer, 'REFUSED_RELAYED', 'replicate over a relayed connection')
    if (init.callback == null) return await refuse(stream, answer, 'INTERNAL', 'no replicate handler installed')
    if (init.slots != null) {
      slot = init.slots.tryAcquire()
      if (!slot) return await refuse(stream, answer, 'INTERNAL', 'too many inbound transfers')
    }
    const { bytes, hash } = await readHashed(reader, header.length, { pieceBytes: DEFAULT_FRAME_BYTES, idleMs: init.idleTimeoutMs ?? REPLICATE_IDLE_TIMEOUT_MS, signal: transfer })
    // Verify received bytes against their content id before anything is stored (STYLE §7).
    if (!equalBytes(hash, header.manifest.shardChecksums[header.fragment.index])) {
      await answer({ status: 'BAD_CHECKSUM' })
      return { status: 'BAD_CHECKSUM' }
    }
    let ack: ReplicateAck
    try {
      const signal = AbortSignal.any([transfer, AbortSignal.timeout(init.handlerTimeoutMs ?? REPLICATE_HANDLER_TIMEOUT_MS)])
      ack = await init.callback({ manifest: header.manifest, fragment: header.fragment, nonce: header.nonce, shard: bytes }, { signal })
      if (!STATUSES.has(ack.status) || (ack.status === 'OK' && ack.receipt == null)) ack = { status: 'INTERNAL' }
    } catch {
      // The service promised not to throw; its text never reaches the peer (STYLE §4).
      ack = { status: 'INTERNAL' }
    }
    await answer(ack)
    return { status: ack.status }
  } catch (err) {
    const error = err instanceof Error ? err : new ProtocolError('replicate failed')
    const status = answered == null ? ((error as ProtocolError).status as ReplicateStatus | undefined) ?? 'BAD_REQUEST' : undefined
    if (status != null && !transfer.aborted) {
      try { stream.send(frame(encodeReplicateAck({ status }))) } catch { /* the stream is already gone */ }
    }
    stream.abort(error)
    return { status, error }
  } finally {
    if (slot) init.slots?.release()
  }
}

/** Answers an early refusal (no shard byte read), then resets the stream so the sender stops. */
async function refuse (stream: WireStream, answer: (ack: ReplicateAck) => Promise<void>, status: ReplicateStatus, reason: string): Promise<ReplicateOutcome> {
  const error = new ProtocolError(reason, { status })
  try { await answer({ status }) } finally { stream.abort(error) }
  return { status, error }
}

export interface SendReplicateOptions extends AbortOptions {
  /** Raw data frame size in bytes (default 64 KiB; WebRTC needs ≤ 256 KiB). */
  frameBytes?: number
  /** Ends the request when the node stops. */
  shutdown?: AbortSignal
}

/**
 * Pushes one shard over an open stream and waits for the holder's ack. The ack's receipt is
 * checked for shape and for naming this fragment and nonce; its signature is the service's.
 * @throws AbortError when `options.signal` fires; ProtocolError when the stream resets, the ack
 *   is malformed or late (DEFAULT_REPLICATE_TIMEOUT_MS without a signal)
 */
export async function sendReplicate (stream: WireStream, request: ReplicateRequest, options: SendReplicateOptions = {}): Promise<ReplicateAck> {
  const signal = requestSignal(options.signal, DEFAULT_REPLICATE_TIMEOUT_MS, options.shutdown)
  const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES
  const header = frame(encodeReplicateHeader({ manifest: request.manifest, fragment: request.fragment, nonce: request.nonce, length: request.shard.length }))
  return await runRequest(stream, 'replicate', [options.signal, options.shutdown], async () => {
    const reader = new FrameReader(stream)
    let acked = false
    const ack = reader.readMessage(REPLICATE_MAX_ACK_BYTES, { signal }).then(decodeReplicateAck)
    void ack.then(() => { acked = true }, () => {})
    const sending = (async () => {
      if (!stream.send(header)) await stream.onDrain({ signal })
      // An ack before the last byte is an early refusal: stop sending.
      for (let off = 0; off < request.shard.length && !acked; off += frameBytes) {
        signal.throwIfAborted()
        if (!stream.send(request.shard.subarray(off, off + frameBytes))) await stream.onDrain({ signal })
      }
    })()
    // If sending fails (the holder refused and reset the stream), its ack may still be readable.
    const sent = await sending.then(() => undefined, (err: unknown) => err)
    const result = await ack.catch((err: unknown) => { throw sent ?? err })
    checkReceipt(result, request)
    await stream.close({ signal }).catch(() => {})
    return result
  })
}

function checkReceipt (ack: ReplicateAck, request: ReplicateRequest): void {
  if (ack.receipt == null) return
  const r = ack.receipt.fragment
  const f = request.fragment
  if (r.tesseraHashHex !== f.tesseraHashHex || r.index !== f.index || r.shardCount !== f.shardCount || r.checksumHex !== f.checksumHex) {
    throw new ProtocolError('replicate ack: the receipt names another fragment')
  }
  if (!equalBytes(ack.receipt.nonce, request.nonce)) throw new ProtocolError('replicate ack: the receipt carries another nonce')
}

function withStatus<T> (status: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw new ProtocolError((err as Error).message, { cause: err, status })
  }
}
