/** Shared fixtures of the replication unit tests: seeded randomness, peers, ids. */
import type { PeerInfo } from '../../../src/core/ports.js'
import type { FragmentId } from '../../../src/core/types.js'
import { toHex } from '../../../src/core/hex.js'

/** A seeded PRNG (mulberry32) returning numbers in [0, 1). */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seeded random bytes. */
export function seededBytes (seed: number): (n: number) => Uint8Array {
  const r = seededRandom(seed)
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
}

/** A direct peer with no known address. */
export function peer (id: string, over: Partial<PeerInfo> = {}): PeerInfo {
  return { id, kind: 'webrtc', addresses: [], institutional: false, ...over }
}

/** `n` peers `p0`…`p{n-1}`. */
export function peers (n: number, over: (i: number) => Partial<PeerInfo> = () => ({})): PeerInfo[] {
  return Array.from({ length: n }, (_, i) => peer(`p${i}`, over(i)))
}

/** A tessera hash from a seed. */
export function hashOf (seed: number): Uint8Array {
  return seededBytes(seed)(32)
}

/** A fragment id. */
export function fragmentId (over: Partial<FragmentId> = {}): FragmentId {
  return { tesseraHashHex: toHex(hashOf(1)), index: 0, shardCount: 24, checksumHex: toHex(hashOf(2)), ...over }
}
