import { describe, expect, it } from 'vitest'
import { assessTessera, holderStanding, nodeState, statusSentence, tesseraStatus, HOUR_MS } from '../../../src/replication/index.js'
import type { ReplicaRecord } from '../../../src/core/ports.js'

const NOW = 1_700_000_000_000
const row = (index: number, holderId: string, failingSince?: number): ReplicaRecord =>
  ({ tesseraHashHex: 'a'.repeat(64), index, holderId, kind: 'webrtc', storedAt: NOW - HOUR_MS, lastProofAt: NOW - HOUR_MS, ...(failingSince === undefined ? {} : { failingSince }) })
const distinct = (n: number, fail: (i: number) => number | undefined = () => undefined): ReplicaRecord[] =>
  Array.from({ length: n }, (_, i) => row(i, `h${i}`, fail(i)))

describe('holderStanding', () => {
  it('is suspect within the grace period and lost after it', () => {
    expect(holderStanding({}, NOW)).toBe('proven')
    expect(holderStanding({ failingSince: NOW - 71 * HOUR_MS }, NOW)).toBe('suspect')
    expect(holderStanding({ failingSince: NOW - 72 * HOUR_MS }, NOW)).toBe('lost')
  })
})

describe('assessTessera', () => {
  it('is Healthy with every shard held, surviving 8 of 24', () => {
    const h = assessTessera({ k: 16, m: 8, replicas: distinct(24), now: NOW })
    expect(h.action).toEqual({ kind: 'Healthy' })
    expect(h.tolerance.survives).toBe(8)
  })

  it('does not re-place the shards of holders that just went quiet (no repair storm)', () => {
    const h = assessTessera({ k: 16, m: 8, replicas: distinct(24, i => i < 10 ? NOW - HOUR_MS : undefined), now: NOW })
    expect(h.action).toEqual({ kind: 'Healthy' })
    expect(h.suspect).toBe(10)
    expect(h.provenTolerance.recoverable).toBe(false)
  })

  it('needs replication for the shards of holders lost past the grace period', () => {
    const h = assessTessera({ k: 16, m: 8, replicas: distinct(24, i => i % 8 === 0 ? NOW - 100 * HOUR_MS : undefined), now: NOW })
    expect(h.action).toEqual({ kind: 'NeedsReplication', deficit: 3, indices: [0, 8, 16] })
    expect(h.lost).toBe(3)
    expect(h.tolerance.survives).toBe(5)
  })

  it('counts missing copies of a Small tessera', () => {
    const h = assessTessera({ k: 1, m: 0, replicas: [row(0, 'a'), row(0, 'b'), row(0, 'c', NOW - 100 * HOUR_MS)], now: NOW })
    expect(h.action).toEqual({ kind: 'NeedsReplication', deficit: 5, indices: [0] })
    expect(h.tolerance.survives).toBe(1)
  })

  it('reports a corrupt local shard first', () => {
    const h = assessTessera({ k: 16, m: 8, replicas: [], now: NOW, corruptLocal: [7, 3] })
    expect(h.action).toEqual({ kind: 'CorruptLocal', index: 3 })
  })
})

describe('tesseraStatus', () => {
  it('says Replicated with its loss tolerance', () => {
    const v = tesseraStatus(assessTessera({ k: 16, m: 8, replicas: distinct(24), now: NOW }))
    expect(v).toMatchObject({ status: 'Replicated', survives: 8, holders: 24 })
    expect(statusSentence(v)).toBe('Safe: survives 8 holders vanishing')
  })

  it('says Initializing while the first push runs, and Only on this device when no peer has it', () => {
    const empty = assessTessera({ k: 16, m: 8, replicas: [], now: NOW })
    expect(tesseraStatus(empty, true).status).toBe('Initializing')
    const v = tesseraStatus(empty)
    expect(v).toMatchObject({ status: 'AtRisk', localOnly: true })
    expect(statusSentence(v)).toBe('Only on this device — waiting for peers')
  })

  it('says Partial when the network can rebuild it but shards are missing, AtRisk when it cannot', () => {
    expect(tesseraStatus(assessTessera({ k: 16, m: 8, replicas: distinct(20), now: NOW })).status).toBe('Partial')
    const risk = tesseraStatus(assessTessera({ k: 16, m: 8, replicas: distinct(10), now: NOW }))
    expect(risk.status).toBe('AtRisk')
    expect(statusSentence(risk)).toContain('only 10 of the 16')
  })
})

describe('nodeState', () => {
  it.each([
    [{ networkReachable: false, storagePeers: 0, statuses: [] }, 'PROVISIONAL'],
    [{ networkReachable: true, storagePeers: 0, statuses: [] }, 'ISOLATED'],
    [{ networkReachable: true, storagePeers: 3, statuses: ['Replicated', 'Partial'] as const }, 'DEGRADED'],
    [{ networkReachable: true, storagePeers: 3, statuses: ['Replicated', 'Initializing'] as const }, 'ACTIVE']
  ])('%o → %s', (input, state) => {
    const s = nodeState(input)
    expect(s.state).toBe(state)
    expect(s.message.length).toBeGreaterThan(20)
  })
})
