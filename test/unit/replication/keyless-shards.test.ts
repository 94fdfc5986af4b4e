import { describe, expect, it } from 'vitest'
import type { PeerNetwork } from '../../../src/core/ports.js'
import type { FragmentId, Manifest } from '../../../src/core/types.js'
import { blake3 } from '../../../src/crypto/hash.js'
import { gatherShards } from '../../../src/replication/index.js'

const k = 2
const m = 1
const shards = [new Uint8Array(64).fill(1), new Uint8Array(64).fill(2), new Uint8Array(64).fill(3)]
/** Only what gatherShards reads of a manifest. */
const manifest = { k, m, shardSize: 64, tesseraHash: new Uint8Array(32).fill(9), shardChecksums: shards.map(s => blake3(s)) } as unknown as Manifest

/** `liar` fails every read the way the libp2p adapter does when the bytes do not match; `honest` serves. */
function network (calls: string[]): PeerNetwork {
  return {
    selfId: 'me',
    fetchShard: async (peerId: string, id: FragmentId) => {
      calls.push(`${peerId}/${id.index}`)
      if (peerId === 'liar') throw Object.assign(new Error('shard checksum mismatch'), { name: 'ChecksumMismatchError', code: 'ERR_CHECKSUM_MISMATCH' })
      if (peerId === 'gone') throw Object.assign(new Error('unreachable'), { name: 'ProtocolError', code: 'ERR_UNREACHABLE' })
      return shards[id.index].slice()
    }
  } as unknown as PeerNetwork
}

describe('gatherShards', () => {
  it('counts a shard the network adapter rejected as mismatching as BAD_BYTES, and asks that peer no more', async () => {
    const calls: string[] = []
    const g = await gatherShards({ network: network(calls), manifest, have: new Map(), maxRequests: 10, candidates: () => ['liar', 'gone', 'honest'] })
    expect([...g.shards.keys()].sort()).toEqual([0, 1])
    expect(g.outcomes.filter(o => o.holderId === 'liar')).toEqual([{ holderId: 'liar', index: 0, result: 'BAD_BYTES' }])
    expect(g.outcomes.filter(o => o.holderId === 'gone').map(o => o.result)).toEqual(['UNREACHABLE', 'UNREACHABLE'])
    expect(calls.filter(c => c.startsWith('liar'))).toEqual(['liar/0'])
  })
})
