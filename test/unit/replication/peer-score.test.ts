/**
 * Peer score ([Note: Peer score]): strikes, decay with a half-life, the ban threshold and the
 * LRU bound, on a virtual clock.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_PEER_BAN_THRESHOLD, DEFAULT_PEER_SCORE_HALF_LIFE_MS, HOUR_MS, peerScore } from '../../../src/replication/index.js'
import { virtualClock } from './sim-network.js'

describe('peerScore', () => {
  it('bans a peer after 3 strikes within a day, but not after 2', () => {
    const clock = virtualClock()
    const scores = peerScore()({ clock })
    scores.strike('a', 'BAD_SHARD_PUSHED')
    scores.strike('a', 'WRONG_PROOF')
    expect(scores.score('a')).toBe(2)
    expect(scores.isBanned('a')).toBe(false)
    scores.strike('a', 'BAD_MANIFEST')
    expect(scores.isBanned('a')).toBe(true)
    expect(scores.isBanned('b')).toBe(false)
    expect(scores.score('b')).toBe(0)
  })

  it('bans for 3 strikes spread over (almost) a whole day', () => {
    const clock = virtualClock()
    const scores = peerScore()({ clock })
    scores.strike('a', 'BAD_SHARD_SERVED')
    clock.advance(24 * HOUR_MS - 1)
    scores.strike('a', 'BAD_SHARD_SERVED')
    expect(scores.isBanned('a')).toBe(false)
    scores.strike('a', 'BAD_SHARD_SERVED')
    expect(scores.isBanned('a')).toBe(true)
  })

  it('does not ban for 3 strikes more than a day apart each', () => {
    const clock = virtualClock()
    const scores = peerScore()({ clock })
    for (let i = 0; i < 3; i++) {
      scores.strike('a', 'WRONG_PROOF')
      clock.advance(25 * HOUR_MS)
    }
    expect(scores.isBanned('a')).toBe(false)
  })

  it('halves the score every half-life and lifts the ban as it decays', () => {
    const clock = virtualClock()
    const scores = peerScore()({ clock })
    for (let i = 0; i < 4; i++) scores.strike('a', 'BAD_SHARD_PUSHED')
    expect(scores.isBanned('a')).toBe(true)
    clock.advance(DEFAULT_PEER_SCORE_HALF_LIFE_MS)
    expect(scores.score('a')).toBeCloseTo(2, 10)
    expect(scores.isBanned('a')).toBe(false)
    clock.advance(DEFAULT_PEER_SCORE_HALF_LIFE_MS)
    expect(scores.score('a')).toBeCloseTo(1, 10)
    // A repeat offender is banned again at once.
    scores.strike('a', 'BAD_SHARD_PUSHED')
    scores.strike('a', 'BAD_SHARD_PUSHED')
    expect(scores.score('a')).toBeGreaterThanOrEqual(DEFAULT_PEER_BAN_THRESHOLD)
    expect(scores.isBanned('a')).toBe(true)
  })

  it('forgets a score decayed to nothing, and never grows when the clock steps back', () => {
    const clock = virtualClock()
    const scores = peerScore()({ clock })
    scores.strike('a', 'WRONG_PROOF')
    clock.advance(-HOUR_MS)
    expect(scores.score('a')).toBe(1)
    clock.advance(20 * DEFAULT_PEER_SCORE_HALF_LIFE_MS)
    expect(scores.score('a')).toBe(0)
    expect(scores.size).toBe(0)
  })

  it('remembers at most maxPeers, forgetting the least recently struck', () => {
    const scores = peerScore({ maxPeers: 3 })({ clock: virtualClock() })
    for (const id of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) scores.strike(id, 'BAD_MANIFEST')
    scores.strike('a', 'BAD_MANIFEST') // a is now the most recent
    scores.strike('d', 'BAD_MANIFEST')
    expect(scores.size).toBe(3)
    expect(scores.isBanned('b')).toBe(false)
    expect(scores.score('b')).toBe(0)
    expect(scores.isBanned('a')).toBe(true)
    expect(scores.isBanned('c')).toBe(true)
    expect(scores.score('d')).toBe(1)
  })

  it('weighs kinds as configured', () => {
    const scores = peerScore({ weights: { BAD_MANIFEST: 3 } })({ clock: virtualClock() })
    expect(scores.strike('a', 'BAD_MANIFEST')).toBe(3)
    expect(scores.isBanned('a')).toBe(true)
    expect(scores.strike('b', 'WRONG_PROOF')).toBe(1)
  })

  it('rejects bad arguments', () => {
    const scores = peerScore()({ clock: virtualClock() })
    expect(() => scores.strike('', 'WRONG_PROOF')).toThrow(TypeError)
    expect(() => scores.strike('a', 'NOPE' as 'WRONG_PROOF')).toThrow(TypeError)
    expect(() => scores.strike('a', 'toString' as 'WRONG_PROOF')).toThrow(TypeError)
    expect(() => peerScore({ halfLifeMs: 0 })()).toThrow(RangeError)
    expect(() => peerScore({ banThreshold: -1 })()).toThrow(RangeError)
    expect(() => peerScore({ maxPeers: 0 })()).toThrow(RangeError)
    expect(() => peerScore({ weights: { WRONG_PROOF: -1 } })()).toThrow(RangeError)
  })
})
