/**
 * The encrypted payload of a tessera: the plaintext container sealed as a STREAM of
 * fixed-size chunks (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption
 * and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015 — the STREAM construction), with
 * AES-256-GCM from WebCrypto as the AEAD (chosen by measurement: README "Why these
 * dependencies"). ../shared/DESIGN.md "A tessera on disk and on the wire" §2.
 *
 * [Note: Payload STREAM] (version 2, magic "TSP2", algorithm 1 = AES-256-GCM)
 *
 *     payload  = header ‖ sealed 0 ‖ sealed 1 ‖ … ‖ sealed n-1                      (n ≥ 1)
 *     header   = "TSP2" ‖ chunkSize (u32 BE) ‖ alg (u8 = 1) ‖ noncePrefix (7 random bytes)
 *                ‖ reserved (8 zero bytes)                                          = 24 bytes
 *     sealed i = AES-256-GCM(contentKey, nonce_i, aad, plain i) = ciphertext ‖ tag  = |plain i| + 16
 *     nonce_i  = noncePrefix (7) ‖ i (u32 BE) ‖ final (u8: 1 for i = n-1, else 0)   = 12 bytes
 *     aad      = header ‖ extra aad (e.g. {@link openAfterAad} for sealed tesseras; may be empty)
 *     |plain i| = chunkSize for i < n-1;  0 ≤ |plain n-1| ≤ chunkSize  (empty input: one empty final chunk)
 *
 * A reader rejects any other magic, algorithm or non-zero reserved byte (the header is also
 * authenticated as aad, so it cannot be altered without every chunk failing). Version 1
 * ("TSP1", XChaCha20-Poly1305 via @noble/ciphers) was never stored anywhere and is not read.
 *
 * Why it fails loudly: the nonce binds the position (reorder, duplicate → tag mismatch) and
 * the final flag (dropping trailing chunks makes the new last chunk fail as "final"; appending
 * after the final chunk fails as "non-final"); the header is in the aad (changing the chunk
 * size, algorithm or prefix fails every chunk).
 *
 * Hazards:
 * - Nonce uniqueness: GCM breaks completely if a (key, nonce) pair repeats. A content key is
 *   fresh and random per tessera and seals exactly one payload; within it the u32 counter makes
 *   nonces unique (at most 2^32 chunks). The 56-bit random prefix is only a second line of
 *   defence should a key ever be reused by a bug — 96-bit GCM nonces are too short to be
 *   random on their own. Never seal two payloads with one key. A save may seal one payload on
 *   several workers (`continueFrom`): each sealer is given a disjoint range of chunk indexes,
 *   and only the sealer of the last chunk sets the final flag.
 * - GCM limits: at most 2^39 − 256 bits per (key, nonce); chunks are ≤ 64 MiB.
 * - Keys live as non-extractable CryptoKeys once imported; the raw copies we make are zeroed.
 * - Authenticate-then-decrypt: WebCrypto verifies each chunk's tag before releasing any of
 *   its plaintext. A streaming reader does release chunks before it has seen the last one, so
 *   a consumer must treat the whole output as invalid if the stream ends with an error.
 * - Several chunks may be in flight at once (WebCrypto runs them off the calling thread); the
 *   index of each chunk is fixed when `seal` is called, never by completion order.
 */
import { randomBytes } from '@noble/ciphers/utils.js'
import { AbortError } from '../core/errors.js'
import { concatBytes, utf8Encode } from '../core/hex.js'
import { AEAD_TAG_BYTES, PAYLOAD_HEADER_BYTES } from '../core/plan.js'
import { DEFAULT_CHUNK_BYTES } from '../core/constants.js'
import type { RandomSource } from './aead.js'
import { assertKey } from './key-check.js'
import { DecryptionError, SealerFinishedError } from './errors.js'

export { AEAD_TAG_BYTES, PAYLOAD_HEADER_BYTES }

/** ASCII magic opening every version-2 payload. */
export const PAYLOAD_MAGIC = 'TSP2'
/** Algorithm id in the payload header: AES-256-GCM (WebCrypto), 12-byte nonce, 16-byte tag. */
export const PAYLOAD_ALG_AES_256_GCM = 1
/** Random bytes in the payload header that prefix every chunk nonce. */
export const PAYLOAD_NONCE_PREFIX_BYTES = 7
/** Bytes of a chunk nonce: prefix ‖ u32 index ‖ final flag. */
export const PAYLOAD_NONCE_BYTES = 12
/** Largest chunk size accepted in a payload header (64 MiB). */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024
/** Chunk indexes are u32 in the nonce. */
export const MAX_PAYLOAD_CHUNKS = 2 ** 32
/** Chunks a sealer or reader keeps in flight by default (WebCrypto is faster with several). */
export const DEFAULT_PAYLOAD_CONCURRENCY = 4

const MAGIC = utf8Encode(PAYLOAD_MAGIC)
const ALG_OFFSET = 8
const PREFIX_OFFSET = 9
const RESERVED_OFFSET = PREFIX_OFFSET + PAYLOAD_NONCE_PREFIX_BYTES

/** A content key imported for the payload AEAD (non-extractable). */
export type PayloadKey = CryptoKey

function subtle (): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (s == null) throw new Error('WebCrypto (crypto.subtle) is not available: a secure context is required')
  return s
}

/**
 * Imports a 32-byte content key as a non-extractable AES-256-GCM key. The bytes are copied
 * synchronously; the caller may zero its copy as soon as this returns.
 * @throws TypeError / RangeError when the key is not a 32-byte Uint8Array (as a rejection)
 */
export async function importPayloadKey (contentKey: Uint8Array, usages: Array<'encrypt' | 'decrypt'> = ['encrypt', 'decrypt']): Promise<PayloadKey> {
  assertKey(contentKey, 'contentKey')
  const raw = contentKey.slice()
  try {
    return await subtle().importKey('raw', raw, 'AES-GCM', false, usages)
  } finally {
    raw.fill(0)
  }
}

function isCryptoKey (key: unknown): key is CryptoKey {
  return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey
}

async function toPayloadKey (key: Uint8Array | PayloadKey, usage: 'encrypt' | 'decrypt'): Promise<PayloadKey> {
  if (isCryptoKey(key)) {
    if (key.algorithm.name !== 'AES-GCM' || !key.usages.includes(usage)) throw new TypeError(`contentKey: expected an AES-GCM CryptoKey usable to ${usage}`)
    return key
  }
  return await importPayloadKey(key as Uint8Array, [usage])
}

function assertChunkSize (chunkSize: unknown): asserts chunkSize is number {
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkSize: expected 1..${MAX_CHUNK_BYTES}, got ${String(chunkSize)}`)
  }
}

function assertBytes (value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`)
}

/** nonce_i = prefix ‖ index (u32 BE) ‖ final flag. */
function chunkNonce (noncePrefix: Uint8Array, index: number, final: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(PAYLOAD_NONCE_BYTES)
  nonce.set(noncePrefix, 0)
  new DataView(nonce.buffer).setUint32(PAYLOAD_NONCE_PREFIX_BYTES, index, false)
  nonce[PAYLOAD_NONCE_BYTES - 1] = final ? 1 : 0
  return nonce
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
 * @returns the chunk size, the algorithm id and a copy of the 7-byte nonce prefix
 * @throws DecryptionError when the header is not 24 bytes, has a wrong magic, an unknown
 *   algorithm, a non-zero reserved byte or a chunk size outside 1..{@link MAX_CHUNK_BYTES}
 *   (opaque like every payload failure)
 */
export function parsePayloadHeader (header: Uint8Array): { chunkSize: number, alg: number, noncePrefix: Uint8Array } {
  assertBytes(header, 'header')
  if (header.length !== PAYLOAD_HEADER_BYTES) throw new DecryptionError()
  for (let i = 0; i < MAGIC.length; i++) if (header[i] !== MAGIC[i]) throw new DecryptionError()
  const chunkSize = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(4, false)
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) throw new DecryptionError()
  const alg = header[ALG_OFFSET]
  if (alg !== PAYLOAD_ALG_AES_256_GCM) throw new DecryptionError()
  for (let i = RESERVED_OFFSET; i < PAYLOAD_HEADER_BYTES; i++) if (header[i] !== 0) throw new DecryptionError()
  return { chunkSize, alg, noncePrefix: header.slice(PREFIX_OFFSET, RESERVED_OFFSET) }
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
  /**
   * Seal part of a payload another sealer started: its 24-byte header (nonce prefix and chunk
   * size are taken from it, nothing random is drawn) and the index of the first chunk this one
   * seals. See "Hazards" in [Note: Payload STREAM]: sealers of one payload must be given
   * disjoint index ranges.
   */
  continueFrom?: { header: Uint8Array, index: number }
}

/**
 * A fresh 24-byte payload header ([Note: Payload STREAM]) with a random nonce prefix: what a
 * save makes once and hands to each sealer of the payload (`continueFrom`).
 * @throws RangeError when the chunk size is out of range or `random` returns the wrong length
 */
export function newPayloadHeader (chunkSize: number = DEFAULT_CHUNK_BYTES, random: RandomSource = randomBytes): Uint8Array {
  assertChunkSize(chunkSize)
  const noncePrefix = random(PAYLOAD_NONCE_PREFIX_BYTES)
  if (noncePrefix.length !== PAYLOAD_NONCE_PREFIX_BYTES) throw new RangeError('random(): returned the wrong length')
  const header = new Uint8Array(PAYLOAD_HEADER_BYTES)
  header.set(MAGIC, 0)
  new DataView(header.buffer).setUint32(4, chunkSize, false)
  header[ALG_OFFSET] = PAYLOAD_ALG_AES_256_GCM
  header.set(noncePrefix, PREFIX_OFFSET)
  return header
}

/** Seals one payload chunk by chunk ([Note: Payload STREAM]). */
export interface PayloadSealer {
  /** The 24-byte payload header; store it before the sealed chunks. */
  readonly header: Uint8Array
  readonly chunkSize: number
  /** Chunks handed to {@link seal} so far (= index of the next chunk). */
  readonly chunksSealed: number
  /** True once the final chunk has been handed to {@link seal}. */
  readonly finished: boolean
  /**
   * Seals the next chunk. The chunk's index is taken when this is called, so several calls
   * may be in flight at once; their results keep the order of the calls. `plain` must not
   * change until the promise settles.
   * @param plain - exactly chunkSize bytes, or 0..chunkSize for the final chunk
   * @param final - true for the last chunk (exactly once)
   * @returns ciphertext ‖ tag (|plain| + 16 bytes)
   * @throws (rejects) RangeError for a wrong chunk length or past {@link MAX_PAYLOAD_CHUNKS};
   *   SealerFinishedError after the final chunk
   */
  seal(plain: Uint8Array, final: boolean): Promise<Uint8Array>
}

/**
 * Starts sealing a payload under `contentKey` (a fresh key per tessera, see hazards in
 * [Note: Payload STREAM]). The key is imported right away as a non-extractable CryptoKey;
 * the caller may zero its copy as soon as this returns.
 * @example
 * const sealer = createPayloadSealer(contentKey)
 * store(sealer.header); for (…) store(await sealer.seal(chunk, isLast))
 * @throws RangeError when the key is not 32 bytes or the chunk size is out of range
 */
export function createPayloadSealer (contentKey: Uint8Array, options: PayloadSealerOptions = {}): PayloadSealer {
  assertKey(contentKey, 'contentKey')
  if (options.aad !== undefined) assertBytes(options.aad, 'aad')
  const { continueFrom } = options
  let header: Uint8Array
  if (continueFrom !== undefined) {
    if (!Number.isSafeInteger(continueFrom.index) || continueFrom.index < 0 || continueFrom.index >= MAX_PAYLOAD_CHUNKS) {
      throw new RangeError(`continueFrom.index: expected 0..${MAX_PAYLOAD_CHUNKS - 1}, got ${String(continueFrom.index)}`)
    }
    let parsed: ReturnType<typeof parsePayloadHeader>
    try {
      parsed = parsePayloadHeader(continueFrom.header)
    } catch {
      throw new RangeError('continueFrom.header: not a payload header')
    }
    if (options.chunkSize !== undefined && options.chunkSize !== parsed.chunkSize) {
      throw new RangeError(`chunkSize: ${options.chunkSize} differs from the header's ${parsed.chunkSize}`)
    }
    header = continueFrom.header.slice()
  } else {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_BYTES
    assertChunkSize(chunkSize)
    header = newPayloadHeader(chunkSize, options.random)
  }
  const chunkSize = new DataView(header.buffer).getUint32(4, false)
  const noncePrefix = header.slice(PREFIX_OFFSET, RESERVED_OFFSET)
  const aad = options.aad !== undefined ? concatBytes(header, options.aad) : header.slice()
  const key = importPayloadKey(contentKey, ['encrypt'])
  key.catch(() => {}) // a failed import is reported by every seal() call
  let index = continueFrom?.index ?? 0
  let finished = false
  return {
    header: header.slice(),
    chunkSize,
    get chunksSealed () { return index },
    get finished () { return finished },
    async seal (plain: Uint8Array, final: boolean): Promise<Uint8Array> {
      // Everything up to the first await runs synchronously: the index is claimed in call order.
      if (finished) throw new SealerFinishedError()
      assertBytes(plain, 'plain')
      if (final ? plain.length > chunkSize : plain.length !== chunkSize) {
        throw new RangeError(`plain: expected ${final ? `at most ${chunkSize}` : chunkSize} bytes for ${final ? 'the final' : 'a non-final'} chunk, got ${plain.length}`)
      }
      if (index >= MAX_PAYLOAD_CHUNKS || (index === MAX_PAYLOAD_CHUNKS - 1 && !final)) {
        throw new RangeError(`payload: at most ${MAX_PAYLOAD_CHUNKS} chunks`)
      }
      // Hazard: (key, nonce) must never repeat; the index strictly increases within this
      // sealer, sealers of one payload get disjoint index ranges, and the key is fresh per tessera.
      const nonce = chunkNonce(noncePrefix, index, final)
      index++
      if (final) finished = true
      const sealed = await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: 128 }, await key, plain as Uint8Array<ArrayBuffer>)
      return new Uint8Array(sealed)
    }
  }
}

/**
 * Opens sealed chunk `index` of a payload. `final` must say whether it is the payload's last
 * chunk (from the chunk count in the tessera record or manifest).
 * @param contentKey - the raw 32-byte key, or one imported once with {@link importPayloadKey}
 *   (faster when opening many chunks)
 * @param aad - the same extra associated data given to the sealer, if any
 * @throws (rejects) DecryptionError for a wrong key, header, index, final flag, aad, length,
 *   or any altered byte — one opaque error
 * @throws (rejects) RangeError when `index` is not a u32 or the key is not 32 bytes
 */
export async function openPayloadChunk (contentKey: Uint8Array | PayloadKey, header: Uint8Array, index: number, sealed: Uint8Array, final: boolean, aad?: Uint8Array): Promise<Uint8Array> {
  if (!isCryptoKey(contentKey)) assertKey(contentKey, 'contentKey')
  assertBytes(sealed, 'sealed')
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_PAYLOAD_CHUNKS) {
    throw new RangeError(`index: expected 0..${MAX_PAYLOAD_CHUNKS - 1}, got ${String(index)}`)
  }
  if (aad !== undefined) assertBytes(aad, 'aad')
  const { chunkSize, noncePrefix } = parsePayloadHeader(header)
  const max = chunkSize + AEAD_TAG_BYTES
  if (final ? (sealed.length < AEAD_TAG_BYTES || sealed.length > max) : sealed.length !== max) throw new DecryptionError()
  const key = await toPayloadKey(contentKey, 'decrypt')
  const fullAad = aad !== undefined ? concatBytes(header, aad) : header
  try {
    // Authenticate-then-decrypt: WebCrypto checks the tag before it returns any plaintext.
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv: chunkNonce(noncePrefix, index, final), additionalData: fullAad as Uint8Array<ArrayBuffer>, tagLength: 128 }, key, sealed as Uint8Array<ArrayBuffer>)
    return new Uint8Array(plain)
  } catch {
    // Opaque on purpose: never reveal which check failed.
    throw new DecryptionError()
  }
}

/**
 * Opens a whole payload as a stream of plaintext chunks, in order, with up to
 * `options.concurrency` chunks being decrypted at once (memory: that many sealed and plain
 * chunks). Fails with {@link DecryptionError} on truncation (fewer than `totalChunks`),
 * extension or duplication (more), reordering, tampering or a wrong key. Plaintext is released
 * chunk by chunk: treat everything already received as invalid when the iteration throws.
 * @param totalChunks - number of sealed chunks the payload has (from the record or
 *   {@link payloadChunkCount} of the manifest's size)
 * @param options.aad - extra associated data given to the sealer, if any
 * @param options.signal - checked before each chunk
 * @param options.concurrency - chunks in flight, default {@link DEFAULT_PAYLOAD_CONCURRENCY}
 * @throws DecryptionError as above; AbortError when `signal` aborts; RangeError for a bad
 *   `totalChunks` or key
 */
export async function * openPayloadStream (
  contentKey: Uint8Array | PayloadKey,
  sealedChunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  header: Uint8Array,
  totalChunks: number,
  options: { aad?: Uint8Array, signal?: AbortSignal, concurrency?: number } = {}
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!isCryptoKey(contentKey)) assertKey(contentKey, 'contentKey')
  if (!Number.isSafeInteger(totalChunks) || totalChunks < 1 || totalChunks > MAX_PAYLOAD_CHUNKS) {
    throw new RangeError(`totalChunks: expected 1..${MAX_PAYLOAD_CHUNKS}, got ${String(totalChunks)}`)
  }
  const concurrency = options.concurrency ?? DEFAULT_PAYLOAD_CONCURRENCY
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency: expected a positive integer, got ${String(concurrency)}`)
  parsePayloadHeader(header)
  const key = await toPayloadKey(contentKey, 'decrypt')
  const inFlight: Array<Promise<Uint8Array>> = []
  try {
    let index = 0
    for await (const sealed of sealedChunks) {
      if (options.signal?.aborted === true) throw new AbortError()
      if (index >= totalChunks) throw new DecryptionError() // extra or duplicated chunk
      const opened = openPayloadChunk(key, header, index, sealed, index === totalChunks - 1, options.aad)
      opened.catch(() => {}) // awaited below in order; avoid an unhandled rejection meanwhile
      inFlight.push(opened)
      index++
      if (inFlight.length >= concurrency) yield await (inFlight.shift() as Promise<Uint8Array>)
    }
    if (index < totalChunks) throw new DecryptionError() // truncated
    while (inFlight.length > 0) {
      if (options.signal?.aborted === true) throw new AbortError()
      yield await (inFlight.shift() as Promise<Uint8Array>)
    }
  } finally {
    inFlight.length = 0
  }
}
