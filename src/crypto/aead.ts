/**
 * One-shot AEAD for small secrets: content-key wrapping, the sealed tessera index (metadata)
 * and thumbnails. XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, RFC 8439 §2.8) via @noble/ciphers.
 *
 * [Note: Small sealed box] sealed = nonce (24 random bytes) ‖ ciphertext ‖ tag (16)
 * Every use passes a distinct domain label as associated data ("tesseras/v1/wrapped-key",
 * "tesseras/v1/metadata", "tesseras/v1/thumbnail"), so a box made for one purpose never opens
 * as another even under the same key.
 *
 * Hazards:
 * - Nonce uniqueness: nonces are 192-bit random; collisions are negligible for any number of
 *   messages a vault will ever seal (unlike 96-bit ChaCha20-Poly1305 nonces, which must not be
 *   random at scale).
 * - Authenticate-then-decrypt: noble checks the Poly1305 tag before it decrypts, so no
 *   unauthenticated plaintext is ever returned.
 * - Every failure is one opaque {@link DecryptionError}.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { canonicalJson, parseTesseraIndex } from '../core/container.js'
import { ContainerFormatError } from '../core/errors.js'
import { AEAD_TAG_BYTES } from '../core/plan.js'
import { utf8Decode, utf8Encode } from '../core/hex.js'
import type { TesseraIndex } from '../core/types.js'
import { DecryptionError } from './errors.js'
import { assertKey, CONTENT_KEY_BYTES } from './key-check.js'

export { CONTENT_KEY_BYTES }

/** Bytes of the random nonce that opens a small sealed box. */
export const SMALL_NONCE_BYTES = 24
/** Bytes of a wrapped content key: nonce ‖ 32-byte key ‖ tag. */
export const WRAPPED_KEY_BYTES = SMALL_NONCE_BYTES + CONTENT_KEY_BYTES + AEAD_TAG_BYTES
/** Associated data of a wrapped content key. */
export const AAD_WRAPPED_KEY = 'tesseras/v1/wrapped-key'
/** Associated data of a sealed tessera index (`Manifest.encryptedMetadata`). */
export const AAD_METADATA = 'tesseras/v1/metadata'
/** Associated data of a sealed thumbnail. */
export const AAD_THUMBNAIL = 'tesseras/v1/thumbnail'

const WRAPPED_KEY_AAD = utf8Encode(AAD_WRAPPED_KEY)
const METADATA_AAD = utf8Encode(AAD_METADATA)
const THUMBNAIL_AAD = utf8Encode(AAD_THUMBNAIL)

/** Source of random bytes (the platform CSPRNG unless a test injects one). */
export type RandomSource = (bytesLength: number) => Uint8Array

function assertBytes (value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`)
}

/**
 * A fresh random 32-byte content key. One per tessera: never reuse it for another payload
 * (the payload nonce scheme relies on it, [Note: Payload STREAM]).
 * @param random - inject only in tests
 */
export function newContentKey (random: RandomSource = randomBytes): Uint8Array {
  const key = random(CONTENT_KEY_BYTES)
  assertKey(key, 'random()')
  return key
}

/**
 * Seals `plain` under `key` with associated data `aad` ([Note: Small sealed box]).
 * @returns nonce (24) ‖ ciphertext ‖ tag (16)
 * @throws TypeError / RangeError when `key` is not 32 bytes or an argument is not bytes
 */
export function sealSmall (key: Uint8Array, plain: Uint8Array, aad: Uint8Array, random: RandomSource = randomBytes): Uint8Array {
  assertKey(key, 'key')
  assertBytes(plain, 'plain')
  assertBytes(aad, 'aad')
  const out = new Uint8Array(SMALL_NONCE_BYTES + plain.length + AEAD_TAG_BYTES)
  // Hazard: the nonce must never repeat under one key; 192 random bits make that negligible.
  const nonce = random(SMALL_NONCE_BYTES)
  if (nonce.length !== SMALL_NONCE_BYTES) throw new RangeError('random(): returned the wrong length')
  out.set(nonce, 0)
  out.set(xchacha20poly1305(key, nonce, aad).encrypt(plain), SMALL_NONCE_BYTES)
  return out
}

/**
 * Opens a box made by {@link sealSmall} with the same key and `aad`.
 * @throws DecryptionError for a wrong key, wrong aad, a short or altered box
 * @throws TypeError / RangeError when `key` is not 32 bytes or an argument is not bytes
 */
export function openSmall (key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKey(key, 'key')
  assertBytes(sealed, 'sealed')
  assertBytes(aad, 'aad')
  if (sealed.length < SMALL_NONCE_BYTES + AEAD_TAG_BYTES) throw new DecryptionError()
  try {
    // Authenticate-then-decrypt: noble verifies the tag first and throws on mismatch.
    return xchacha20poly1305(key, sealed.subarray(0, SMALL_NONCE_BYTES), aad).decrypt(sealed.subarray(SMALL_NONCE_BYTES))
  } catch {
    // Opaque on purpose: the cause would say which check failed.
    throw new DecryptionError()
  }
}

/**
 * Wraps a content key under the vault key (a {@link WRAPPED_KEY_BYTES}-byte box).
 * @throws RangeError when a key is not 32 bytes
 */
export function wrapContentKey (vaultKey: Uint8Array, contentKey: Uint8Array, random: RandomSource = randomBytes): Uint8Array {
  assertKey(contentKey, 'contentKey')
  return sealSmall(vaultKey, contentKey, WRAPPED_KEY_AAD, random)
}

/**
 * Unwraps a content key wrapped by {@link wrapContentKey}. The caller should zero it after use.
 * @throws DecryptionError when `wrapped` was not made with this vault key or was altered
 * @throws RangeError when `vaultKey` is not 32 bytes
 */
export function unwrapContentKey (vaultKey: Uint8Array, wrapped: Uint8Array): Uint8Array {
  assertKey(vaultKey, 'vaultKey')
  assertBytes(wrapped, 'wrapped')
  if (wrapped.length !== WRAPPED_KEY_BYTES) throw new DecryptionError()
  return openSmall(vaultKey, wrapped, WRAPPED_KEY_AAD)
}

/**
 * Seals a tessera index (metadata + file table) as canonical JSON; this is
 * `Manifest.encryptedMetadata`.
 * @throws TypeError when `index` holds values JSON cannot carry
 * @throws RangeError when `contentKey` is not 32 bytes
 */
export function sealIndex (contentKey: Uint8Array, index: TesseraIndex, random: RandomSource = randomBytes): Uint8Array {
  const plain = utf8Encode(canonicalJson(index))
  try {
    return sealSmall(contentKey, plain, METADATA_AAD, random)
  } finally {
    plain.fill(0) // plaintext scratch
  }
}

/**
 * Opens and validates a sealed tessera index.
 * @throws DecryptionError when it does not open under `contentKey`
 * @throws ContainerFormatError when it opens but is not a valid index (a writer bug, not tampering)
 */
export function openIndex (contentKey: Uint8Array, sealed: Uint8Array): TesseraIndex {
  const plain = openSmall(contentKey, sealed, METADATA_AAD)
  let value: unknown
  try {
    value = JSON.parse(utf8Decode(plain))
  } catch (err) {
    throw new ContainerFormatError('index: sealed metadata is not UTF-8 JSON', { cause: err })
  } finally {
    plain.fill(0)
  }
  return parseTesseraIndex(value)
}

/**
 * Seals thumbnail image bytes under the tessera's content key.
 * @throws RangeError when `contentKey` is not 32 bytes
 */
export function sealThumbnail (contentKey: Uint8Array, image: Uint8Array, random: RandomSource = randomBytes): Uint8Array {
  return sealSmall(contentKey, image, THUMBNAIL_AAD, random)
}

/**
 * Opens a thumbnail sealed by {@link sealThumbnail}.
 * @throws DecryptionError when it does not open under `contentKey`
 */
export function openThumbnail (contentKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  return openSmall(contentKey, sealed, THUMBNAIL_AAD)
}
