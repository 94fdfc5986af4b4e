import { describe, expect, it } from 'vitest'
import { blake3 } from '@noble/hashes/blake3.js'
import { parityStripe } from '../../../src/crypto/worker-jobs.js'
import { createReedSolomon } from '../../../src/codec/index.js'
import { createCvMerger } from '../../../src/codec/blake3-tree.js'
import { toHex } from '../../../src/core/hex.js'

function bytes (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed || 1
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24 }
  return out
}

describe('parityStripe (stateless, parity CVs per stripe)', () => {
  it('CVs of stripes encoded out of order merge into BLAKE3 of each whole parity shard', async () => {
    const k = 4
    const m = 3
    const width = 4096
    const shardSize = 2 * width + 777 // last stripe shorter
    const shards = Array.from({ length: k }, (_, i) => bytes(shardSize, i + 1))
    const parity = Array.from({ length: m }, () => new Uint8Array(shardSize))
    createReedSolomon(k, m).encode(shards, parity)
    const stripes = Math.ceil(shardSize / width)
    const cvs: Uint8Array[][] = []
    for (const s of [2, 0, 1]) {
      const data = shards.map(d => d.slice(s * width, Math.min(shardSize, (s + 1) * width)))
      const out = await parityStripe({ k, m, data, chunkOffset: s * width / 1024, root: false })
      expect(out.data).toBe(data)
      cvs[s] = out.parityCvs
    }
    for (let j = 0; j < m; j++) {
      // Merged in stripe order, as the save does (src/app/library.ts).
      const merger = createCvMerger()
      for (let s = 0; s < stripes; s++) merger.push(cvs[s][j])
      expect(toHex(merger.root())).toBe(toHex(blake3(parity[j])))
    }
  })

  it('returns the hashes themselves for a stripe that is the whole shard', async () => {
    const shards = Array.from({ length: 2 }, (_, i) => bytes(3000, i + 9))
    const parity = [new Uint8Array(3000)]
    createReedSolomon(2, 1).encode(shards, parity)
    const out = await parityStripe({ k: 2, m: 1, data: shards.map(s => s.slice()), chunkOffset: 0, root: true })
    expect(toHex(out.parityCvs[0])).toBe(toHex(blake3(parity[0])))
  })

  it('rejects unaligned stripes, a root stripe not at 0 and uneven slices', async () => {
    const data = [bytes(2048, 1), bytes(2048, 2)]
    await expect(parityStripe({ k: 2, m: 1, data, chunkOffset: 1, root: false })).rejects.toThrow(RangeError)
    await expect(parityStripe({ k: 2, m: 1, data, chunkOffset: 2, root: true })).rejects.toThrow(RangeError)
    await expect(parityStripe({ k: 2, m: 1, data: [bytes(2048, 1), bytes(1024, 2)], chunkOffset: 0, root: false })).rejects.toThrow(RangeError)
  })
})
