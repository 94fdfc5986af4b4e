/**
 * /tesseras/fetch/1.0.0 — manifests and shards on request.
 *
 *   requester → FetchRequest{kind, tessera_hash | fragment | vault_id}   (length-prefixed, ≤ 256 B)
 *   holder    ← FetchResponse{status, manifest | length | manifests + held}  (length-prefixed, bounded)
 *   holder    ← for a shard: `length` raw bytes in frames of ≤ 256 KiB, with backpressure
 *
 * Kind `list` ([Note: Finding a vault]): the holder answers OK with the signed manifests it
 * holds of the vault (possibly none), at most FETCH_MAX_LISTED_MANIFESTS and
 * FETCH_MAX_LIST_RESPONSE_BYTES in all, newest first; the answer is sent in frames with
 * backpressure like shard data. Each manifest is checked for shape only; whether it belongs to
 * the vault (public key hash, signature) is the caller's check. With them, the holder may say
 * which shard indices of each it holds (`held`): advice that spares a recovering device probing
 * for indices the holder lacks; every shard fetched is still checked.
 *
 * The requester checks a shard's BLAKE3 against the fragment id it asked for (end-to-end
 * checksum; a mismatch is ChecksumMismatchError, so the caller can score the peer down) and
 * that a manifest is the one asked for; the signature is the caller's (verifyManifest).
 */
import type { AbortOptions, FragmentId, Manifest, ManifestListing } from '../../../core/index.js'
import { fromHex, toHex } from '../../../core/index.js'
import { ChecksumMismatchError, PeerRefusedError, ProtocolError } from '../../errors.js'
import { DEFAULT_FRAME_BYTES, HASH_BYTES, MAX_SHARD_BYTES, MAX_SHARD_COUNT } from '../constants.js'
import { FrameReader, frame, type WireStream } from '../framing.js'
import {
  checkBytes, decodeWith, fragmentIdFromWire, fragmentIdToWire, manifestFromWire, manifestToWire, readHashed, requestSignal,
  runRequest, safeInt, sendFramed, wireFail, type ManifestWire
} from '../wire.js'
import { FetchRequest as FetchRequestPb, FetchResponse as FetchResponsePb } from './pb/fetch.js'
import {
  DEFAULT_FETCH_LIST_TIMEOUT_MS, DEFAULT_FETCH_MANIFEST_TIMEOUT_MS, DEFAULT_FETCH_SHARD_TIMEOUT_MS, FETCH_HANDLER_TIMEOUT_MS,
  FETCH_IDLE_TIMEOUT_MS, FETCH_MAX_LIST_RESPONSE_BYTES, FETCH_MAX_LISTED_MANIFESTS, FETCH_MAX_REQUEST_BYTES,
  FETCH_MAX_RESPONSE_BYTES, FETCH_READ_TIMEOUT_MS, FETCH_SEND_TIMEOUT_MS
} from './constants.js'

/** What a requester asks for. */
export type FetchQuery =
  | { kind: 'manifest', tesseraHashHex: string }
  | { kind: 'shard', fragment: FragmentId }
  | { kind: 'list', vaultIdHex: string }

/** Status of a fetch answer; `'OK'` is the protobuf default 0. */
export type FetchStatus = 'OK' | 'NOT_FOUND' | 'BAD_REQUEST' | 'BUSY' | 'INTERNAL'

/** A decoded response header. */
export interface FetchAnswer {
  status: FetchStatus
  /** Manifest queries with status OK. */
  manifest?: Manifest
  /** Shard queries with status OK: raw bytes that follow. */
  length?: number
  /** List queries with status OK: the vault's manifests the holder has (possibly none). */
  manifests?: Manifest[]
  /** List queries with status OK: the shard indices the holder has of listed manifests, by tessera hash hex (where it said). */
  held?: ReadonlyMap<string, readonly number[]>
}

/** Encodes a request (without the length prefix). @throws RangeError for a malformed hash or id */
export function encodeFetchRequest (query: FetchQuery): Uint8Array {
  if (query.kind === 'manifest') {
    const tesseraHash = fromHex(query.tesseraHashHex)
    if (tesseraHash.length !== HASH_BYTES) throw new RangeError(`tesseraHashHex: expected ${HASH_BYTES} bytes, got ${tesseraHash.length}`)
    return FetchRequestPb.encode({ kind: FetchRequestPb.Kind.MANIFEST, tesseraHash } as unknown as FetchRequestPb)
  }
  if (query.kind === 'list') {
    const vaultId = fromHex(query.vaultIdHex)
    if (vaultId.length !== HASH_BYTES) throw new RangeError(`vaultIdHex: expected ${HASH_BYTES} bytes, got ${vaultId.length}`)
    return FetchRequestPb.encode({ kind: FetchRequestPb.Kind.LIST, vaultId } as unknown as FetchRequestPb)
  }
  return FetchRequestPb.encode({ kind: FetchRequestPb.Kind.SHARD, fragment: fragmentIdToWire(query.fragment) } as unknown as FetchRequestPb)
}

/** Decodes a request. @throws ProtocolError */
export function decodeFetchRequest (bytes: Uint8Array | Parameters<typeof FetchRequestPb.decode>[0]): FetchQuery {
  const pb = decodeWith('fetch request', () => FetchRequestPb.decode(bytes))
  if (pb.kind === FetchRequestPb.Kind.MANIFEST) return { kind: 'manifest', tesseraHashHex: toHex(checkBytes(pb.tesseraHash, 'tesseraHash', HASH_BYTES)) }
  if (pb.kind === FetchRequestPb.Kind.SHARD) return { kind: 'shard', fragment: fragmentIdFromWire(pb.fragment) }
  if (pb.kind === FetchRequestPb.Kind.LIST) return { kind: 'list', vaultIdHex: toHex(checkBytes(pb.vaultId, 'vaultId', HASH_BYTES)) }
  return wireFail(`kind: unsupported ${String(pb.kind)}`)
}

/** Encodes a response header (without the length prefix). */
export function encodeFetchResponse (answer: FetchAnswer): Uint8Array {
  return FetchResponsePb.encode({
    status: answer.status,
    manifest: answer.manifest != null ? manifestToWire(answer.manifest) : undefined,
    length: answer.length != null ? BigInt(answer.length) : undefined,
    manifests: (answer.manifests ?? []).map(manifestToWire),
    held: [...(answer.held ?? [])].map(([hashHex, indices]) => ({ tesseraHash: fromHex(hashHex), indices: [...indices] }))
  } as unknown as FetchResponsePb)
}

/**
 * The `held` entries of a list answer, checked: each names a listed manifest once (else
 * ProtocolError), with distinct indices below its shard count. Entries are advice only: the
 * caller still verifies every shard it fetches.
 */
function heldFromWire (held: FetchResponsePb['held'], manifests: Manifest[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  const listed = new Map(manifests.map(m => [toHex(m.tesseraHash), m]))
  for (const entry of held) {
    const hashHex = toHex(checkBytes(entry.tesseraHash, 'held.tesseraHash', HASH_BYTES))
    const manifest = listed.get(hashHex)
    if (manifest === undefined) wireFail(`held: tessera ${hashHex.slice(0, 16)}… is not among the listed manifests`)
    if (out.has(hashHex)) wireFail(`held: tessera ${hashHex.slice(0, 16)}… appears twice`)
    const n = manifest.k + manifest.m
    if (entry.indices.some(i => i >= n) || new Set(entry.indices).size !== entry.indices.length) wireFail(`held: indices of ${hashHex.slice(0, 16)}… must be distinct and below ${n}`)
    out.set(hashHex, [...entry.indices])
  }
  return out
}

/**
 * Decodes a response header for a query of `kind`: an OK manifest answer must carry a
 * well-formed manifest, an OK shard answer a length of 1..MAX_SHARD_BYTES, an OK list answer
 * at most FETCH_MAX_LISTED_MANIFESTS well-formed manifests.
 * @throws ProtocolError
 */
export function decodeFetchResponse (bytes: Uint8Array | Parameters<typeof FetchResponsePb.decode>[0], kind: FetchQuery['kind']): FetchAnswer {
  const pb = decodeWith('fetch response', () => FetchResponsePb.decode(bytes, {
    limits: {
      manifest: { shardChecksums: MAX_SHARD_COUNT },
      manifests: FETCH_MAX_LISTED_MANIFESTS,
      manifests$: { shardChecksums: MAX_SHARD_COUNT },
      held: FETCH_MAX_LISTED_MANIFESTS,
      held$: { indices: MAX_SHARD_COUNT }
    }
  }))
  const status = pb.status as FetchStatus
  if (status !== 'OK') return { status }
  if (kind === 'manifest') return { status, manifest: manifestFromWire(pb.manifest as ManifestWire | undefined) }
  if (kind === 'list') {
    const manifests = pb.manifests.map(m => manifestFromWire(m as unknown as ManifestWire))
    return { status, manifests, ...(pb.held.length > 0 ? { held: heldFromWire(pb.held, manifests) } : {}) }
  }
  return { status, length: safeInt(pb.length, 'length', 1, MAX_SHARD_BYTES) }
}

/**
 * The list answer that fits the wire limits: the first FETCH_MAX_LISTED_MANIFESTS manifests
 * (the holder orders them newest first), cut where the encoded answer would exceed
 * `maxBytes`. Encodes once.
 * @returns the encoded response (without the length prefix) and how many manifests it carries
 */
export function encodeListAnswer (manifests: ManifestListing, maxBytes = FETCH_MAX_LIST_RESPONSE_BYTES): { bytes: Uint8Array, count: number } {
  const kept: Manifest[] = []
  const held = new Map<string, readonly number[]>()
  // Each entry costs its encoded manifest and held indices, plus tags and length varints (≤ 2 × (1 + 5) bytes).
  let total = 0
  for (const m of manifests.slice(0, FETCH_MAX_LISTED_MANIFESTS)) {
    const hashHex = toHex(m.tesseraHash)
    const indices = manifests.held?.get(hashHex)
    const one = indices !== undefined && indices.length > 0 ? new Map([[hashHex, indices]]) : undefined
    const size = encodeFetchResponse({ status: 'OK', manifests: [m], ...(one !== undefined ? { held: one } : {}) }).length
    if (total + size > maxBytes) break
    total += size
    kept.push(m)
    if (one !== undefined) held.set(hashHex, [...new Set(indices)])
  }
  return { bytes: encodeFetchResponse({ status: 'OK', manifests: kept, held }), count: kept.length }
}

/** The holder's side, as the peer network adapter supplies it. */
export interface FetchCallbacks {
  manifest: (tesseraHashHex: string, options: AbortOptions) => Promise<Manifest | undefined>
  shard: (id: FragmentId, options: AbortOptions) => Promise<Uint8Array | undefined>
  /** The vault's manifests, newest first. Absent: list queries are answered INTERNAL. */
  list?: (vaultIdHex: string, options: AbortOptions) => Promise<ManifestListing>
}

export interface HandleFetchInit {
  /** `undefined` when no service is installed: answered INTERNAL. */
  callbacks?: FetchCallbacks
  readTimeoutMs?: number
  handlerTimeoutMs?: number
  sendTimeoutMs?: number
  frameBytes?: number
  shutdown?: AbortSignal
}

/** Serves one inbound fetch stream. Never throws. @returns the status answered and the reset error, if any */
export async function handleFetch (stream: WireStream, init: HandleFetchInit = {}): Promise<{ status?: FetchStatus, error?: Error }> {
  const readTimeout = init.readTimeoutMs ?? FETCH_READ_TIMEOUT_MS
  let answered = false
  const answer = (a: FetchAnswer): void => { answered = true; stream.send(frame(encodeFetchResponse(a))) }
  try {
    const query = decodeFetchRequest(await new FrameReader(stream).readMessage(FETCH_MAX_REQUEST_BYTES, { signal: requestSignal(undefined, readTimeout, init.shutdown) }))
    const signal = requestSignal(undefined, init.handlerTimeoutMs ?? FETCH_HANDLER_TIMEOUT_MS, init.shutdown)
    let result: FetchAnswer
    let shard: Uint8Array | undefined
    let listed: Uint8Array | undefined
    if (init.callbacks == null) {
      result = { status: 'INTERNAL' }
    } else {
      try {
        if (query.kind === 'list') {
          if (init.callbacks.list == null) {
            result = { status: 'INTERNAL' }
          } else {
            listed = encodeListAnswer(await init.callbacks.list(query.vaultIdHex, { signal })).bytes
            result = { status: 'OK' }
          }
        } else if (query.kind === 'manifest') {
          const manifest = await init.callbacks.manifest(query.tesseraHashHex, { signal })
          result = manifest == null ? { status: 'NOT_FOUND' } : { status: 'OK', manifest }
        } else {
          shard = await init.callbacks.shard(query.fragment, { signal })
          result = shard == null ? { status: 'NOT_FOUND' } : shard.length === 0 || shard.length > MAX_SHARD_BYTES ? { status: 'INTERNAL' } : { status: 'OK', length: shard.length }
        }
        if (result.manifest != null && encodeFetchResponse(result).length > FETCH_MAX_RESPONSE_BYTES) result = { status: 'INTERNAL' }
      } catch {
        result = { status: 'INTERNAL' }
      }
    }
    const sendSignal = requestSignal(undefined, init.sendTimeoutMs ?? FETCH_SEND_TIMEOUT_MS, init.shutdown)
    if (listed != null && result.status === 'OK') {
      // Up to 4 MiB: framed with backpressure (WebRTC messages must stay ≤ 256 KiB).
      answered = true
      await sendFramed(stream, frame(listed), init.frameBytes ?? DEFAULT_FRAME_BYTES, sendSignal)
    } else {
      answer(result)
    }
    if (result.status === 'OK' && shard != null) await sendFramed(stream, shard, init.frameBytes ?? DEFAULT_FRAME_BYTES, sendSignal)
    await stream.close({ signal: sendSignal })
    return { status: result.status }
  } catch (err) {
    const error = err instanceof Error ? err : new ProtocolError('fetch failed')
    if (!answered) {
      try { stream.send(frame(encodeFetchResponse({ status: 'BAD_REQUEST' }))) } catch { /* the stream is already gone */ }
    }
    stream.abort(error)
    return { status: answered ? undefined : 'BAD_REQUEST', error }
  }
}

/**
 * Asks for the signed manifest of a tessera over an open stream.
 * @returns undefined when the peer holds none
 * @throws AbortError; ProtocolError (reset, malformed, late, or another tessera's manifest);
 *   PeerRefusedError for BUSY, BAD_REQUEST or INTERNAL
 */
export async function sendFetchManifest (stream: WireStream, tesseraHashHex: string, options: AbortOptions & { shutdown?: AbortSignal } = {}): Promise<Manifest | undefined> {
  const signal = requestSignal(options.signal, DEFAULT_FETCH_MANIFEST_TIMEOUT_MS, options.shutdown)
  const request = frame(encodeFetchRequest({ kind: 'manifest', tesseraHashHex }))
  return await runRequest(stream, 'fetch manifest', [options.signal, options.shutdown], async () => {
    if (!stream.send(request)) await stream.onDrain({ signal })
    const answer = decodeFetchResponse(await new FrameReader(stream).readMessage(FETCH_MAX_RESPONSE_BYTES, { signal }), 'manifest')
    await stream.close({ signal }).catch(() => {})
    if (answer.status === 'NOT_FOUND') return undefined
    if (answer.status !== 'OK' || answer.manifest == null) throw new PeerRefusedError(`fetch manifest: peer answered ${answer.status}`, answer.status)
    if (toHex(answer.manifest.tesseraHash) !== tesseraHashHex.toLowerCase()) throw new ProtocolError('fetch manifest: the peer sent another tessera\'s manifest')
    return answer.manifest
  })
}

/**
 * Asks for the signed manifests the peer holds of a vault, over an open stream.
 * @returns the manifests (possibly none; NOT_FOUND also means none), shape-checked only: the
 *   caller verifies each one against the vault id ([Note: Finding a vault])
 * @throws RangeError for a malformed `vaultIdHex`; AbortError; ProtocolError (reset, malformed,
 *   oversized, late); PeerRefusedError for BUSY, BAD_REQUEST or INTERNAL
 */
export async function sendFetchList (stream: WireStream, vaultIdHex: string, options: AbortOptions & { shutdown?: AbortSignal } = {}): Promise<ManifestListing> {
  const request = frame(encodeFetchRequest({ kind: 'list', vaultIdHex }))
  const signal = requestSignal(options.signal, DEFAULT_FETCH_LIST_TIMEOUT_MS, options.shutdown)
  return await runRequest(stream, 'fetch list', [options.signal, options.shutdown], async () => {
    if (!stream.send(request)) await stream.onDrain({ signal })
    const answer = decodeFetchResponse(await new FrameReader(stream).readMessage(FETCH_MAX_LIST_RESPONSE_BYTES, { signal }), 'list')
    await stream.close({ signal }).catch(() => {})
    if (answer.status === 'NOT_FOUND') return []
    if (answer.status !== 'OK' || answer.manifests == null) throw new PeerRefusedError(`fetch list: peer answered ${answer.status}`, answer.status)
    const listing: ManifestListing = answer.manifests
    return answer.held !== undefined ? Object.assign(listing, { held: answer.held }) : listing
  })
}

/**
 * Fetches one shard over an open stream, checking its BLAKE3 against `id.checksumHex`.
 * @returns undefined when the peer does not hold it
 * @throws AbortError; ProtocolError (reset, truncated, malformed, late); ChecksumMismatchError;
 *   PeerRefusedError for BUSY, BAD_REQUEST or INTERNAL
 */
export async function sendFetchShard (stream: WireStream, id: FragmentId, options: AbortOptions & { shutdown?: AbortSignal, idleTimeoutMs?: number } = {}): Promise<Uint8Array | undefined> {
  const signal = requestSignal(options.signal, DEFAULT_FETCH_SHARD_TIMEOUT_MS, options.shutdown)
  const request = frame(encodeFetchRequest({ kind: 'shard', fragment: id }))
  return await runRequest(stream, 'fetch shard', [options.signal, options.shutdown], async () => {
    if (!stream.send(request)) await stream.onDrain({ signal })
    const reader = new FrameReader(stream)
    const answer = decodeFetchResponse(await reader.readMessage(FETCH_MAX_RESPONSE_BYTES, { signal }), 'shard')
    if (answer.status === 'NOT_FOUND') { await stream.close({ signal }).catch(() => {}); return undefined }
    if (answer.status !== 'OK' || answer.length == null) throw new PeerRefusedError(`fetch shard: peer answered ${answer.status}`, answer.status)
    const { bytes, hash } = await readHashed(reader, answer.length, { pieceBytes: DEFAULT_FRAME_BYTES, idleMs: options.idleTimeoutMs ?? FETCH_IDLE_TIMEOUT_MS, signal })
    if (toHex(hash) !== id.checksumHex.toLowerCase()) throw new ChecksumMismatchError(`fetch shard: bytes do not hash to ${id.checksumHex}`)
    await stream.close({ signal }).catch(() => {})
    return bytes
  })
}
