/**
 * Manifest signing and verification. ../shared/DESIGN.md "A tessera on disk and on the wire" §6.
 *
 * [Note: Manifest signing format] (version 1) — independent of any wire or storage encoding
 * (protobuf, IndexedDB, JSON): the Ed25519 signature (RFC 8032, strict, not ZIP-215) is over
 *
 *     "tesseras/v1/manifest\n"                     (21 ASCII bytes, domain separation)
 *     formatVersion        u32 BE
 *     tesseraHash          u32 BE length ‖ 32 bytes
 *     size                 u64 BE
 *     chunkSize            u32 BE
 *     tier                 u32 BE length ‖ UTF-8 ("small" | "medium" | "large")
 *     k                    u32 BE
 *     m                    u32 BE
 *     shardSize            u64 BE
 *     shardChecksums       u32 BE count (= k + m), then each: u32 BE length ‖ 32 bytes
 *     wrappedKey           u32 BE length ‖ bytes
 *     encryptedMetadata    u32 BE length ‖ bytes
 *     createdAt            u64 BE (ms since epoch)
 *     vaultPublicKey       u32 BE length ‖ 32 bytes
 *
 * Every field is length-prefixed or fixed-size, so no two manifests share an encoding.
 * Changing this layout needs a new formatVersion and domain label.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { MAX_CONTAINER_HEADER_JSON_BYTES } from '../core/container.js'
import { equalBytes, fromHex, utf8Encode } from '../core/hex.js'
import { AEAD_TAG_BYTES, MAX_PAYLOAD_BYTES, planFragments } from '../core/plan.js'
import type { Manifest, Tier, UnsignedManifest } from '../core/types.js'
import { SMALL_NONCE_BYTES, WRAPPED_KEY_BYTES } from './aead.js'
import { ManifestFormatError, ManifestSignatureError } from './errors.js'
import { HASH_BYTES } from './hash.js'
import { vaultIdFromPublicKey } from './keys.js'
import { MAX_CHUNK_BYTES, payloadChunkCount } from './payload.js'

/** Domain label opening the signed encoding of every version-1 manifest. */
export const MANIFEST_DOMAIN = 'tesseras/v1/manifest\n'
/** The only manifest format version this code reads and writes. */
export const MANIFEST_FORMAT_VERSION = 1
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64
/** Bytes of an Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32
/** Largest `encryptedMetadata` accepted: a maximal container header as an index, sealed. */
export const MAX_ENCRYPTED_METADATA_BYTES = MAX_CONTAINER_HEADER_JSON_BYTES + 1024 + SMALL_NONCE_BYTES + AEAD_TAG_BYTES

const DOMAIN_BYTES = utf8Encode(MANIFEST_DOMAIN)
const UNSIGNED_FIELDS = ['formatVersion', 'tesseraHash', 'size', 'chunkSize', 'tier', 'k', 'm', 'shardSize',
  'shardChecksums', 'wrappedKey', 'encryptedMetadata', 'createdAt', 'vaultPublicKey'] as const

function fail (message: string): never {
  throw new ManifestFormatError(`manifest: ${message}`)
}

function bytesField (v: Record<string, unknown>, key: string, length?: number): Uint8Array {
  const x = v[key]
  if (!(x instanceof Uint8Array)) return fail(`${key}: expected Uint8Array, got ${x === null ? 'null' : typeof x}`)
  if (length !== undefined && x.length !== length) fail(`${key}: expected ${length} bytes, got ${x.length}`)
  return x
}

function intField (v: Record<string, unknown>, key: string, min: number, max: number): number {
  const x = v[key]
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) {
    return fail(`${key}: expected an integer ${min}..${max}, got ${typeof x === 'number' ? x : typeof x}`)
  }
  return x
}

/** Validates every field of an unsigned manifest and returns a clean copy (no extra keys). */
function checkUnsigned (value: unknown): UnsignedManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected an object')
  const v = value as Record<string, unknown>
  if (v.formatVersion !== MANIFEST_FORMAT_VERSION) fail(`formatVersion: expected ${MANIFEST_FORMAT_VERSION}, got ${String(v.formatVersion)}`)
  const tesseraHash = bytesField(v, 'tesseraHash', HASH_BYTES)
  const size = intField(v, 'size', 1, MAX_PAYLOAD_BYTES)
  const chunkSize = intField(v, 'chunkSize', 1, MAX_CHUNK_BYTES)
  try {
    payloadChunkCount(size, chunkSize)
  } catch (err) {
    throw new ManifestFormatError(`manifest: size ${size} is not a payload size for chunkSize ${chunkSize}`, { cause: err })
  }
  const plan = planFragments(size)
  if (v.tier !== plan.tier) fail(`tier: expected "${plan.tier}" for size ${size}, got ${String(v.tier)}`)
  const k = intField(v, 'k', plan.k, plan.k)
  const m = intField(v, 'm', plan.m, plan.m)
  const shardSize = intField(v, 'shardSize', plan.shardSize, plan.shardSize)
  const checksums = v.shardChecksums
  if (!Array.isArray(checksums)) return fail('shardChecksums: expected an array')
  if (checksums.length !== k + m) fail(`shardChecksums: expected ${k + m}, got ${checksums.length}`)
  const shardChecksums = checksums.map((c: unknown, i) => {
    if (!(c instanceof Uint8Array) || c.length !== HASH_BYTES) fail(`shardChecksums[${i}]: expected ${HASH_BYTES} bytes`)
    return c as Uint8Array
  })
  // A Small tessera's one shard is the whole payload, unpadded: its checksum is the tessera hash.
  if (plan.tier === 'small' && !equalBytes(shardChecksums[0], tesseraHash)) {
    fail('shardChecksums[0]: a small tessera\'s only shard must hash to tesseraHash')
  }
  const wrappedKey = bytesField(v, 'wrappedKey', WRAPPED_KEY_BYTES)
  const encryptedMetadata = bytesField(v, 'encryptedMetadata')
  if (encryptedMetadata.length < SMALL_NONCE_BYTES + AEAD_TAG_BYTES || encryptedMetadata.length > MAX_ENCRYPTED_METADATA_BYTES) {
    fail(`encryptedMetadata: expected ${SMALL_NONCE_BYTES + AEAD_TAG_BYTES}..${MAX_ENCRYPTED_METADATA_BYTES} bytes, got ${encryptedMetadata.length}`)
  }
  const createdAt = intField(v, 'createdAt', 0, Number.MAX_SAFE_INTEGER)
  const vaultPublicKey = bytesField(v, 'vaultPublicKey', PUBLIC_KEY_BYTES)
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    tesseraHash,
    size,
    chunkSize,
    tier: plan.tier satisfies Tier,
    k,
    m,
    shardSize,
    shardChecksums,
    wrappedKey,
    encryptedMetadata,
    createdAt,
    vaultPublicKey
  }
}

function checkManifest (value: unknown): Manifest {
  const unsigned = checkUnsigned(value)
  const signature = bytesField(value as Record<string, unknown>, 'signature', SIGNATURE_BYTES)
  return { ...unsigned, signature }
}

/** Serialises a validated unsigned manifest ([Note: Manifest signing format]). */
function encode (u: UnsignedManifest): Uint8Array {
  const tier = utf8Encode(u.tier)
  const blobs = [u.tesseraHash, tier, ...u.shardChecksums, u.wrappedKey, u.encryptedMetadata, u.vaultPublicKey]
  const length = DOMAIN_BYTES.length + 4 + 8 + 4 + 4 + 4 + 8 + 4 + 8 + blobs.reduce((sum, b) => sum + 4 + b.length, 0)
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  out.set(DOMAIN_BYTES, 0)
  let o = DOMAIN_BYTES.length
  const u32 = (n: number): void => { view.setUint32(o, n, false); o += 4 }
  const u64 = (n: number): void => { view.setBigUint64(o, BigInt(n), false); o += 8 }
  const bytes = (b: Uint8Array): void => { u32(b.length); out.set(b, o); o += b.length }
  u32(u.formatVersion)
  bytes(u.tesseraHash)
  u64(u.size)
  u32(u.chunkSize)
  bytes(tier)
  u32(u.k)
  u32(u.m)
  u64(u.shardSize)
  u32(u.shardChecksums.length)
  for (const c of u.shardChecksums) bytes(c)
  bytes(u.wrappedKey)
  bytes(u.encryptedMetadata)
  u64(u.createdAt)
  bytes(u.vaultPublicKey)
  if (o !== out.length) throw new Error('manifest encoding: length mismatch') // unreachable
  return out
}

/**
 * The canonical bytes a manifest signature covers ([Note: Manifest signing format]).
 * A `signature` field on the input, if present, is ignored.
 * @throws ManifestFormatError when a field is missing, mistyped, the wrong length, or
 *   inconsistent (tier, k, m, shardSize must equal planFragments(size); …)
 */
export function encodeManifestForSigning (unsigned: UnsignedManifest): Uint8Array {
  return encode(checkUnsigned(unsigned))
}

/**
 * Signs a manifest with the vault signing key.
 * @param signingSecretKey - the 32-byte Ed25519 seed from deriveVaultKeys
 * @example const manifest = signManifest({ formatVersion: 1, …, vaultPublicKey: keys.signingPublicKey }, keys.signingSecretKey)
 * @throws ManifestFormatError when `unsigned` is malformed
 * @throws RangeError when the key is not 32 bytes or is not the key of `unsigned.vaultPublicKey`
 */
export function signManifest (unsigned: UnsignedManifest, signingSecretKey: Uint8Array): Manifest {
  const clean = checkUnsigned(unsigned)
  if (!(signingSecretKey instanceof Uint8Array)) throw new TypeError('signingSecretKey: expected Uint8Array')
  if (signingSecretKey.length !== 32) throw new RangeError(`signingSecretKey: expected 32 bytes, got ${signingSecretKey.length}`)
  if (!equalBytes(ed25519.getPublicKey(signingSecretKey), clean.vaultPublicKey)) {
    throw new RangeError('signingSecretKey: does not match manifest.vaultPublicKey')
  }
  const signature = ed25519.sign(encode(clean), signingSecretKey)
  return { ...clean, signature }
}

/**
 * Verifies a manifest's shape and Ed25519 signature, and optionally that it belongs to the
 * vault `expectedVaultId`. Needs no secret: any holder can run it.
 * @param expectedVaultId - 32-byte vault id (or its hex); when given, the manifest's public
 *   key must hash to it
 * @throws ManifestFormatError when the manifest is malformed
 * @throws ManifestSignatureError when the signature is invalid or the vault id differs
 * @throws RangeError when `expectedVaultId` is not 32 bytes / 64 hex digits
 */
export function verifyManifest (manifest: Manifest, expectedVaultId?: Uint8Array | string): void {
  let expected: Uint8Array | undefined
  if (expectedVaultId !== undefined) {
    expected = typeof expectedVaultId === 'string' ? fromHex(expectedVaultId) : expectedVaultId
    if (!(expected instanceof Uint8Array) || expected.length !== HASH_BYTES) {
      throw new RangeError(`expectedVaultId: expected ${HASH_BYTES} bytes`)
    }
  }
  const m = checkManifest(manifest)
  if (expected !== undefined && !equalBytes(vaultIdFromPublicKey(m.vaultPublicKey), expected)) {
    throw new ManifestSignatureError('manifest belongs to another vault')
  }
  const { signature, ...unsigned } = m
  let ok: boolean
  try {
    // Strict RFC 8032 verification (zip215: false): rejects non-canonical encodings, so a
    // signature cannot be malleated into a second valid one.
    ok = ed25519.verify(signature, encode(unsigned), m.vaultPublicKey, { zip215: false })
  } catch (err) {
    throw new ManifestSignatureError('manifest signature is invalid', { cause: err })
  }
  if (!ok) throw new ManifestSignatureError()
}

/**
 * The vault id of the vault that signed `manifest` (BLAKE3 of its public key).
 * @throws RangeError when `manifest.vaultPublicKey` is not 32 bytes
 */
export function manifestVaultId (manifest: Pick<Manifest, 'vaultPublicKey'>): Uint8Array {
  return vaultIdFromPublicKey(manifest.vaultPublicKey)
}

/**
 * Validates a value read back from storage (IndexedDB structured clone, a file, a peer's
 * decoded message) as a {@link Manifest}, returning a clean copy without unknown fields.
 * Checks shape only: call {@link verifyManifest} to check the signature.
 * @throws ManifestFormatError when any field is missing, mistyped or inconsistent
 */
export function manifestFromStorage (value: unknown): Manifest {
  return checkManifest(value)
}

/** Field names of an unsigned manifest, in signing order. */
export const MANIFEST_FIELDS: readonly string[] = UNSIGNED_FIELDS
