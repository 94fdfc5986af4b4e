/**
 * Shards fetched back from holders for keyless repair, each verified against the signed
 * manifest's checksum before it is used ([Note: Keyless repair] in ./repair.ts), and a
 * {@link ShardSource} that rebuilds any shard from k of them.
 */
import { DEFAULT_STRIPE_BYTES } from '../codec/striped.js'
import { isErrorNamed } from '../core/errors.js'
import { equalBytes, toHex } from '../core/hex.js'
import type { AbortOptions, PeerNetwork } from '../core/ports.js'
import type { FragmentId, Manifest } from '../core/types.js'
import { blake3 } from '../crypto/hash.js'
import { type ShardGeometry, type ShardReader, bytesReader, regenerateShard } from './attestation.js'
import { throwIfAborted } from './clock.js'
import { DEFAULT_FETCH_TIMEOUT_MS } from './constants.js'
import type { ShardSource } from './shard-source.js'

/** The fragment id of shard `index` of the tessera of `manifest`. */
export function fragmentOf (manifest: Manifest, index: number): FragmentId {
  return { tesseraHashHex: toHex(manifest.tesseraHash), index, shardCount: manifest.k + manifest.m, checksumHex: toHex(manifest.shardChecksums[index]) }
}

/** True when `bytes` is shard `index` of the tessera of `manifest` (length and BLAKE3 checksum). */
export function isShardOf (manifest: Manifest, index: number, bytes: Uint8Array | undefined): bytes is Uint8Array {
  return bytes !== undefined && bytes.length === manifest.shardSize && equalBytes(blake3(bytes), manifest.shardChecksums[index])
}

/** One fetch attempt: who, which shard, and whether it gave verified bytes. */
export interface FetchOutcome {
  holderId: string
  index: number
  /** `'OK'`: verified bytes; `'NOT_HELD'`: the peer has no such shard; `'BAD_BYTES'`: bytes not matching the checksum; `'UNREACHABLE'`: no answer. */
  result: 'OK' | 'NOT_HELD' | 'BAD_BYTES' | 'UNREACHABLE'
}

/** Inputs of {@link gatherShards}. */
export interface GatherInput {
  network: PeerNetwork
  manifest: Manifest
  /** Verified shards already here (held by this node), by index. */
  have: ReadonlyMap<number, Uint8Array>
  /** Peers to ask for shard `index`, best first (live holders, then peers that may hold it). */
  candidates: (index: number) => readonly string[]
  /** Most fetch requests in all (misses included). */
  maxRequests: number
  /** Longest wait for one shard. Default {@link DEFAULT_FETCH_TIMEOUT_MS}. */
  fetchTimeoutMs?: number
}

/** Result of {@link gatherShards}. */
export interface Gathered {
  /** `have` plus the verified fetched shards; at most k unless `have` had more. */
  shards: Map<number, Uint8Array>
  /** Every request made, in order. */
  outcomes: FetchOutcome[]
}

/**
 * Fetches shards until k distinct verified ones are here (or candidates or the request budget
 * run out), one at a time: memory holds at most k shards, and no byte beyond the k-th shard is
 * transferred. A peer answering bytes that do not match the checksum is not asked again.
 * @throws AbortError
 */
export async function gatherShards (input: GatherInput, options: AbortOptions = {}): Promise<Gathered> {
  const { manifest, network } = input
  const n = manifest.k + manifest.m
  const shards = new Map(input.have)
  const outcomes: FetchOutcome[] = []
  const bad = new Set<string>()
  let requests = 0
  for (let index = 0; index < n && shards.size < manifest.k && requests < input.maxRequests; index++) {
    if (shards.has(index)) continue
    for (const holderId of input.candidates(index)) {
      throwIfAborted(options.signal)
      if (bad.has(holderId) || holderId === network.selfId) continue
      if (requests >= input.maxRequests) break
      requests++
      const timeout = AbortSignal.timeout(input.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS)
      let bytes: Uint8Array | undefined
      try {
        bytes = await network.fetchShard(holderId, fragmentOf(manifest, index), { signal: options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]) })
      } catch (err) {
        throwIfAborted(options.signal)
        // The network adapter checks the bytes while reading them: a mismatch there is a lie, not churn.
        if (isErrorNamed(err, 'ChecksumMismatchError')) {
          bad.add(holderId)
          outcomes.push({ holderId, index, result: 'BAD_BYTES' })
        } else {
          outcomes.push({ holderId, index, result: 'UNREACHABLE' })
        }
        continue
      }
      if (bytes === undefined) {
        outcomes.push({ holderId, index, result: 'NOT_HELD' })
        continue
      }
      if (!isShardOf(manifest, index, bytes)) {
        bad.add(holderId)
        outcomes.push({ holderId, index, result: 'BAD_BYTES' })
        continue
      }
      shards.set(index, bytes)
      outcomes.push({ holderId, index, result: 'OK' })
      break
    }
  }
  return { shards, outcomes }
}

/** The geometry of a manifest. */
export function geometryOf (manifest: Manifest): ShardGeometry {
  return { k: manifest.k, m: manifest.m, shardSize: manifest.shardSize }
}

/**
 * A {@link ShardSource} over verified shards in memory: a shard present is returned as is, a
 * missing one is rebuilt from k present ones stripe by stripe (only one stripe of workspace
 * beyond the output shard). Not verified here: the push path checks every shard against the
 * manifest before it leaves the device.
 * @throws (read) ExpectedAnswerUnavailableError when fewer than k shards are present, AbortError
 */
export function shardsSource (manifest: Manifest, shards: ReadonlyMap<number, Uint8Array>, stripeBytes = DEFAULT_STRIPE_BYTES): ShardSource {
  const geometry = geometryOf(manifest)
  const readers = new Map<number, ShardReader>([...shards].map(([i, b]) => [i, bytesReader(b)]))
  return {
    shardCount: manifest.k + manifest.m,
    shardSize: manifest.shardSize,
    read: async (index, options = {}) => {
      const present = shards.get(index)
      if (present !== undefined) return present.slice()
      return await readWhole(regenerateShard(geometry, index, readers), stripeBytes, options)
    }
  }
}

/** Reads a whole shard from `reader`, `stripeBytes` at a time. @throws AbortError */
export async function readWhole (reader: ShardReader, stripeBytes = DEFAULT_STRIPE_BYTES, options: AbortOptions = {}): Promise<Uint8Array> {
  const out = new Uint8Array(reader.size)
  for (let o = 0; o < reader.size; o += stripeBytes) {
    throwIfAborted(options.signal)
    out.set(await reader.read(o, Math.min(stripeBytes, reader.size - o), options), o)
  }
  return out
}

/**
 * `reader` with large reads split into stripes: a whole-shard read of a regenerated shard then
 * holds the output plus k stripes, never k whole shards (a `whole` challenge on a parity shard of
 * a 1 GB tessera would otherwise read 48 shards of 22 MiB at once).
 */
export function stripedReader (reader: ShardReader, stripeBytes = DEFAULT_STRIPE_BYTES): ShardReader {
  return {
    size: reader.size,
    read: async (offset, length, options = {}) => {
      if (length <= stripeBytes) return await reader.read(offset, length, options)
      const out = new Uint8Array(length)
      for (let o = 0; o < length; o += stripeBytes) {
        throwIfAborted(options.signal)
        out.set(await reader.read(offset + o, Math.min(stripeBytes, length - o), options), o)
      }
      return out
    }
  }
}
