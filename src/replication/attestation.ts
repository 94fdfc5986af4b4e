/**
 * Proof of possession (/tesseras/attest/1.0.0; DESIGN "Attestations must prove possession").
 *
 * [Note: Attestation]
 * Challenge: a fresh 32-byte nonce, a few random byte ranges of the shard, and optionally
 * `whole`. Answer: BLAKE3 in keyed mode, key = nonce, over
 *
 *     "tesseras/v1/attest\n" ‖ fragmentId (72) ‖ u32 rangeCount ‖ (u32 offset ‖ u32 length)*
 *     ‖ bytes of each range, in order ‖ u8 whole ‖ (the whole shard when whole = 1)
 *
 * Why not the checksum: the shard's BLAKE3 checksum is public (it is in the manifest and the
 * fragment id), so "send me your checksum" proves nothing; a holder that deleted the bytes could
 * answer forever. With a fresh unpredictable key the answer cannot be precomputed or cached.
 *
 * Who can verify — the hazard. The verifier must compute the same answer, which needs the
 * challenged bytes, not the checksum. So it regenerates them from what it has
 * ({@link ShardReader}):
 *  - the owner on its own device: data shards are slices of its local encrypted payload;
 *    parity bytes at any columns are Reed-Solomon parity of the k data shards' same columns
 *    ({@link payloadShardSources} + {@link regenerateShard}): cheap for ranges (k·len bytes);
 *  - a keyless repairer or a recovering device holding any k verified shards: the missing
 *    shard's columns are reconstructed from the k it has ({@link regenerateShard});
 *  - a holder of the shard itself ({@link bytesReader}).
 * A verifier with none of these cannot verify and must not pretend: {@link regenerateShard}
 * throws ExpectedAnswerUnavailableError, and health then falls back to "unknown", never "proven".
 * The verifier's own bytes must be trustworthy: the owner's payload matched the tessera hash when
 * saved; a repairer verified each fetched shard against its checksum. In `whole` mode the
 * verifier also checks its regenerated shard against the manifest checksum ({@link expectedProof}).
 *
 * Strength: ranges alone are a sample. A holder that kept a fraction f of the shard passes with
 * probability about f^ranges (4 ranges: a holder keeping half passes 1 time in 16), so sampling
 * catches deletion but not a few flipped bytes; `whole` catches any change, at the cost of one
 * pass over the shard on both sides: use it on a schedule (e.g. every Nth round) or when cheap.
 * Not covered: a holder relaying the challenge to another holder of the same shard passes
 * (possession somewhere, not by this peer); placing each shard on one holder makes that rare.
 * Nonces come from a secure random source: a predictable nonce lets a holder precompute answers.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { createReedSolomon } from '../codec/reed-solomon.js'
import { equalBytes, fromHex, utf8Encode } from '../core/hex.js'
import type { AbortOptions, AttestChallenge, AttestResponse, ByteRange, FragmentStore } from '../core/ports.js'
import type { FragmentId } from '../core/types.js'
import { blake3 } from '../crypto/hash.js'
import { type RandomBytes, secureRandomBytes, throwIfAborted } from './clock.js'
import {
  ATTEST_NONCE_BYTES, DEFAULT_ATTEST_RANGE_BYTES, DEFAULT_ATTEST_RANGES, MAX_ATTEST_RANGE_TOTAL_BYTES, MAX_ATTEST_RANGES
} from './constants.js'
import { ExpectedAnswerUnavailableError } from './errors.js'
import { encodeFragmentId } from './receipt.js'

/** Domain label of attestation proofs. */
export const ATTEST_DOMAIN = 'tesseras/v1/attest\n'
/** Bytes read per step when hashing or regenerating a whole shard. */
export const ATTEST_BLOCK_BYTES = 64 * 1024

/** Random access to the bytes of one shard, whatever holds them. */
export interface ShardReader {
  /** Bytes of the shard. */
  readonly size: number
  /**
   * Bytes [offset, offset + length) of the shard.
   * @throws RangeError outside the shard, AbortError
   */
  read(offset: number, length: number, options?: AbortOptions): Promise<Uint8Array>
}

/** A {@link ShardReader} over bytes in memory (the holder's stored shard). */
export function bytesReader (bytes: Uint8Array): ShardReader {
  return {
    size: bytes.length,
    read: async (offset, length, options = {}) => {
      throwIfAborted(options.signal)
      checkRange({ offset, length }, bytes.length, 'range')
      return bytes.subarray(offset, offset + length)
    }
  }
}

function checkRange (r: ByteRange, size: number, path: string): void {
  if (!Number.isSafeInteger(r.offset) || r.offset < 0) throw new RangeError(`${path}.offset: expected a non-negative integer, got ${String(r.offset)}`)
  if (!Number.isSafeInteger(r.length) || r.length < 0) throw new RangeError(`${path}.length: expected a non-negative integer, got ${String(r.length)}`)
  if (r.offset + r.length > size) throw new RangeError(`${path}: [${r.offset}, ${r.offset + r.length}) exceeds the shard's ${size} bytes`)
}

/** How to build a challenge. */
export interface ChallengeInit {
  /** Ranges to sample. Default {@link DEFAULT_ATTEST_RANGES}. */
  ranges?: number
  /** Bytes per range (shorter when the shard is smaller). Default {@link DEFAULT_ATTEST_RANGE_BYTES}. */
  rangeBytes?: number
  /** Also hash the whole shard. Default false. */
  whole?: boolean
  /** Secure random source (nonce and offsets). */
  random?: RandomBytes
}

/**
 * A fresh challenge for `fragment`, whose shard is `shardSize` bytes.
 * @example const challenge = createChallenge(id, manifest.shardSize, { ranges: 4 })
 * @throws RangeError for a bad size or settings
 */
export function createChallenge (fragment: FragmentId, shardSize: number, init: ChallengeInit = {}): AttestChallenge {
  encodeFragmentId(fragment) // validates
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize: expected a positive integer, got ${String(shardSize)}`)
  const count = init.ranges ?? DEFAULT_ATTEST_RANGES
  const rangeBytes = Math.min(init.rangeBytes ?? DEFAULT_ATTEST_RANGE_BYTES, shardSize)
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_ATTEST_RANGES) throw new RangeError(`ranges: expected 0..${MAX_ATTEST_RANGES}, got ${String(count)}`)
  if (!Number.isSafeInteger(rangeBytes) || rangeBytes < 1 || count * rangeBytes > MAX_ATTEST_RANGE_TOTAL_BYTES) {
    throw new RangeError(`rangeBytes: expected 1.. with ranges · rangeBytes ≤ ${MAX_ATTEST_RANGE_TOTAL_BYTES}, got ${String(rangeBytes)}`)
  }
  const whole = init.whole ?? false
  if (count === 0 && !whole) throw new RangeError('ranges: expected at least one range unless whole')
  const random = init.random ?? secureRandomBytes
  const nonce = random(ATTEST_NONCE_BYTES).slice()
  if (nonce.length !== ATTEST_NONCE_BYTES) throw new RangeError(`random: expected ${ATTEST_NONCE_BYTES} bytes, got ${nonce.length}`)
  const span = shardSize - rangeBytes + 1
  const ranges: ByteRange[] = []
  const words = random(count * 6)
  for (let i = 0; i < count; i++) {
    // 48 random bits: modulo bias below 2^-20 for any shard size.
    let v = 0
    for (let j = 0; j < 6; j++) v = v * 256 + words[i * 6 + j]
    ranges.push({ offset: v % span, length: rangeBytes })
  }
  return { fragment: { ...fragment }, nonce, ranges, whole }
}

/**
 * Checks a received challenge against our shard's size (the holder's side): nonce length,
 * range count, bounds and total bytes ([Note: Attestation]).
 * @throws TypeError/RangeError naming the bad field
 */
export function validateChallenge (challenge: AttestChallenge, shardSize: number): void {
  if (typeof challenge !== 'object' || challenge === null) throw new TypeError('challenge: expected an object')
  encodeFragmentId(challenge.fragment)
  if (!(challenge.nonce instanceof Uint8Array)) throw new TypeError('nonce: expected Uint8Array')
  if (challenge.nonce.length !== ATTEST_NONCE_BYTES) throw new RangeError(`nonce: expected ${ATTEST_NONCE_BYTES} bytes, got ${challenge.nonce.length}`)
  if (typeof challenge.whole !== 'boolean') throw new TypeError('whole: expected a boolean')
  if (!Array.isArray(challenge.ranges)) throw new TypeError('ranges: expected an array')
  if (challenge.ranges.length > MAX_ATTEST_RANGES) throw new RangeError(`ranges: expected at most ${MAX_ATTEST_RANGES}, got ${challenge.ranges.length}`)
  if (challenge.ranges.length === 0 && !challenge.whole) throw new RangeError('ranges: expected at least one range unless whole')
  let total = 0
  challenge.ranges.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) throw new TypeError(`ranges[${i}]: expected an object`)
    checkRange(r, shardSize, `ranges[${i}]`)
    total += r.length
  })
  if (total > MAX_ATTEST_RANGE_TOTAL_BYTES) throw new RangeError(`ranges: expected at most ${MAX_ATTEST_RANGE_TOTAL_BYTES} bytes in all, got ${total}`)
}

/**
 * The proof for `challenge` over the shard `reader` gives ([Note: Attestation]). Used by the
 * holder on its stored bytes and by the verifier on regenerated ones.
 * @throws TypeError/RangeError for a malformed challenge, AbortError
 */
export async function computeProof (challenge: AttestChallenge, reader: ShardReader, options: AbortOptions = {}): Promise<Uint8Array> {
  validateChallenge(challenge, reader.size)
  // Hazard: the nonce is the MAC key; it must be fresh per challenge (see createChallenge).
  const h = nobleBlake3.create({ key: challenge.nonce })
  const head = new Uint8Array(4 + 8 * challenge.ranges.length)
  const view = new DataView(head.buffer)
  view.setUint32(0, challenge.ranges.length)
  challenge.ranges.forEach((r, i) => {
    view.setUint32(4 + 8 * i, r.offset)
    view.setUint32(8 + 8 * i, r.length)
  })
  h.update(utf8Encode(ATTEST_DOMAIN)).update(encodeFragmentId(challenge.fragment)).update(head)
  for (const r of challenge.ranges) {
    throwIfAborted(options.signal)
    h.update(await reader.read(r.offset, r.length, options))
  }
  h.update(Uint8Array.of(challenge.whole ? 1 : 0))
  if (challenge.whole) {
    for (let o = 0; o < reader.size; o += ATTEST_BLOCK_BYTES) {
      throwIfAborted(options.signal)
      h.update(await reader.read(o, Math.min(ATTEST_BLOCK_BYTES, reader.size - o), options))
    }
  }
  return h.digest()
}

/**
 * The holder's answer: reads the shard from `fragments` and proves possession. Never throws for
 * remote input: a missing shard is `NOT_FOUND`, a malformed challenge `BAD_REQUEST`, a storage
 * failure `INTERNAL` (STYLE §4: remote peers get a status, never our error text).
 * @throws AbortError only
 */
export async function answerChallenge (challenge: AttestChallenge, fragments: FragmentStore, options: AbortOptions = {}): Promise<AttestResponse> {
  throwIfAborted(options.signal)
  let bytes: Uint8Array | undefined
  try {
    encodeFragmentId(challenge?.fragment)
    bytes = await fragments.get(challenge.fragment, options)
  } catch (err) {
    throwIfAborted(options.signal)
    const name = (err as { name?: unknown })?.name
    return { status: name === 'TypeError' || name === 'RangeError' ? 'BAD_REQUEST' : 'INTERNAL' }
  }
  if (bytes === undefined) return { status: 'NOT_FOUND' }
  try {
    validateChallenge(challenge, bytes.length)
  } catch {
    return { status: 'BAD_REQUEST' }
  }
  return { status: 'OK', proof: await computeProof(challenge, bytesReader(bytes), options) }
}

/** Outcome of {@link checkAttestation}. */
export type AttestationVerdict =
  | { passed: true }
  /** `'WRONG_PROOF'`: answered OK with a proof that does not match; otherwise the holder's status or `'MALFORMED'`. */
  | { passed: false, reason: 'WRONG_PROOF' | 'MALFORMED' | Exclude<AttestResponse['status'], 'OK'> }

/**
 * The answer the verifier expects, from its own copy of the shard ([Note: Attestation]). In
 * `whole` mode, when `checksum` is given, the regenerated shard is first checked against it, so a
 * verifier with a corrupt local copy does not blame an honest holder.
 * @throws ExpectedAnswerUnavailableError when `whole` and the regenerated shard does not match `checksum`
 */
export async function expectedProof (challenge: AttestChallenge, reader: ShardReader, options: AbortOptions & { checksum?: Uint8Array } = {}): Promise<Uint8Array> {
  if (challenge.whole && options.checksum !== undefined) {
    const whole = await reader.read(0, reader.size, options)
    if (!equalBytes(blake3(whole), options.checksum)) {
      throw new ExpectedAnswerUnavailableError('our copy of the shard does not match its checksum')
    }
    return await computeProof(challenge, bytesReader(whole), options)
  }
  return await computeProof(challenge, reader, options)
}

/**
 * Compares a holder's response with the expected proof (constant-time comparison is not needed:
 * the nonce is single-use, so a timing leak about one proof helps with no other).
 */
export function checkAttestation (response: AttestResponse, expected: Uint8Array): AttestationVerdict {
  if (typeof response !== 'object' || response === null) return { passed: false, reason: 'MALFORMED' }
  if (response.status !== 'OK') {
    const known = ['NOT_FOUND', 'BAD_REQUEST', 'BUSY', 'INTERNAL'] as const
    return { passed: false, reason: (known as readonly string[]).includes(response.status) ? response.status as typeof known[number] : 'MALFORMED' }
  }
  if (!(response.proof instanceof Uint8Array) || response.proof.length !== 32) return { passed: false, reason: 'MALFORMED' }
  return equalBytes(response.proof, expected) ? { passed: true } : { passed: false, reason: 'WRONG_PROOF' }
}

/** Geometry of an erasure-coded tessera, as in its manifest. */
export interface ShardGeometry {
  k: number
  m: number
  /** Bytes per shard. */
  shardSize: number
}

/**
 * Readers for the k data shards of a tessera whose encrypted payload the owner has locally:
 * data shard i is payload bytes [i·S, (i+1)·S), zero-padded past the end (DESIGN §4 layout).
 * @param readPayload - reads payload bytes [offset, offset + length) (length never past `payloadSize`)
 */
export function payloadShardSources (geometry: ShardGeometry, payloadSize: number,
  readPayload: (offset: number, length: number, options?: AbortOptions) => Promise<Uint8Array>): Map<number, ShardReader> {
  checkGeometry(geometry)
  if (!Number.isSafeInteger(payloadSize) || payloadSize < 1 || Math.ceil(payloadSize / geometry.k) !== geometry.shardSize) {
    throw new RangeError(`payloadSize: ${String(payloadSize)} does not fit k ${geometry.k} and shardSize ${geometry.shardSize}`)
  }
  const sources = new Map<number, ShardReader>()
  for (let i = 0; i < geometry.k; i++) {
    const base = i * geometry.shardSize
    sources.set(i, {
      size: geometry.shardSize,
      read: async (offset, length, options = {}) => {
        throwIfAborted(options.signal)
        checkRange({ offset, length }, geometry.shardSize, 'range')
        const out = new Uint8Array(length)
        const start = Math.min(base + offset, payloadSize)
        const end = Math.min(base + offset + length, payloadSize)
        if (end > start) out.set(await readPayload(start, end - start, options), 0)
        return out
      }
    })
  }
  return sources
}

function checkGeometry (g: ShardGeometry): void {
  if (!Number.isSafeInteger(g.k) || g.k < 1) throw new RangeError(`k: expected an integer ≥ 1, got ${String(g.k)}`)
  if (!Number.isSafeInteger(g.m) || g.m < 0 || g.k + g.m > 256) throw new RangeError(`m: expected an integer ≥ 0 with k + m ≤ 256, got ${String(g.m)}`)
  if (!Number.isSafeInteger(g.shardSize) || g.shardSize < 1) throw new RangeError(`shardSize: expected a positive integer, got ${String(g.shardSize)}`)
}

/**
 * A reader for shard `index` regenerated from other shards' readers: the shard itself when
 * present, else Reed-Solomon over the same columns of any k present shards (only the columns
 * asked for are read and coded, so sampling a parity shard costs k·length bytes).
 * @param sources - readers by shard index (e.g. {@link payloadShardSources}, or fetched shards)
 * @throws ExpectedAnswerUnavailableError when fewer than k shards are present
 */
export function regenerateShard (geometry: ShardGeometry, index: number, sources: ReadonlyMap<number, ShardReader>): ShardReader {
  checkGeometry(geometry)
  const n = geometry.k + geometry.m
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new RangeError(`index: expected 0..${n - 1}, got ${String(index)}`)
  const own = sources.get(index)
  if (own !== undefined) return own
  const present = [...sources.keys()].filter(i => i >= 0 && i < n).sort((a, b) => a - b).slice(0, geometry.k)
  if (present.length < geometry.k) {
    throw new ExpectedAnswerUnavailableError(`cannot regenerate shard ${index}: ${present.length} of ${geometry.k} shards available`)
  }
  const rs = createReedSolomon(geometry.k, geometry.m)
  return {
    size: geometry.shardSize,
    read: async (offset, length, options = {}) => {
      throwIfAborted(options.signal)
      checkRange({ offset, length }, geometry.shardSize, 'range')
      const columns: Array<Uint8Array | undefined> = new Array(n).fill(undefined)
      for (const i of present) {
        const bytes = await (sources.get(i) as ShardReader).read(offset, length, options)
        columns[i] = bytes.slice() // reconstruct never modifies present shards, but sources may share buffers
      }
      if (length === 0) return new Uint8Array(0)
      return rs.reconstruct(columns)[index]
    }
  }
}

/** The {@link FragmentId} hex fields as bytes (helper for adapters building wire messages). */
export function fragmentIdBytes (id: FragmentId): { tesseraHash: Uint8Array, checksum: Uint8Array } {
  encodeFragmentId(id)
  return { tesseraHash: fromHex(id.tesseraHashHex), checksum: fromHex(id.checksumHex) }
}
