/**
 * The encrypted payload of a tessera: the plaintext container sealed as a STREAM of
 * fixed-size chunks (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption
 * and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015 — the STREAM construction), with
 * XChaCha20-Poly1305 as the AEAD. ../shared/DESIGN.md "A tessera on disk and on the wire" §2.
 *
 * [Note: Payload STREAM] (version 1, magic "TSP1")
 *
 *     payload  = header ‖ sealed 0 ‖ sealed 1 ‖ … ‖ sealed n-1            (n ≥ 1)
 *     header   = "TSP1" ‖ chunkSize (u32 BE) ‖ noncePrefix (16 random bytes)   = 24 bytes
 *     sealed i = XChaCha20-Poly1305(contentKey, nonce_i, aad, plain i)      = |plain i| + 16
 *     nonce_i  = noncePrefix ‖ i (u32 BE) ‖ final (u8: 1 for i = n-1, else 0) ‖ 0x00 0x00 0x00
 *     aad      = header ‖ extra aad (e.g. {@link openAfterAad} for sealed tesseras; may be empty)
 *     |plain i| = chunkSize for i < n-1;  0 ≤ |plain n-1| ≤ chunkSize  (empty input: one empty final chunk)
 *
 * Why it fails loudly: the nonce binds the position (reorder, duplicate → tag mismatch) and
 * the final flag (dropping trailing chunks makes the new last chunk fail as "final"; appending
 * after the final chunk fails as "non-final"); the header is in the aad (changing the chunk
 * size or prefix fails every chunk).
 *
 * Hazards:
 * - Nonce uniqueness: a content key is fresh and random per tessera and seals exactly one
 *   payload; the counter makes nonces unique within it; the random prefix adds a second line
 *   of defence should a key ever be reused by a bug. Never seal two payloads with one key on
 *   purpose.
 * - Authenticate-then-decrypt: each chunk's tag is verified before any of its plaintext is
 *   released. A streaming reader does release chunks before it has seen the last one, so a
 *   consumer must treat the whole output as invalid if the stream ends with an error.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { AbortError } from '../core/errors.js'
import { concatBytes, utf8Encode } from '../core/hex.js'
import { AEAD_TAG_BYTES, PAYLOAD_HEADER_BYTES } from '../core/plan.js'
import { DEFAULT_CHUNK_BYTES } from '../core/constants.js'
import type { RandomSource } from './aead.js'
import { assertKey } from './key-check.js'
import { DecryptionError, SealerFinishedError } from './errors.js'

export { AEAD_TAG_BYTES, PAYLOAD_HEADER_BYTES }

/** ASCII magic opening every version-1 payload. */
export const PAYLOAD_MAGIC = 'TSP1'
/** Random bytes in the payload header that prefix every chunk nonce. */
export const PAYLOAD_NONCE_PREFIX_BYTES = 16
/** Largest chunk size accepted in a payload header (64 MiB). */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024
/** Chunk indexes are u32 in the nonce. */
export const MAX_PAYLOAD_CHUNKS = 2 ** 32

const MAGIC = utf8Encode(PAYLOAD_MAGIC)
const FINAL_FLAG_OFFSET = PAYLOAD_NONCE_PREFIX_BYTES + 4

function assertChunkSize (chunkSize: unknown): asserts chunkSize is number {
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkSize: expected 1..${MAX_CHUNK_BYTES}, got ${String(chunkSize)}`)
  }
}

function assertBytes (value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`)
}

/** Writes nonce_i into `nonce` (24 bytes, prefix already in place). */
function setNonce (nonce: Uint8Array, index: number, final: boolean): void {
  new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength).setUint32(PAYLOAD_NONCE_PREFIX_BYTES, index, false)
  nonce[FINAL_FLAG_OFFSET] = final ? 1 : 0
  nonce[FINAL_FLAG_OFFSET + 1] = 0
  nonce[FINAL_FLAG_OFFSET + 2] = 0
  nonce[FINAL_FLAG_OFFSET + 3] = 0
}

/**
 * Bytes of a sealed chunk carrying `chunkSize` plaintext bytes (chunkSize + 16).
 * @throws RangeError when `chunkSize` is not 1..{@link MAX_CHUNK_BYTES}
 */
export function sealedChunkSize (chunkSize: number): number {
  assertChunkSize(chunkSize)
  return chunkSize + AEAD_TAG_BYTES
}

/**
 * Number of chunks a plaintext of `plainSize` bytes is sealed into (at least 1).
 * @throws RangeError for a negative size or a bad chunk size
 */
export function plainChunkCount (plainSize: number, chunkSize: number): number {
  assertChunkSize(chunkSize)
  if (!Number.isSafeInteger(plainSize) || plainSize < 0) throw new RangeError(`plainSize: expected a non-negative integer, got ${String(plainSize)}`)
  return Math.max(1, Math.ceil(plainSize / chunkSize))
}

/**
 * Bytes of the encrypted payload (header + sealed chunks) for `plainSize` plaintext bytes.
 * @throws RangeError for a negative size or a bad chunk size
 */
export function payloadSizeFor (plainSize: number, chunkSize: number): number {
  return PAYLOAD_HEADER_BYTES + plainSize + AEAD_TAG_BYTES * plainChunkCount(plainSize, chunkSize)
}

/**
 * Number of sealed chunks in an encrypted payload of `payloadSize` bytes (header included).
 * @throws RangeError when no payload with this chunk size can have that size
 */
export function payloadChunkCount (payloadSize: number, chunkSize: number): number {
  const sealed = sealedChunkSize(chunkSize)
  if (!Number.isSafeInteger(payloadSize) || payloadSize < PAYLOAD_HEADER_BYTES + AEAD_TAG_BYTES) {
    throw new RangeError(`payloadSize: expected at least ${PAYLOAD_HEADER_BYTES + AEAD_TAG_BYTES}, got ${String(payloadSize)}`)
  }
  const body = payloadSize - PAYLOAD_HEADER_BYTES
  const count = Math.ceil(body / sealed)
  const last = body - (count - 1) * sealed
  if (last < AEAD_TAG_BYTES) {
    throw new RangeError(`payloadSize: ${payloadSize} is not a valid payload size for chunkSize ${chunkSize}`)
  }
  return count
}

/**
 * Plaintext bytes inside an encrypted payload of `payloadSize` bytes.
 * @throws RangeError when no payload with this chunk size can have that size
 */
export function plainSizeOfPayload (payloadSize: number, chunkSize: number): number {
  return payloadSize - PAYLOAD_HEADER_BYTES - AEAD_TAG_BYTES * payloadChunkCount(payloadSize, chunkSize)
}

/**
 * Which chunks hold plaintext bytes [start, endExclusive) — for HTTP Range requests.
 * Open chunks firstChunk..lastChunk, concatenate their plaintexts, drop `skipBytes` from the
 * front and keep `endExclusive - start` bytes.
 * @example chunkSpanForPlainRange(1000, 3000, 1024) // { firstChunk: 0, lastChunk: 2, skipBytes: 1000 }
 * @throws RangeError unless 0 ≤ start < endExclusive and chunkSize is valid
 */
export function chunkSpanForPlainRange (start: number, endExclusive: number, chunkSize: number): { firstChunk: number, lastChunk: number, skipBytes: number } {
  assertChunkSize(chunkSize)
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`start: expected a non-negative integer, got ${String(start)}`)
  if (!Number.isSafeInteger(endExclusive) || endExclusive <= start) {
    throw new RangeError(`endExclusive: expected an integer > start (${start}), got ${String(endExclusive)}`)
  }
  const firstChunk = Math.floor(start / chunkSize)
  return { firstChunk, lastChunk: Math.floor((endExclusive - 1) / chunkSize), skipBytes: start - firstChunk * chunkSize }
}

/**
 * Reads a payload header.
 * @returns the chunk size and a copy of the 16-byte nonce prefix
 * @throws DecryptionError when the header is not 24 bytes, has a wrong magic or a chunk size
 *   outside 1..{@link MAX_CHUNK_BYTES} (opaque like every payload failure)
 */
export function parsePayloadHeader (header: Uint8Array): { chunkSize: number, noncePrefix: Uint8Array } {
  assertBytes(header, 'header')
  if (header.length !== PAYLOAD_HEADER_BYTES) throw new DecryptionError()
  for (let i = 0; i < MAGIC.length; i++) if (header[i] !== MAGIC[i]) throw new DecryptionError()
  const chunkSize = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(4, false)
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) throw new DecryptionError()
  return { chunkSize, noncePrefix: header.slice(8, 8 + PAYLOAD_NONCE_PREFIX_BYTES) }
}

/**
 * Extra associated data binding a sealed tessera's `openAfter` date into every payload chunk
 * (pass it as `aad` when sealing and opening).
 * @throws TypeError when `openAfter` is not a string
 */
export function openAfterAad (openAfter: string): Uint8Array {
  if (typeof openAfter !== 'string') throw new TypeError('openAfter: expected string')
  return utf8Encode(`tesseras/v1/open-after\n${openAfter}`)
}

/** Options of {@link createPayloadSealer}. */
export interface PayloadSealerOptions {
  /** Plaintext bytes per chunk; default {@link DEFAULT_CHUNK_BYTES}. */
  chunkSize?: number
  /** Extra associated data bound into every chunk (see {@link openAfterAad}). */
  aad?: Uint8Array
  /** Inject only in tests. */
  random?: RandomSource
}

/** Seals one payload chunk by chunk ([Note: Payload STREAM]). */
export interface PayloadSealer {
  /** The 24-byte payload header; store it before the sealed chunks. */
  readonly header: Uint8Array
  readonly chunkSize: number
  /** Chunks sealed so far (= index of the next chunk). */
  readonly chunksSealed: number
  /** True once the final chunk is sealed. */
  readonly finished: boolean
  /**
   * Seals the next chunk.
   * @param plain - exactly chunkSize bytes, or 0..chunkSize for the final chunk
   * @param final - true for the last chunk (exactly once)
   * @throws RangeError for a wrong chunk length or past {@link MAX_PAYLOAD_CHUNKS}
   * @throws SealerFinishedError after the final chunk
   */
  seal(plain: Uint8Array, final: boolean): Uint8Array
}

/**
 * Starts sealing a payload under `contentKey` (a fresh key per tessera, see hazards in
 * [Note: Payload STREAM]). The sealer keeps its own copy of the key and zeroes it after the
 * final chunk.
 * @example
 * const sealer = createPayloadSealer(contentKey)
 * store(sealer.header); for (…) store(sealer.seal(chunk, isLast))
 * @throws RangeError when the key is not 32 bytes or the chunk size is out of range
 */
export function createPayloadSealer (contentKey: Uint8Array, options: PayloadSealerOptions = {}): PayloadSealer {
  assertKey(contentKey, 'contentKey')
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_BYTES
  assertChunkSize(chunkSize)
  if (options.aad !== undefined) assertBytes(options.aad, 'aad')
  const random = options.random ?? randomBytes
  const noncePrefix = random(PAYLOAD_NONCE_PREFIX_BYTES)
  if (noncePrefix.length !== PAYLOAD_NONCE_PREFIX_BYTES) throw new RangeError('random(): returned the wrong length')
  const header = new Uint8Array(PAYLOAD_HEADER_BYTES)
  header.set(MAGIC, 0)
  new DataView(header.buffer).setUint32(4, chunkSize, false)
  header.set(noncePrefix, 8)
  const aad = options.aad !== undefined ? concatBytes(header, options.aad) : header.slice()
  const key = contentKey.slice()
  const nonce = new Uint8Array(24)
  nonce.set(noncePrefix, 0)
  let index = 0
  let finished = false
  return {
    header: header.slice(),
    chunkSize,
    get chunksSealed () { return index },
    get finished () { return finished },
    seal (plain: Uint8Array, final: boolean): Uint8Array {
      if (finished) throw new SealerFinishedError()
      assertBytes(plain, 'plain')
      if (final ? plain.length > chunkSize : plain.length !== chunkSize) {
        throw new RangeError(`plain: expected ${final ? `at most ${chunkSize}` : chunkSize} bytes for ${final ? 'the final' : 'a non-final'} chunk, got ${plain.length}`)
      }
      if (index >= MAX_PAYLOAD_CHUNKS || (index === MAX_PAYLOAD_CHUNKS - 1 && !final)) {
        throw new RangeError(`payload: at most ${MAX_PAYLOAD_CHUNKS} chunks`)
      }
      // Hazard: (key, nonce) must never repeat; the index strictly increases within this
      // sealer and the key is fresh per tessera.
      setNonce(nonce, index, final)
      const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plain)
      index++
      if (final) {
        finished = true
        key.fill(0) // key copy no longer needed
      }
      return sealed
    }
  }
}

/**
 * Opens sealed chunk `index` of a payload. `final` must say whether it is the payload's last
 * chunk (from the chunk count in the tessera record or manifest).
 * @param aad - the same extra associated data given to the sealer, if any
 * @throws DecryptionError for a wrong key, header, index, final flag, aad, length, or any
 *   altered byte — one opaque error
 * @throws RangeError when `index` is not a u32 or the key is not 32 bytes
 */
export function openPayloadChunk (contentKey: Uint8Array, header: Uint8Array, index: number, sealed: Uint8Array, final: boolean, aad?: Uint8Array): Uint8Array {
  assertKey(contentKey, 'contentKey')
  assertBytes(sealed, 'sealed')
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_PAYLOAD_CHUNKS) {
    throw new RangeError(`index: expected 0..${MAX_PAYLOAD_CHUNKS - 1}, got ${String(index)}`)
  }
  if (aad !== undefined) assertBytes(aad, 'aad')
  const { chunkSize, noncePrefix } = parsePayloadHeader(header)
  const max = chunkSize + AEAD_TAG_BYTES
  if (final ? (sealed.length < AEAD_TAG_BYTES || sealed.length > max) : sealed.length !== max) throw new DecryptionError()
  const nonce = new Uint8Array(24)
  nonce.set(noncePrefix, 0)
  setNonce(nonce, index, final)
  const fullAad = aad !== undefined ? concatBytes(header, aad) : header
  try {
    // Authenticate-then-decrypt: the tag is checked before any plaintext is produced.
    return xchacha20poly1305(contentKey, nonce, fullAad).decrypt(sealed)
  } catch {
    // Opaque on purpose: never reveal which check failed.
    throw new DecryptionError()
  }
}

/**
 * Opens a whole payload as a stream of plaintext chunks, in order. Fails with
 * {@link DecryptionError} on truncation (fewer than `totalChunks`), extension or duplication
 * (more), reordering, tampering or a wrong key. Plaintext is released chunk by chunk: treat
 * everything already received as invalid when the iteration throws.
 * @param totalChunks - number of sealed chunks the payload has (from the record or
 *   {@link payloadChunkCount} of the manifest's size)
 * @param options.aad - extra associated data given to the sealer, if any
 * @param options.signal - checked before each chunk
 * @throws DecryptionError as above; AbortError when `signal` aborts; RangeError for a bad
 *   `totalChunks`
 */
export async function * openPayloadStream (
  contentKey: Uint8Array,
  sealedChunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  header: Uint8Array,
  totalChunks: number,
  options: { aad?: Uint8Array, signal?: AbortSignal } = {}
): AsyncGenerator<Uint8Array, void, undefined> {
  assertKey(contentKey, 'contentKey')
  if (!Number.isSafeInteger(totalChunks) || totalChunks < 1 || totalChunks > MAX_PAYLOAD_CHUNKS) {
    throw new RangeError(`totalChunks: expected 1..${MAX_PAYLOAD_CHUNKS}, got ${String(totalChunks)}`)
  }
  const key = contentKey.slice()
  try {
    let index = 0
    for await (const sealed of sealedChunks) {
      if (options.signal?.aborted === true) throw new AbortError()
      if (index >= totalChunks) throw new DecryptionError() // extra or duplicated chunk
      yield openPayloadChunk(key, header, index, sealed, index === totalChunks - 1, options.aad)
      index++
    }
    if (index < totalChunks) throw new DecryptionError() // truncated
  } finally {
    key.fill(0)
  }
}
