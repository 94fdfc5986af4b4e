/**
 * Shared wire plumbing of the replicate, attest and fetch protocols: domain ↔ protobuf mapping
 * (manifest, fragment id, receipt) with every field bounded, signals with read timeouts, raw
 * framed transfers with backpressure and an incremental BLAKE3.
 *
 * [Note: Wire mapping] The protobuf messages carry bytes where the domain types carry hex
 * (`FragmentId.tesseraHashHex` ↔ `tessera_hash`, 32 bytes), and uint64 where the domain has
 * numbers (decoded as bigint and range-checked into safe integers). Decoders check shape and
 * bounds only, and throw {@link ProtocolError} for anything else; the service runs the
 * semantic checks (verifyManifest, verifyReceipt, validateChallenge), which need src/crypto.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createBLAKE3 } from 'hash-wasm'
import { toHex, fromHex, type FragmentId, type Manifest, type Receipt, type Tier } from '../../core/index.js'
import { AbortError } from '../../core/errors.js'
import { ProtocolError } from '../errors.js'
import {
  HASH_BYTES, MAX_ENCRYPTED_METADATA_BYTES, MAX_HOLDER_ID_BYTES, MAX_RECEIPT_NONCE_BYTES, MAX_SHARD_BYTES, MAX_SHARD_COUNT,
  MAX_WRAPPED_KEY_BYTES, MIN_RECEIPT_NONCE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES
} from './constants.js'
import type { FrameReader, WireStream } from './framing.js'

/** The protobuf shape of a fragment id (identical in every protocol's .proto). */
export interface FragmentIdWire {
  tesseraHash: Uint8Array
  index: number
  shardCount: number
  checksum: Uint8Array
}

/** The protobuf shape of a manifest (identical in replicate.proto and fetch.proto). */
export interface ManifestWire {
  formatVersion: number
  tesseraHash: Uint8Array
  size: bigint
  chunkSize: number
  tier: string
  k: number
  m: number
  shardSize: bigint
  shardChecksums: Uint8Array[]
  wrappedKey: Uint8Array
  encryptedMetadata: Uint8Array
  createdAt: bigint
  vaultPublicKey: Uint8Array
  signature: Uint8Array
}

/** The protobuf shape of a receipt. */
export interface ReceiptWire {
  fragment?: FragmentIdWire
  holderId: string
  storedAt: bigint
  nonce: Uint8Array
  signature: Uint8Array
}

const TIERS: Record<string, Tier> = { SMALL: 'small', MEDIUM: 'medium', LARGE: 'large' }
const TIER_NAMES: Record<Tier, string> = { small: 'SMALL', medium: 'MEDIUM', large: 'LARGE' }
const MAX_UINT32 = 0xffff_ffff

/** Fails a wire check with a ProtocolError naming the field. */
export function wireFail (message: string, status?: string): never {
  throw new ProtocolError(message, { status })
}

/** Checks a bytes field's length. */
export function checkBytes (value: Uint8Array | undefined, field: string, min: number, max = min, status?: string): Uint8Array {
  if (!(value instanceof Uint8Array)) return wireFail(`${field}: missing`, status)
  if (value.length < min || value.length > max) {
    wireFail(min === max ? `${field}: expected ${min} bytes, got ${value.length}` : `${field}: expected ${min}..${max} bytes, got ${value.length}`, status)
  }
  return value
}

/** A bigint from the wire as a safe integer in [min, max]. */
export function safeInt (value: bigint | number, field: string, min: number, max: number, status?: string): number {
  const n = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Infinity) : value
  if (!Number.isSafeInteger(n) || n < min || n > max) wireFail(`${field}: expected an integer ${min}..${max}, got ${String(value)}`, status)
  return n
}

/** Domain fragment id → protobuf. @throws RangeError/TypeError for a malformed id (a caller bug) */
export function fragmentIdToWire (id: FragmentId): FragmentIdWire {
  const tesseraHash = fromHex(id.tesseraHashHex)
  const checksum = fromHex(id.checksumHex)
  if (tesseraHash.length !== HASH_BYTES) throw new RangeError(`fragment.tesseraHashHex: expected ${HASH_BYTES} bytes, got ${tesseraHash.length}`)
  if (checksum.length !== HASH_BYTES) throw new RangeError(`fragment.checksumHex: expected ${HASH_BYTES} bytes, got ${checksum.length}`)
  return { tesseraHash, index: id.index, shardCount: id.shardCount, checksum }
}

/** Protobuf fragment id → domain. @throws ProtocolError */
export function fragmentIdFromWire (w: FragmentIdWire | undefined, field = 'fragment'): FragmentId {
  if (w == null) return wireFail(`${field}: missing`)
  checkBytes(w.tesseraHash, `${field}.tesseraHash`, HASH_BYTES)
  checkBytes(w.checksum, `${field}.checksum`, HASH_BYTES)
  const shardCount = safeInt(w.shardCount, `${field}.shardCount`, 1, MAX_SHARD_COUNT)
  const index = safeInt(w.index, `${field}.index`, 0, shardCount - 1)
  return { tesseraHashHex: toHex(w.tesseraHash), index, shardCount, checksumHex: toHex(w.checksum) }
}

/** Domain manifest → protobuf (no validation: the sender signed it; the receiver checks). */
export function manifestToWire (m: Manifest): ManifestWire {
  return {
    formatVersion: m.formatVersion,
    tesseraHash: m.tesseraHash,
    size: BigInt(m.size),
    chunkSize: m.chunkSize,
    tier: TIER_NAMES[m.tier] ?? 'TIER_UNSPECIFIED',
    k: m.k,
    m: m.m,
    shardSize: BigInt(m.shardSize),
    shardChecksums: m.shardChecksums,
    wrappedKey: m.wrappedKey,
    encryptedMetadata: m.encryptedMetadata,
    createdAt: BigInt(m.createdAt),
    vaultPublicKey: m.vaultPublicKey,
    signature: m.signature
  }
}

/**
 * Protobuf manifest → domain, bounded field by field. Shape only: the signature and the
 * tier/size consistency are the service's verifyManifest.
 * @throws ProtocolError with status `'BAD_MANIFEST'`
 */
export function manifestFromWire (w: ManifestWire | undefined): Manifest {
  const bad = 'BAD_MANIFEST'
  if (w == null) return wireFail('manifest: missing', bad)
  if (w.formatVersion !== 1) wireFail(`manifest.formatVersion: expected 1, got ${w.formatVersion}`, bad)
  const tier = TIERS[w.tier]
  if (tier == null) return wireFail(`manifest.tier: unknown ${String(w.tier)}`, bad)
  const k = safeInt(w.k, 'manifest.k', 1, MAX_SHARD_COUNT, bad)
  const m = safeInt(w.m, 'manifest.m', 0, MAX_SHARD_COUNT - k, bad)
  if (w.shardChecksums.length !== k + m) wireFail(`manifest.shardChecksums: expected ${k + m}, got ${w.shardChecksums.length}`, bad)
  w.shardChecksums.forEach((c, i) => checkBytes(c, `manifest.shardChecksums[${i}]`, HASH_BYTES, HASH_BYTES, bad))
  return {
    formatVersion: 1,
    tesseraHash: checkBytes(w.tesseraHash, 'manifest.tesseraHash', HASH_BYTES, HASH_BYTES, bad),
    size: safeInt(w.size, 'manifest.size', 1, Number.MAX_SAFE_INTEGER, bad),
    chunkSize: safeInt(w.chunkSize, 'manifest.chunkSize', 1, MAX_UINT32, bad),
    tier,
    k,
    m,
    shardSize: safeInt(w.shardSize, 'manifest.shardSize', 1, MAX_SHARD_BYTES, bad),
    shardChecksums: w.shardChecksums,
    wrappedKey: checkBytes(w.wrappedKey, 'manifest.wrappedKey', 1, MAX_WRAPPED_KEY_BYTES, bad),
    encryptedMetadata: checkBytes(w.encryptedMetadata, 'manifest.encryptedMetadata', 1, MAX_ENCRYPTED_METADATA_BYTES, bad),
    createdAt: safeInt(w.createdAt, 'manifest.createdAt', 0, Number.MAX_SAFE_INTEGER, bad),
    vaultPublicKey: checkBytes(w.vaultPublicKey, 'manifest.vaultPublicKey', PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES, bad),
    signature: checkBytes(w.signature, 'manifest.signature', SIGNATURE_BYTES, SIGNATURE_BYTES, bad)
  }
}

/** Domain receipt → protobuf. */
export function receiptToWire (r: Receipt): ReceiptWire {
  return { fragment: fragmentIdToWire(r.fragment), holderId: r.holderId, storedAt: BigInt(r.storedAt), nonce: r.nonce, signature: r.signature }
}

/** Protobuf receipt → domain, bounded. The signature is checked by the service (verifyReceipt). @throws ProtocolError */
export function receiptFromWire (w: ReceiptWire | undefined): Receipt {
  if (w == null) return wireFail('receipt: missing')
  const holderBytes = new TextEncoder().encode(w.holderId).length
  if (holderBytes === 0 || holderBytes > MAX_HOLDER_ID_BYTES) wireFail(`receipt.holderId: expected 1..${MAX_HOLDER_ID_BYTES} bytes, got ${holderBytes}`)
  return {
    fragment: fragmentIdFromWire(w.fragment, 'receipt.fragment'),
    holderId: w.holderId,
    storedAt: safeInt(w.storedAt, 'receipt.storedAt', 0, Number.MAX_SAFE_INTEGER),
    nonce: checkBytes(w.nonce, 'receipt.nonce', MIN_RECEIPT_NONCE_BYTES, MAX_RECEIPT_NONCE_BYTES),
    signature: checkBytes(w.signature, 'receipt.signature', SIGNATURE_BYTES)
  }
}

/** Runs a protons decoder, turning any failure (truncation, bad wire type, invalid enum, limits) into a ProtocolError. */
export function decodeWith<T> (what: string, decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    throw new ProtocolError(`${what}: malformed protobuf`, { cause: err })
  }
}

/** `a` and `b` hold the same bytes (constant time in the length). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

/** Incremental BLAKE3-256: hash-wasm (WebAssembly) when it loads, @noble/hashes otherwise. */
export interface StreamHasher {
  update: (bytes: Uint8Array) => void
  digest: () => Uint8Array
}

/** A fresh incremental BLAKE3-256 hasher (the end-to-end checksum of shard transfers). */
export async function createStreamHasher (): Promise<StreamHasher> {
  try {
    const h = await createBLAKE3(256)
    h.init()
    return { update: (b) => { h.update(b) }, digest: () => h.digest('binary') }
  } catch {
    // WebAssembly unavailable (CSP without 'wasm-unsafe-eval'): the pure-JS hash is slower but identical.
    const h = nobleBlake3.create({})
    return { update: (b) => { h.update(b) }, digest: () => h.digest() }
  }
}

/**
 * The signal of one wire request: the caller's, or `AbortSignal.timeout(defaultMs)` when the
 * caller gave none (STYLE §5), merged with an optional shutdown signal.
 */
export function requestSignal (signal: AbortSignal | undefined, defaultMs: number, shutdown?: AbortSignal): AbortSignal {
  const base = signal ?? AbortSignal.timeout(defaultMs)
  return shutdown == null ? base : AbortSignal.any([base, shutdown])
}

/**
 * Runs one outbound request; on failure aborts the stream and translates the error: the
 * caller's own abort (its signal, or the node's shutdown) becomes {@link AbortError}; everything else (reset, timeout, malformed
 * answer) a {@link ProtocolError} unless it already is a typed error of ours.
 */
export async function runRequest<T> (stream: WireStream, what: string, callerSignals: Array<AbortSignal | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new ProtocolError(`${what} failed`))
    if (callerSignals.some(s => s?.aborted === true)) throw new AbortError(`${what}: aborted`)
    const name = err instanceof Error ? err.name : ''
    if (name === 'ProtocolError' || name === 'ChecksumMismatchError' || name === 'PeerRefusedError') throw err
    throw new ProtocolError(`${what}: ${name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : 'stream failed'}`, { cause: err })
  }
}

/**
 * Reads exactly `length` raw bytes into one buffer, hashing them on the way. Each piece of at
 * most `pieceBytes` must arrive within `idleMs` (a read timeout that a slow but live link
 * passes), and the whole read ends when `signal` fires.
 * @returns the bytes and their BLAKE3
 * @throws ProtocolError when the stream ends early, goes quiet, or `signal` fires
 */
export async function readHashed (reader: FrameReader, length: number, init: { pieceBytes: number, idleMs: number, signal: AbortSignal }): Promise<{ bytes: Uint8Array, hash: Uint8Array }> {
  const bytes = new Uint8Array(length)
  const hasher = await createStreamHasher()
  let at = 0
  while (at < length) {
    const piece = Math.min(init.pieceBytes, length - at)
    const signal = AbortSignal.any([init.signal, AbortSignal.timeout(init.idleMs)])
    for await (const chunk of reader.readBytes(piece, { signal })) {
      bytes.set(chunk, at)
      hasher.update(chunk)
      at += chunk.length
    }
  }
  return { bytes, hash: hasher.digest() }
}

/**
 * Writes `data` in frames of `frameBytes`, waiting for the stream to drain whenever its buffer
 * is full (backpressure), so memory stays bounded whatever the link speed.
 */
export async function sendFramed (stream: WireStream, data: Uint8Array, frameBytes: number, signal: AbortSignal): Promise<void> {
  for (let off = 0; off < data.length; off += frameBytes) {
    signal.throwIfAborted()
    if (!stream.send(data.subarray(off, Math.min(off + frameBytes, data.length)))) await stream.onDrain({ signal })
  }
}
