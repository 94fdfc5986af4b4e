import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createReedSolomon } from '../../../src/codec/index.js'
import { toHex } from '../../../src/core/hex.js'
import { blake3 } from '../../../src/crypto/index.js'
import { MemoryFragmentStore } from '../../../src/store/memory/index.js'
import {
  answerChallenge, bytesReader, checkAttestation, computeProof, createChallenge, expectedProof,
  payloadShardSources, regenerateShard, validateChallenge, type ShardReader
} from '../../../src/replication/index.js'
import type { FragmentId } from '../../../src/core/types.js'
import { fragmentId, seededBytes } from './helpers.js'

const k = 4
const m = 2
const payload = seededBytes(7)(4 * 1000 - 13) // last data shard is zero-padded
const shardSize = Math.ceil(payload.length / k)
const shards: Uint8Array[] = (() => {
  const data = Array.from({ length: k }, (_, i) => {
    const s = new Uint8Array(shardSize)
    s.set(payload.subarray(i * shardSize, Math.min(payload.length, (i + 1) * shardSize)))
    return s
  })
  const parity = Array.from({ length: m }, () => new Uint8Array(shardSize))
  createReedSolomon(k, m, { kernel: 'js' }).encode(data, parity)
  return [...data, ...parity]
})()
const idOf = (index: number): FragmentId => fragmentId({ index, shardCount: k + m, checksumHex: toHex(blake3(shards[index])) })
const random = seededBytes(11)

describe('attestation', () => {
  it('an honest holder passes, in ranges and whole modes', async () => {
    const store = new MemoryFragmentStore()
    for (let i = 0; i < k + m; i++) await store.put(idOf(i), shards[i])
    for (const whole of [false, true]) {
      for (let i = 0; i < k + m; i++) {
        const challenge = createChallenge(idOf(i), shardSize, { whole, random })
        const response = await answerChallenge(challenge, store)
        const expected = await expectedProof(challenge, bytesReader(shards[i]))
        expect(checkAttestation(response, expected)).toEqual({ passed: true })
      }
    }
  })

  it('a holder that lost the shard answers NOT_FOUND and fails', async () => {
    const challenge = createChallenge(idOf(0), shardSize, { random })
    const response = await answerChallenge(challenge, new MemoryFragmentStore())
    expect(checkAttestation(response, await computeProof(challenge, bytesReader(shards[0])))).toEqual({ passed: false, reason: 'NOT_FOUND' })
  })

  it('a holder with any one byte altered fails the whole-shard proof (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: shardSize - 1 }), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
      const altered = shards[2].slice()
      altered[at] ^= delta
      const challenge = createChallenge(idOf(2), shardSize, { whole: true, ranges: 0, random })
      const response = { status: 'OK' as const, proof: await computeProof(challenge, bytesReader(altered)) }
      expect(checkAttestation(response, await computeProof(challenge, bytesReader(shards[2])))).toEqual({ passed: false, reason: 'WRONG_PROOF' })
    }), { numRuns: 40 })
  })

  it('a holder with a byte altered inside a sampled range fails', async () => {
    const challenge = createChallenge(idOf(1), shardSize, { random })
    const altered = shards[1].slice()
    altered[challenge.ranges[0].offset] ^= 1
    const proof = await computeProof(challenge, bytesReader(altered))
    expect(checkAttestation({ status: 'OK', proof }, await computeProof(challenge, bytesReader(shards[1]))).passed).toBe(false)
  })

  it('binds the proof to the nonce: an old answer fails a new challenge', async () => {
    const a = createChallenge(idOf(0), shardSize, { random })
    const b = { ...a, nonce: random(32) }
    const old = await computeProof(a, bytesReader(shards[0]))
    expect(checkAttestation({ status: 'OK', proof: old }, await computeProof(b, bytesReader(shards[0]))).passed).toBe(false)
  })

  it('the owner regenerates every shard, parity included, from its local payload', async () => {
    const sources = payloadShardSources({ k, m, shardSize }, payload.length, async (o, l) => payload.subarray(o, o + l))
    for (let i = 0; i < k + m; i++) {
      const reader = regenerateShard({ k, m, shardSize }, i, sources)
      expect(await reader.read(0, shardSize)).toEqual(shards[i])
      const challenge = createChallenge(idOf(i), shardSize, { whole: true, random })
      expect(await expectedProof(challenge, reader, { checksum: blake3(shards[i]) })).toEqual(await computeProof(challenge, bytesReader(shards[i])))
    }
  })

  it('a keyless repairer with any k shards computes the expected answer for a missing one', async () => {
    await fc.assert(fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: k, maxLength: k }), fc.integer({ min: 0, max: 5 }), async (have, target) => {
      const sources = new Map<number, ShardReader>(have.map(i => [i, bytesReader(shards[i])]))
      const reader = regenerateShard({ k, m, shardSize }, target, sources)
      const challenge = createChallenge(idOf(target), shardSize, { random })
      expect(await computeProof(challenge, reader)).toEqual(await computeProof(challenge, bytesReader(shards[target])))
    }), { numRuns: 30 })
  })

  it('refuses to verify with fewer than k shards rather than guessing', () => {
    const sources = new Map<number, ShardReader>([[0, bytesReader(shards[0])]])
    expect(() => regenerateShard({ k, m, shardSize }, 5, sources)).toThrow(expect.objectContaining({ name: 'ExpectedAnswerUnavailableError' }))
  })

  it('refuses a whole-shard expectation when its own copy does not match the checksum', async () => {
    const bad = shards[0].slice()
    bad[0] ^= 1
    const challenge = createChallenge(idOf(0), shardSize, { whole: true, random })
    await expect(expectedProof(challenge, bytesReader(bad), { checksum: blake3(shards[0]) })).rejects.toMatchObject({ name: 'ExpectedAnswerUnavailableError' })
  })

  it('answers BAD_REQUEST to malformed challenges instead of throwing', async () => {
    const store = new MemoryFragmentStore()
    await store.put(idOf(0), shards[0])
    const good = createChallenge(idOf(0), shardSize, { random })
    const bad = [
      { ...good, nonce: new Uint8Array(5) },
      { ...good, ranges: [{ offset: shardSize, length: 1 }] },
      { ...good, ranges: [{ offset: -1, length: 1 }] },
      { ...good, ranges: Array.from({ length: 65 }, () => ({ offset: 0, length: 1 })) },
      { ...good, ranges: [], whole: false },
      { ...good, fragment: { ...good.fragment, index: 99 } }
    ]
    for (const c of bad) expect((await answerChallenge(c, store)).status).toBe('BAD_REQUEST')
  })

  it('rejects oversized range totals and malformed responses', () => {
    const c = createChallenge(idOf(0), shardSize, { random })
    expect(() => { validateChallenge({ ...c, ranges: [{ offset: 0, length: 65 * 1024 }] }, 1 << 20) }).toThrow(RangeError)
    expect(checkAttestation({ status: 'OK' }, new Uint8Array(32))).toEqual({ passed: false, reason: 'MALFORMED' })
    expect(checkAttestation({ status: 'WEIRD' as never, proof: new Uint8Array(32) }, new Uint8Array(32))).toEqual({ passed: false, reason: 'MALFORMED' })
    expect(checkAttestation({ status: 'BUSY' }, new Uint8Array(32))).toEqual({ passed: false, reason: 'BUSY' })
  })

  it('chooses ranges inside the shard and fresh nonces', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer(), (size, seed) => {
      const c = createChallenge(idOf(0), size, { random: seededBytes(seed) })
      expect(() => { validateChallenge(c, size) }).not.toThrow()
    }))
    expect(createChallenge(idOf(0), 100).nonce).not.toEqual(createChallenge(idOf(0), 100).nonce)
  })
})
