/**
 * Vault key derivation from the recovery phrase entropy. ../shared/DESIGN.md "Keys and identity".
 *
 * [Note: Vault key derivation] (version 1)
 *
 *     prk              = HKDF-Extract(SHA-256, salt = "tesseras/v1/vault", ikm = entropy)
 *     vaultKey         = HKDF-Expand(prk, info = "tesseras/v1/vault-key", 32)     // RFC 5869
 *     signingSecretKey = HKDF-Expand(prk, info = "tesseras/v1/signing-key", 32)   // Ed25519 seed
 *     signingPublicKey = Ed25519 public key of signingSecretKey                  // RFC 8032 §5.1.5
 *     vaultId          = BLAKE3("tesseras/v1/vault-id" ‖ signingPublicKey)
 *
 * Labels are versioned and distinct per purpose, so no two keys are related; a future scheme
 * uses "tesseras/v2/…". Changing any of this makes every existing vault unreachable.
 */
import { expand, extract } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, toHex, utf8Encode } from '../core/hex.js'
import { PHRASE_ENTROPY_BYTES } from './phrase.js'

/** HKDF salt of every vault key. */
export const VAULT_SALT = 'tesseras/v1/vault'
/** HKDF info of the vault (wrapping) key. */
export const VAULT_KEY_INFO = 'tesseras/v1/vault-key'
/** HKDF info of the Ed25519 signing seed. */
export const SIGNING_KEY_INFO = 'tesseras/v1/signing-key'
/** Domain prefix hashed before the signing public key to make the vault id. */
export const VAULT_ID_DOMAIN = 'tesseras/v1/vault-id'

/** Everything a vault owns, derived from its 32 bytes of phrase entropy. */
export interface VaultKeys {
  /** 32 bytes: wraps content keys. Secret. */
  vaultKey: Uint8Array
  /** 32-byte Ed25519 seed: signs manifests. Secret. */
  signingSecretKey: Uint8Array
  /** 32-byte Ed25519 public key; published in every manifest. */
  signingPublicKey: Uint8Array
  /** 32 bytes: BLAKE3 of the domain label and the public key; the vault's network pseudonym. */
  vaultId: Uint8Array
  /** Hex of `vaultId`. */
  vaultIdHex: string
}

/**
 * Derives the vault keys from phrase entropy ([Note: Vault key derivation]).
 * Deterministic: the same entropy (whatever the phrase language) gives the same keys.
 * @param entropy - the 32 bytes behind the 24-word phrase
 * @example const keys = deriveVaultKeys(parsePhrase(text).entropy)
 * @throws TypeError when `entropy` is not a Uint8Array
 * @throws RangeError when `entropy` is not 32 bytes
 */
export function deriveVaultKeys (entropy: Uint8Array): VaultKeys {
  if (!(entropy instanceof Uint8Array)) throw new TypeError('entropy: expected Uint8Array')
  if (entropy.length !== PHRASE_ENTROPY_BYTES) {
    throw new RangeError(`entropy: expected ${PHRASE_ENTROPY_BYTES} bytes, got ${entropy.length}`)
  }
  const prk = extract(sha256, entropy, utf8Encode(VAULT_SALT))
  try {
    const vaultKey = expand(sha256, prk, utf8Encode(VAULT_KEY_INFO), 32)
    const signingSecretKey = expand(sha256, prk, utf8Encode(SIGNING_KEY_INFO), 32)
    const signingPublicKey = ed25519.getPublicKey(signingSecretKey)
    const vaultId = vaultIdFromPublicKey(signingPublicKey)
    return { vaultKey, signingSecretKey, signingPublicKey, vaultId, vaultIdHex: toHex(vaultId) }
  } finally {
    prk.fill(0) // scratch key material
  }
}

/**
 * The vault id of an Ed25519 signing public key: BLAKE3("tesseras/v1/vault-id" ‖ publicKey).
 * @param publicKey - 32 bytes
 * @throws RangeError when `publicKey` is not 32 bytes
 */
export function vaultIdFromPublicKey (publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey: expected Uint8Array')
  if (publicKey.length !== 32) throw new RangeError(`publicKey: expected 32 bytes, got ${publicKey.length}`)
  return blake3(concatBytes(utf8Encode(VAULT_ID_DOMAIN), publicKey))
}
