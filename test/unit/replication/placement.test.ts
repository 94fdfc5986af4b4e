import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { institutionalCap, lossTolerance, placeShards, rendezvousWeight, subnetOf } from '../../../src/replication/index.js'
import type { Placement } from '../../../src/replication/index.js'
import { hashOf, peer, peers } from './helpers.js'

const holdersOf = (p: Placement): string[][] => p.assignments.map(a => a.holders)
const medium = (n: number, seed = 1, over?: Parameters<typeof peers>[1]): Placement =>
  placeShards({ tesseraHash: hashOf(seed), k: 16, m: 8, ownerId: 'owner', peers: [peer('owner'), ...peers(n, over)] })

describe('placeShards', () => {
  it('is deterministic whatever the order of peers', () => {
    const list = peers(30)
    const a = placeShards({ tesseraHash: hashOf(9), k: 16, m: 8, ownerId: 'x', peers: list })
    const b = placeShards({ tesseraHash: hashOf(9), k: 16, m: 8, ownerId: 'x', peers: [...list].reverse() })
    expect(b).toEqual(a)
  })

  it('never chooses the owner, a relayed peer or an excluded one', () => {
    const list = [...peers(10), peer('relayed', { kind: 'relayed' }), peer('bad')]
    const p = placeShards({ tesseraHash: hashOf(3), k: 16, m: 8, ownerId: 'p0', peers: list }, { exclude: new Set(['bad']) })
    const all = p.assignments.flatMap(a => [...a.holders, ...a.fallbacks])
    for (const id of ['p0', 'relayed', 'bad']) expect(all).not.toContain(id)
  })

  it('puts each of 24 shards on a distinct holder when 24 peers exist: survives 8', () => {
    const p = medium(40)
    expect(p.mode).toBe('distinct')
    expect(new Set(holdersOf(p).flat()).size).toBe(24)
    expect(lossTolerance(holdersOf(p), 16).survives).toBe(8)
  })

  it('spreads 24 shards round-robin over 7 peers: survives 2', () => {
    const p = medium(7)
    expect(p.mode).toBe('round-robin')
    expect(p.holders).toHaveLength(7)
    expect(Math.max(...p.holders.map(h => holdersOf(p).filter(hs => hs.includes(h)).length))).toBe(4)
    expect(lossTolerance(holdersOf(p), 16).survives).toBe(2)
  })

  it('stores a Small tessera whole on 7 holders: survives 6', () => {
    const p = placeShards({ tesseraHash: hashOf(4), k: 1, m: 0, ownerId: 'owner', peers: peers(20) })
    expect(p.assignments).toHaveLength(1)
    expect(new Set(p.assignments[0].holders).size).toBe(7)
    expect(lossTolerance(holdersOf(p), 1).survives).toBe(6)
  })

  it('returns mode none with no eligible peer', () => {
    const p = placeShards({ tesseraHash: hashOf(4), k: 16, m: 8, ownerId: 'owner', peers: [peer('owner')] })
    expect(p.mode).toBe('none')
    expect(p.assignments.every(a => a.holders.length === 0)).toBe(true)
    expect(lossTolerance(holdersOf(p), 16)).toMatchObject({ recoverable: false, survives: 0 })
  })

  it('caps institutional holders at ceil(r/3.5)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 12 }), fc.integer(), (normal, inst, seed) => {
      const list = [...peers(normal), ...Array.from({ length: inst }, (_, i) => peer(`inst${i}`, { institutional: true, kind: 'websocket' }))]
      const p = placeShards({ tesseraHash: hashOf(seed), k: 16, m: 8, ownerId: 'o', peers: list })
      const chosenInst = p.holders.filter(h => h.startsWith('inst')).length
      expect(chosenInst).toBeLessThanOrEqual(institutionalCap(7))
      // Institutional peers are used up to the cap when there is room for them.
      if (normal + Math.min(inst, 2) <= 24) expect(chosenInst).toBe(Math.min(inst, 2))
    }), { numRuns: 60 })
  })

  it('keeps at most a quarter of holders in one /24 when enough subnets exist', () => {
    const list = peers(60, i => ({ addresses: [`10.0.${i % 12}.${i}`] }))
    const p = placeShards({ tesseraHash: hashOf(5), k: 16, m: 8, ownerId: 'o', peers: list })
    expect(p.subnetRelaxed).toBe(false)
    const bySubnet = new Map<string, number>()
    for (const h of p.holders) {
      const s = subnetOf(list.find(x => x.id === h)?.addresses[0] ?? '') ?? ''
      bySubnet.set(s, (bySubnet.get(s) ?? 0) + 1)
    }
    expect(Math.max(...bySubnet.values())).toBeLessThanOrEqual(6)
  })

  it('relaxes the subnet cap rather than leaving shards unplaced (all peers on one host)', () => {
    const p = medium(10, 2, () => ({ addresses: ['127.0.0.1'], kind: 'websocket' }))
    expect(p.subnetRelaxed).toBe(true)
    expect(p.holders).toHaveLength(10)
  })

  it('lists fallbacks outside the holder set first', () => {
    const p = medium(30)
    for (const a of p.assignments) {
      expect(a.fallbacks).toHaveLength(3)
      for (const f of a.fallbacks) expect(p.holders).not.toContain(f)
    }
  })

  it('moves few shards when a peer joins or a non-holder leaves (minimal movement)', () => {
    let moved = 0
    const trials = 20
    for (let seed = 0; seed < trials; seed++) {
      const before = medium(48, seed)
      const after = placeShards({ tesseraHash: hashOf(seed), k: 16, m: 8, ownerId: 'owner', peers: [...peers(48), peer('newcomer')] })
      moved += before.assignments.filter((a, i) => a.holders[0] !== after.assignments[i].holders[0]).length
      const nonHolder = peers(48).find(x => !before.holders.includes(x.id))
      const left = placeShards({ tesseraHash: hashOf(seed), k: 16, m: 8, ownerId: 'owner', peers: peers(48).filter(x => x !== nonHolder && x.id !== nonHolder?.id) })
      expect(left.assignments.map(a => a.holders)).toEqual(before.assignments.map(a => a.holders))
    }
    // A newcomer enters the top 24 of 49 about half the time and then moves a shard or two.
    expect(moved / trials).toBeLessThan(3)
  })

  it('chooses holders uniformly over many owners (chi-squared)', () => {
    const n = 10
    const counts = new Array<number>(n).fill(0)
    const trials = 3000
    for (let seed = 0; seed < trials; seed++) {
      const p = placeShards({ tesseraHash: hashOf(seed + 1000), k: 1, m: 0, ownerId: 'o', peers: peers(n) }, { replicas: 1 })
      counts[Number(p.assignments[0].holders[0].slice(1))]++
    }
    const expected = trials / n
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    expect(chi2).toBeLessThan(27.88) // 9 degrees of freedom, p = 0.001
  })

  it('rejects malformed requests', () => {
    const ok = { tesseraHash: hashOf(1), k: 16, m: 8, ownerId: 'o', peers: [] }
    expect(() => placeShards({ ...ok, tesseraHash: new Uint8Array(31) })).toThrow(RangeError)
    expect(() => placeShards({ ...ok, k: 0 })).toThrow(RangeError)
    expect(() => placeShards({ ...ok, k: 200, m: 100 })).toThrow(RangeError)
    expect(() => placeShards(ok, { maxSubnetShare: 0 })).toThrow(RangeError)
    expect(() => placeShards({ ...ok, peers: null as never })).toThrow(TypeError)
  })
})

describe('rendezvousWeight', () => {
  it('depends on tessera, index and peer', () => {
    const w = rendezvousWeight(hashOf(1), 0, 'a')
    expect(w).toHaveLength(8)
    expect(rendezvousWeight(hashOf(1), 1, 'a')).not.toEqual(w)
    expect(rendezvousWeight(hashOf(2), 0, 'a')).not.toEqual(w)
    expect(rendezvousWeight(hashOf(1), 0, 'b')).not.toEqual(w)
  })
})

describe('subnetOf', () => {
  it.each([
    ['203.0.113.7', 'v4:203.0.113'],
    ['203.0.113.200', 'v4:203.0.113'],
    ['2001:db8:abcd:12::1', 'v6:2001:db8:abcd'],
    ['2001:db8:abcd::', 'v6:2001:db8:abcd'],
    ['::ffff:198.51.100.4', 'v4:198.51.100'],
    ['[fe80::1%eth0]', 'v6:fe80:0:0'],
    ['256.1.1.1', undefined],
    ['example.org', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1::2::3', undefined]
  ])('%s → %s', (address, subnet) => {
    expect(subnetOf(address)).toBe(subnet)
  })
})

describe('lossTolerance', () => {
  it('is exact for one holder per shard: losing the survives most loaded holders is fine, one more is not', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 12 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 28, maxLength: 28 }), (k, m, owners) => {
      const holders = owners.slice(0, k + m).map(o => [`h${o}`])
      const t = lossTolerance(holders, k)
      const loads = new Map<string, number>()
      for (const [h] of holders) loads.set(h, (loads.get(h) ?? 0) + 1)
      const sorted = [...loads.values()].sort((a, b) => b - a)
      const lostAfter = (n: number): number => sorted.slice(0, n).reduce((a, b) => a + b, 0)
      expect(k + m - lostAfter(t.survives)).toBeGreaterThanOrEqual(k)
      if (t.survives < sorted.length) expect(k + m - lostAfter(t.survives + 1)).toBeLessThan(k)
    }))
  })

  it('counts shards without holders as missing', () => {
    const holders = Array.from({ length: 24 }, (_, i) => i < 18 ? [`h${i}`] : [])
    expect(lossTolerance(holders, 16)).toMatchObject({ availableShards: 18, recoverable: true, survives: 2 })
  })

  it('handles shards with several holders', () => {
    // Any two of a, b, c may vanish: the third still holds two shards.
    expect(lossTolerance([['a', 'b'], ['b', 'c'], ['c', 'a']], 2).survives).toBe(2)
    expect(lossTolerance([['a', 'b'], ['b', 'c'], ['c', 'a']], 3).survives).toBe(1)
  })

  it('rejects k outside 1..n', () => {
    expect(() => lossTolerance([['a']], 2)).toThrow(RangeError)
    expect(() => lossTolerance([['a']], 0)).toThrow(RangeError)
  })
})
