/**
 * Fragment plans: how an encrypted payload is cut into shards, by tier.
 * ../shared/DESIGN.md "A tessera on disk and on the wire" §4.
 */
import {
  DEFAULT_CHUNK_BYTES, DEFAULT_REPLICAS, LARGE_DATA_SHARDS, LARGE_PARITY_SHARDS, LARGE_TIER_MIN_BYTES,
  MAX_TESSERA_BYTES, MEDIUM_DATA_SHARDS, MEDIUM_PARITY_SHARDS, SMALL_TIER_MAX_BYTES
} from './constants.js'
import type { FragmentPlan } from './types.js'

/** Bytes of the encrypted payload header: magic "TSP2" ‖ chunk size u32 BE ‖ algorithm id ‖ 7-byte nonce prefix ‖ 8 reserved zero bytes (src/crypto/payload.ts). */
export const PAYLOAD_HEADER_BYTES = 24
/** Bytes of the AEAD tag appended to every sealed chunk (AES-GCM, Poly1305). */
export const AEAD_TAG_BYTES = 16

/**
 * Largest encrypted payload accepted: {@link MAX_TESSERA_BYTES} of plaintext container sealed
 * in {@link DEFAULT_CHUNK_BYTES} chunks (header + one tag per chunk).
 */
export const MAX_PAYLOAD_BYTES =
  PAYLOAD_HEADER_BYTES + MAX_TESSERA_BYTES + AEAD_TAG_BYTES * Math.ceil(MAX_TESSERA_BYTES / DEFAULT_CHUNK_BYTES)

/**
 * The tier and erasure coding of an encrypted payload of `encryptedSize` bytes.
 * Small (< {@link SMALL_TIER_MAX_BYTES}): one shard = the whole payload, no parity.
 * Medium: 16 + 8. Large (≥ {@link LARGE_TIER_MIN_BYTES}): 48 + 24. Shard size is ceil(size / k).
 * @param encryptedSize - bytes of the encrypted payload (header + sealed chunks)
 * @example planFragments(10 * 1024 * 1024) // { tier: 'medium', k: 16, m: 8, shardSize: 655360, replicas: 7 }
 * @throws TypeError when `encryptedSize` is not an integer
 * @throws RangeError when `encryptedSize` < 1 or > {@link MAX_PAYLOAD_BYTES}
 */
export function planFragments (encryptedSize: number): FragmentPlan {
  if (!Number.isSafeInteger(encryptedSize)) {
    throw new TypeError(`encryptedSize: expected an integer, got ${String(encryptedSize)}`)
  }
  if (encryptedSize < 1 || encryptedSize > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`encryptedSize: expected 1..${MAX_PAYLOAD_BYTES} bytes, got ${encryptedSize}`)
  }
  if (encryptedSize < SMALL_TIER_MAX_BYTES) {
    return { tier: 'small', k: 1, m: 0, shardSize: encryptedSize, replicas: DEFAULT_REPLICAS }
  }
  const [tier, k, m] = encryptedSize >= LARGE_TIER_MIN_BYTES
    ? ['large', LARGE_DATA_SHARDS, LARGE_PARITY_SHARDS] as const
    : ['medium', MEDIUM_DATA_SHARDS, MEDIUM_PARITY_SHARDS] as const
  return { tier, k, m, shardSize: Math.ceil(encryptedSize / k), replicas: DEFAULT_REPLICAS }
}

/**
 * Byte range [start, end) of the encrypted payload held by data shard `index`. The shard is
 * `shardSize` bytes: these payload bytes followed by zero padding (end - start may be less
 * than shardSize for the last shards; a shard wholly past the data has start = end = size).
 * @param plan - the plan of a payload of `size` bytes
 * @param index - data shard index, 0 ≤ index < plan.k
 * @param size - bytes of the encrypted payload
 * @throws RangeError when `index` is not a data shard of `plan`, or `plan` does not fit `size`
 */
export function shardRange (plan: FragmentPlan, index: number, size: number): { start: number, end: number } {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`size: expected a positive integer, got ${String(size)}`)
  if (!Number.isSafeInteger(plan.k) || plan.k < 1 || plan.shardSize !== Math.ceil(size / plan.k)) {
    throw new RangeError(`plan: shardSize ${plan.shardSize} with k ${plan.k} does not fit size ${size}`)
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= plan.k) {
    throw new RangeError(`index: expected 0..${plan.k - 1}, got ${String(index)}`)
  }
  const start = Math.min(index * plan.shardSize, size)
  const end = Math.min(start + plan.shardSize, size)
  return { start, end }
}
