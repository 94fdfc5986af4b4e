/**
 * Byte helpers shared by every layer: hex and base64 text forms, concatenation, comparison.
 * Pure and dependency free so they run in the browser, workers and Node alike.
 */

const HEX_DIGITS = '0123456789abcdef'
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4] + HEX_DIGITS[i & 15])

function assertBytes (value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name}: expected Uint8Array, got ${value === null ? 'null' : typeof value}`)
  }
}

/**
 * Lower-case hex encoding of `bytes`.
 * @example toHex(new Uint8Array([1, 255])) // '01ff'
 * @throws TypeError when `bytes` is not a Uint8Array
 */
export function toHex (bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes')
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]]
  return out
}

function hexValue (code: number): number {
  if (code >= 48 && code <= 57) return code - 48 // 0-9
  if (code >= 97 && code <= 102) return code - 87 // a-f
  if (code >= 65 && code <= 70) return code - 55 // A-F
  return -1
}

/**
 * Decodes hex (either case, no prefix, no separators) into bytes.
 * @example fromHex('01ff') // Uint8Array [1, 255]
 * @throws TypeError when `hex` is not a string
 * @throws RangeError when the length is odd or a character is not a hex digit
 */
export function fromHex (hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`hex: expected string, got ${typeof hex}`)
  if (hex.length % 2 !== 0) throw new RangeError(`hex: expected an even number of digits, got ${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i))
    const lo = hexValue(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new RangeError(`hex: invalid digit at position ${hi < 0 ? 2 * i : 2 * i + 1}`)
    out[i] = (hi << 4) | lo
  }
  return out
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_VALUES = new Int16Array(128).fill(-1)
for (let i = 0; i < B64_ALPHABET.length; i++) B64_VALUES[B64_ALPHABET.charCodeAt(i)] = i

/**
 * Standard base64 (RFC 4648 §4, with `=` padding) of `bytes`.
 * @example toBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 * @throws TypeError when `bytes` is not a Uint8Array
 */
export function toBase64 (bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes')
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + B64_ALPHABET[(n >> 6) & 63] + B64_ALPHABET[n & 63]
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i] << 16
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + '=='
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + B64_ALPHABET[(n >> 6) & 63] + '='
  }
  return out
}

/**
 * Decodes standard base64 (RFC 4648 §4). Padding is required; no whitespace, no URL alphabet.
 * @example fromBase64('AQID') // Uint8Array [1, 2, 3]
 * @throws TypeError when `b64` is not a string
 * @throws RangeError when the length is not a multiple of 4, a character is outside the
 *   alphabet, padding is misplaced, or unused trailing bits are set (non-canonical input)
 */
export function fromBase64 (b64: string): Uint8Array {
  if (typeof b64 !== 'string') throw new TypeError(`b64: expected string, got ${typeof b64}`)
  if (b64.length % 4 !== 0) throw new RangeError(`b64: expected a multiple of 4 characters, got ${b64.length}`)
  let pad = 0
  if (b64.endsWith('==')) pad = 2
  else if (b64.endsWith('=')) pad = 1
  const out = new Uint8Array((b64.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < b64.length; i += 4) {
    const isLast = i + 4 === b64.length
    const vals = [0, 0, 0, 0]
    for (let j = 0; j < 4; j++) {
      const c = b64.charCodeAt(i + j)
      if (isLast && j >= 4 - pad) {
        vals[j] = 0
        continue
      }
      const v = c < 128 ? B64_VALUES[c] : -1
      if (v < 0) throw new RangeError(`b64: invalid character at position ${i + j}`)
      vals[j] = v
    }
    const n = (vals[0] << 18) | (vals[1] << 12) | (vals[2] << 6) | vals[3]
    if (isLast && pad === 2 && (n & 0xffff) !== 0) throw new RangeError('b64: non-canonical trailing bits')
    if (isLast && pad === 1 && (n & 0xff) !== 0) throw new RangeError('b64: non-canonical trailing bits')
    out[o++] = n >> 16
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

/**
 * Concatenates byte arrays into one new array.
 * @example concatBytes(a, b, c)
 * @throws TypeError when an argument is not a Uint8Array
 */
export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  let total = 0
  for (let i = 0; i < parts.length; i++) {
    assertBytes(parts[i], `parts[${i}]`)
    total += parts[i].length
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * True when `a` and `b` hold the same bytes. Not constant time: never use it to compare
 * secrets or MACs (AEAD tags are checked inside the cipher).
 * @throws TypeError when an argument is not a Uint8Array
 */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, 'a')
  assertBytes(b, 'b')
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** UTF-8 bytes of `text`. @throws TypeError when `text` is not a string */
export function utf8Encode (text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`text: expected string, got ${typeof text}`)
  return new TextEncoder().encode(text)
}

/**
 * Strict UTF-8 decoding of `bytes`.
 * @throws TypeError when the bytes are not well-formed UTF-8
 */
export function utf8Decode (bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes')
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
}
