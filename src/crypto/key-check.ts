/** Internal argument checks shared by the AEAD modules (not part of the public surface). */

/** Bytes of a content key (and of any XChaCha20-Poly1305 key). */
export const CONTENT_KEY_BYTES = 32

/**
 * Asserts `key` is a 32-byte Uint8Array.
 * @throws TypeError when it is not a Uint8Array; RangeError (naming `name`) when not 32 bytes
 */
export function assertKey (key: unknown, name: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`)
  if (key.length !== CONTENT_KEY_BYTES) throw new RangeError(`${name}: expected ${CONTENT_KEY_BYTES} bytes, got ${key.length}`)
}
