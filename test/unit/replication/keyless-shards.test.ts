/**
 * Rebuilding shards from k others ([Note: Keyless repair]): any m losses are restored
 * byte-identically, and large reads of a regenerated shard go stripe by stripe; gathering k
 * shards tells lies from churn.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createReedSolomon } from '../../../src/codec/index.js'
import type { PeerNetwork } from '../../../src/core/ports.js'
import type { FragmentId, Manifest } from '../../../src/core/types.js'
import { blake3 } from '../../../src/crypto/index.js'
import { type ShardReader, bytesReader, gatherShards, isShardOf, readWhole, regenerateShard, shardsSource, stripedReader } from '../../../src/replication/index.js'
import { seededBytes } from './helpers.js'

/** Shards of random data with their parity, and the manifest fields the rebuild reads. */
function coded (k: number, m: number, shardSize: number, seed: number): { manifest: Manifest, shards: Uint8Array[] } {
  const bytes = seededBytes(seed)
  const data = Array.from({ length: k }, () => bytes(shardSize))
  const parity = Array.from({ length: m }, () => new Uint8Array(shardSize))
  createReedSolomon(k, m).encode(data, parity)
  const shards = [...data, ...parity]
  const manifest = { k, m, shardSize, shardChecksums: shards.map(s => blake3(s)), tesseraHash: bytes(32) } as unknown as Manifest
  return { manifest, shards }
}

describe('keyless shards', () => {
  it('rebuilds every lost shard byte-identically from any k left (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 8, max: 300 }),
      async (k, m, shardSize, seed, stripe) => {
        const { manifest, shards } = coded(k, m, shardSize, seed)
        const lost = new Set(Array.from({ length: m }, (_, i) => (seed * 7 + i * 13) % (k + m)))
        const kept = new Map(shards.flatMap((s, i) => lost.has(i) ? [] : [[i, s] as const]))
        const source = shardsSource(manifest, kept, stripe)
        for (const i of lost) {
          const rebuilt = await source.read(i)
          expect(isShardOf(manifest, i, rebuilt)).toBe(true)
        }
      }), { numRuns: 60, seed: 11 })
  })

  it('reads a whole regenerated shard stripe by stripe', async () => {
    const { manifest, shards } = coded(4, 2, 10_000, 3)
    const reads: number[] = []
    const spy = (bytes: Uint8Array): ShardReader => {
      const inner = bytesReader(bytes)
      return { size: inner.size, read: async (o, l, opt) => { reads.push(l); return await inner.read(o, l, opt) } }
    }
    const sources = new Map([0, 1, 2, 3].map(i => [i, spy(shards[i])]))
    const parity = stripedReader(regenerateShard({ k: 4, m: 2, shardSize: 10_000 }, 5, sources), 1024)
    expect(await parity.read(0, 10_000)).toEqual(shards[5])
    expect(Math.max(...reads)).toBe(1024)
    expect(await readWhole(parity, 4096)).toEqual(shards[5])
    expect(isShardOf(manifest, 5, shards[4])).toBe(false)
    expect(isShardOf(manifest, 5, undefined)).toBe(false)
  })
})

/** k = 2, m = 1: what gatherShards reads of a manifest. */
const small = coded(2, 1, 64, 5)

/** `liar` fails every read the way the libp2p adapter does when the bytes do not match; `honest` serves. */
function network (calls: string[]): PeerNetwork {
  return {
    selfId: 'me',
    fetchShard: async (peerId: string, id: FragmentId) => {
      calls.push(`${peerId}/${id.index}`)
      if (peerId === 'liar') throw Object.assign(new Error('shard checksum mismatch'), { name: 'ChecksumMismatchError', code: 'ERR_CHECKSUM_MISMATCH' })
      if (peerId === 'gone') throw Object.assign(new Error('unreachable'), { name: 'ProtocolError', code: 'ERR_UNREACHABLE' })
      return small.shards[id.index].slice()
    }
  } as unknown as PeerNetwork
}

describe('gatherShards', () => {
  it('counts a shard the network adapter rejected as mismatching as BAD_BYTES, and asks that peer no more', async () => {
    const calls: string[] = []
    const g = await gatherShards({ network: network(calls), manifest: small.manifest, have: new Map(), maxRequests: 10, candidates: () => ['liar', 'gone', 'honest'] })
    expect([...g.shards.keys()].sort()).toEqual([0, 1])
    expect(g.outcomes.filter(o => o.holderId === 'liar')).toEqual([{ holderId: 'liar', index: 0, result: 'BAD_BYTES' }])
    expect(g.outcomes.filter(o => o.holderId === 'gone').map(o => o.result)).toEqual(['UNREACHABLE', 'UNREACHABLE'])
    expect(calls.filter(c => c.startsWith('liar'))).toEqual(['liar/0'])
  })
})
