/**
 * Byte helpers shared by the store adapters. Kept here (not src/crypto) so the store has no
 * dependency on the crypto layer and stays importable in a service worker.
 */

/**
 * True for a Uint8Array, also one from another realm (worker, iframe, fake-indexeddb clone)
 * where `instanceof` fails.
 */
export function isBytes (value: unknown): value is Uint8Array {
  return value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

/**
 * Normalises a value read back from storage to a Uint8Array of this realm.
 * @returns undefined when the value is not bytes (an ArrayBuffer or any typed view counts as bytes)
 */
export function asBytes (value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return new Uint8Array(value as ArrayBuffer)
  return undefined
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex of `bytes`. */
export function bytesToHex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += HEX[b]
  return out
}

/** Matches the hex of a 32-byte hash as used in keys (`hashHex`, `checksumHex`). */
export const HASH_HEX = /^[0-9a-f]{64}$/

/**
 * Bytes of binary data held by `value`, found by walking plain objects and arrays. Used for
 * quota accounting; strings and numbers are not counted (records are dominated by bytes).
 */
export function byteSize (value: unknown, depth = 0): number {
  if (depth > 8 || value == null || typeof value !== 'object') return 0
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (value instanceof ArrayBuffer) return value.byteLength
  let total = 0
  for (const v of Array.isArray(value) ? value : Object.values(value)) total += byteSize(v, depth + 1)
  return total
}

/** Deep copy of plain data (objects, arrays, bytes), like the structured clone IndexedDB makes. */
export function cloneData<T> (value: T): T {
  return structuredClone(value)
}

/**
 * `bytes` itself when it spans its whole buffer, else a copy that does.
 * Hazard: structured clone (IndexedDB, postMessage) copies the *whole* underlying buffer of a
 * view, so storing a 1 MiB subarray of a 64 MiB buffer would store 64 MiB.
 */
export function compact (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

/**
 * A fresh random writer id (32 hex characters). Uses `getRandomValues`, not `randomUUID`, which
 * is missing outside secure contexts (e.g. the app opened over plain http on a LAN address).
 */
export function newWriterId (): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(16)))
}
