/**
 * Tesseras shard layout (DESIGN.md, "A tessera on disk and on the wire" §4): shard size
 * S = ceil(len / k); data shard i holds payload bytes [i·S, (i+1)·S), zero-padded at the end.
 * The original length travels in the manifest.
 */
import { ShardSizeMismatchError } from './errors.js'

function checkK (k: number): void {
  if (typeof k !== 'number') throw new TypeError(`k: expected a number, got ${typeof k}`)
  if (!Number.isInteger(k) || k < 1 || k > 256) throw new RangeError(`k: expected an integer in [1, 256], got ${k}`)
}

/**
 * Shard size S = ceil(payloadBytes / k) in bytes.
 * @param payloadBytes - payload length in bytes, a non-negative safe integer
 * @param k - data shards, 1..256
 * @throws {RangeError} for out-of-range arguments
 */
export function shardBytesFor (payloadBytes: number, k: number): number {
  checkK(k)
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0) {
    throw new RangeError(`payloadBytes: expected a non-negative integer, got ${payloadBytes}`)
  }
  return Math.ceil(payloadBytes / k)
}

/**
 * Splits a payload into k data shards of S = ceil(len / k) bytes, zero-padded. The shards are
 * views into one new buffer of k·S bytes (the payload is copied once). For large payloads use
 * {@link createStripedCoder}, which never holds whole shards.
 * @param payload - the (encrypted) payload
 * @param k - data shards, 1..256
 * @throws {TypeError} when payload is not a Uint8Array
 * @throws {RangeError} when k is out of range
 * @example
 * ```ts
 * splitIntoShards(new Uint8Array([1, 2, 3, 4, 5]), 2) // [[1, 2, 3], [4, 5, 0]]
 * ```
 */
export function splitIntoShards (payload: Uint8Array, k: number): Uint8Array[] {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload: expected a Uint8Array')
  const s = shardBytesFor(payload.length, k)
  const buf = new Uint8Array(s * k)
  buf.set(payload)
  return Array.from({ length: k }, (_, i) => buf.subarray(i * s, (i + 1) * s))
}

/**
 * Concatenates data shards and drops the zero padding: the inverse of {@link splitIntoShards}.
 * @param dataShards - the k data shards, equal length (parity must not be included)
 * @param originalLength - payload length in bytes from the manifest, ≤ k·S
 * @throws {ShardSizeMismatchError} when shard lengths differ
 * @throws {RangeError} when originalLength does not fit the shards
 */
export function joinShards (dataShards: readonly Uint8Array[], originalLength: number): Uint8Array {
  if (!Array.isArray(dataShards) || dataShards.length === 0) throw new TypeError('dataShards: expected a non-empty array of Uint8Array')
  const s = dataShards[0]?.length
  dataShards.forEach((d, i) => {
    if (!(d instanceof Uint8Array)) throw new TypeError(`dataShards[${i}]: expected a Uint8Array`)
    if (d.length !== s) throw new ShardSizeMismatchError(`dataShards[${i}]: expected ${s} bytes, got ${d.length}`)
  })
  const total = s * dataShards.length
  if (!Number.isSafeInteger(originalLength) || originalLength < 0 || originalLength > total) {
    throw new RangeError(`originalLength: expected an integer in [0, ${total}], got ${originalLength}`)
  }
  const out = new Uint8Array(originalLength)
  for (let i = 0, off = 0; off < originalLength; i++, off += s) {
    out.set(dataShards[i].subarray(0, Math.min(s, originalLength - off)), off)
  }
  return out
}
