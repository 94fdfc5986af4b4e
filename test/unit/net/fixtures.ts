/**
 * Fixtures for the replication protocol tests: shards, manifests whose shape passes the wire
 * checks (signatures are the service's concern, so they are random bytes here), in-memory
 * stream pairs.
 */
import '../../../src/relay/polyfill.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { streamPair as libp2pStreamPair } from '@libp2p/utils'
import type { FragmentId, Manifest } from '../../../src/core/index.js'
import { toHex } from '../../../src/core/index.js'
import type { WireStream } from '../../../src/net/protocols/framing.js'

/** Deterministic pseudo-random bytes. */
export function bytesOf (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}

/**
 * A manifest for a payload of `size` bytes whose shard `index` is `shard` (the other checksums
 * are arbitrary). Medium tier when size ≥ 4 MiB: k = 16, m = 8, shardSize = ceil(size / 16).
 */
export function manifestFor (shard: Uint8Array, index = 0): Manifest {
  const small = shard.length < 4 * 1024 * 1024
  const k = small ? 1 : 16
  const m = small ? 0 : 8
  const size = small ? shard.length : shard.length * k
  const checksum = blake3(shard)
  const shardChecksums = Array.from({ length: k + m }, (_, i) => i === index ? checksum : bytesOf(32, i + 7))
  return {
    formatVersion: 1,
    tesseraHash: small ? checksum : bytesOf(32, 99),
    size,
    chunkSize: 1024 * 1024,
    tier: small ? 'small' : 'medium',
    k,
    m,
    shardSize: shard.length,
    shardChecksums,
    wrappedKey: bytesOf(72, 3),
    encryptedMetadata: bytesOf(200, 4),
    createdAt: 1_700_000_000_000,
    vaultPublicKey: bytesOf(32, 5),
    signature: bytesOf(64, 6)
  }
}

/** The fragment id of shard `index` of `manifest`. */
export function fragmentOf (manifest: Manifest, index = 0): FragmentId {
  return { tesseraHashHex: toHex(manifest.tesseraHash), index, shardCount: manifest.k + manifest.m, checksumHex: toHex(manifest.shardChecksums[index]) }
}

/** Two connected libp2p streams (@libp2p/utils, with a delay and write backpressure), plus what each side sent. */
export async function streamPair (opts: { capacity?: number } = {}): Promise<[Tapped, Tapped]> {
  const [a, b] = await libp2pStreamPair({ delay: 0, capacity: opts.capacity ?? 16 })
  return [tap(a as unknown as WireStream), tap(b as unknown as WireStream)]
}

/** A stream that records the bytes it sent and the error it was aborted with. */
export type Tapped = WireStream & { sent: Uint8Array[], sentBytes: () => number, aborted?: Error, raw: WireStream, trip?: { at: number, fn: () => void } }

/** Calls `fn` once, right after the stream has sent `bytes` bytes: departures mid-transfer that do not depend on the clock. */
export function tripAfter (stream: Tapped, bytes: number, fn: () => void): void {
  stream.trip = { at: bytes, fn }
}

function tap (s: WireStream): Tapped {
  const t = s as Tapped
  const send = s.send.bind(s)
  const abort = s.abort.bind(s)
  t.raw = s
  t.sent = []
  t.sentBytes = () => t.sent.reduce((n, c) => n + c.length, 0)
  t.send = (d) => {
    const c = d instanceof Uint8Array ? d : d.subarray()
    t.sent.push(c.slice())
    const ok = send(d)
    const trip = t.trip
    if (trip != null && t.sentBytes() >= trip.at) { t.trip = undefined; trip.fn() }
    return ok
  }
  t.abort = (err) => { t.aborted = err; abort(err) }
  return t
}

/** Byte equality for large buffers (vitest's deep `toEqual` is slow on MiB-sized arrays). */
export function sameBytes (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a != null && b != null && Buffer.compare(a, b) === 0
}
