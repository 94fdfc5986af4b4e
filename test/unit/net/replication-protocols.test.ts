import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { blake3 } from '@noble/hashes/blake3.js'
import { toHex, type AttestChallenge, type ReplicateRequest } from '../../../src/core/index.js'
import { frame, FrameReader } from '../../../src/net/protocols/framing.js'
import {
  decodeReplicateAck, decodeReplicateHeader, encodeReplicateAck, encodeReplicateHeader, handleReplicate, sendReplicate
} from '../../../src/net/protocols/replicate/handler.js'
import { ReplicateAck as ReplicateAckPb, ReplicateRequest as ReplicateRequestPb } from '../../../src/net/protocols/replicate/pb/replicate.js'
import { decodeAttestRequest, decodeAttestResponse, encodeAttestRequest, encodeAttestResponse, handleAttest, sendAttest } from '../../../src/net/protocols/attest/handler.js'
import {
  decodeFetchRequest, decodeFetchResponse, encodeFetchRequest, encodeFetchResponse, encodeListAnswer, handleFetch, sendFetchList,
  sendFetchManifest, sendFetchShard
} from '../../../src/net/protocols/fetch/handler.js'
import { FETCH_MAX_LIST_RESPONSE_BYTES, FETCH_MAX_LISTED_MANIFESTS } from '../../../src/net/protocols/fetch/constants.js'
import { MAX_ATTEST_RANGE_TOTAL_BYTES, MAX_SHARD_BYTES } from '../../../src/net/protocols/constants.js'
import { describeDecoderFuzz } from './fuzz.js'
import { bytesOf, fragmentOf, manifestFor, sameBytes, streamPair, tripAfter } from './fixtures.js'

function request (shard: Uint8Array, index = 0): ReplicateRequest {
  const manifest = manifestFor(shard, index)
  return { manifest, fragment: fragmentOf(manifest, index), shard, nonce: bytesOf(16, 42) }
}

const receiptFor = (r: ReplicateRequest) => ({ fragment: r.fragment, holderId: '12D3KooWholder', storedAt: 1_700_000_000_123, nonce: r.nonce, signature: bytesOf(64, 8) })

// ─── fuzz: every decoder returns a value or a ProtocolError ────────────────────────────────
const arbShard = fc.uint8Array({ minLength: 1, maxLength: 64 })
const arbHeader = fc.tuple(arbShard, fc.uint8Array({ minLength: 16, maxLength: 64 })).map(([shard, nonce]) => {
  const r = request(shard)
  return encodeReplicateHeader({ manifest: r.manifest, fragment: r.fragment, nonce, length: shard.length })
})
const arbAck = fc.tuple(arbShard, fc.constantFrom('OK', 'REFUSED_DEFICIT', 'BAD_CHECKSUM', 'INTERNAL') as fc.Arbitrary<'OK'>).map(([shard, status]) => {
  const r = request(shard)
  return encodeReplicateAck(status === 'OK' ? { status, receipt: receiptFor(r) } : { status })
})
const arbChallenge: fc.Arbitrary<AttestChallenge> = fc.record({
  shard: arbShard,
  nonce: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  ranges: fc.array(fc.record({ offset: fc.nat({ max: 1_000_000 }), length: fc.integer({ min: 1, max: 512 }) }), { maxLength: 64 }),
  whole: fc.boolean()
}).map(({ shard, nonce, ranges, whole }) => ({ fragment: fragmentOf(manifestFor(shard)), nonce, ranges, whole: whole || ranges.length === 0 }))

describeDecoderFuzz({
  name: 'replicate request',
  decode: (b) => decodeReplicateHeader(b),
  valid: arbHeader,
  check: (h) => { expect(h.length).toBeLessThanOrEqual(MAX_SHARD_BYTES); expect(h.length).toBe(h.manifest.shardSize); expect(h.nonce.length).toBeGreaterThanOrEqual(16) }
})
describeDecoderFuzz({
  name: 'replicate ack',
  decode: (b) => decodeReplicateAck(b),
  valid: arbAck,
  check: (a) => { if (a.status === 'OK') expect(a.receipt?.signature.length).toBe(64) }
})
describeDecoderFuzz({
  name: 'attest request',
  decode: (b) => decodeAttestRequest(b),
  valid: arbChallenge.map(encodeAttestRequest),
  check: (c) => {
    expect(c.nonce.length).toBe(32)
    expect(c.ranges.length).toBeLessThanOrEqual(64)
    expect(c.ranges.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(MAX_ATTEST_RANGE_TOTAL_BYTES)
  }
})
describeDecoderFuzz({
  name: 'attest response',
  decode: (b) => decodeAttestResponse(b),
  valid: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(proof => encodeAttestResponse({ status: 'OK', proof })), fc.constantFrom('NOT_FOUND', 'BUSY').map(s => encodeAttestResponse({ status: s as 'BUSY' }))),
  check: (r) => { if (r.status === 'OK') expect(r.proof?.length).toBe(32) }
})
describeDecoderFuzz({
  name: 'fetch request',
  decode: (b) => decodeFetchRequest(b),
  valid: fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map(h => encodeFetchRequest({ kind: 'manifest', tesseraHashHex: toHex(h) })),
    arbShard.map(s => encodeFetchRequest({ kind: 'shard', fragment: fragmentOf(manifestFor(s)) })),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map(v => encodeFetchRequest({ kind: 'list', vaultIdHex: toHex(v) }))
  ),
  check: (q) => { if (q.kind === 'list') expect(q.vaultIdHex).toMatch(/^[0-9a-f]{64}$/) }
})
describeDecoderFuzz({
  name: 'fetch response (manifest)',
  decode: (b) => decodeFetchResponse(b, 'manifest'),
  valid: arbShard.map(s => encodeFetchResponse({ status: 'OK', manifest: manifestFor(s) })),
  check: (a) => { if (a.status === 'OK') expect(a.manifest?.shardChecksums.length).toBe((a.manifest?.k ?? 0) + (a.manifest?.m ?? 0)) }
})
describeDecoderFuzz({
  name: 'fetch response (list)',
  decode: (b) => decodeFetchResponse(b, 'list'),
  valid: fc.array(arbShard, { maxLength: 4 }).map(shards => {
    const manifests = shards.map(s => manifestFor(s))
    return encodeFetchResponse({ status: 'OK', manifests, held: new Map(manifests.slice(0, 1).map(m => [toHex(m.tesseraHash), [0]])) })
  }),
  check: (a) => {
    if (a.status !== 'OK') return
    expect(a.manifests?.length).toBeLessThanOrEqual(FETCH_MAX_LISTED_MANIFESTS)
    for (const m of a.manifests ?? []) expect(m.shardChecksums.length).toBe(m.k + m.m)
    for (const [hashHex, indices] of a.held ?? []) {
      const m = a.manifests?.find(x => toHex(x.tesseraHash) === hashHex)
      expect(m).toBeDefined()
      for (const i of indices) expect(i).toBeLessThan((m?.k ?? 0) + (m?.m ?? 0))
    }
  }
})
describeDecoderFuzz({
  name: 'fetch response (shard)',
  decode: (b) => decodeFetchResponse(b, 'shard'),
  valid: fc.integer({ min: 1, max: MAX_SHARD_BYTES }).map(length => encodeFetchResponse({ status: 'OK', length })),
  check: (a) => { if (a.status === 'OK') expect(a.length).toBeLessThanOrEqual(MAX_SHARD_BYTES) }
})

// ─── messages ──────────────────────────────────────────────────────────────────────────────
describe('replication messages', () => {
  it('round-trip a replicate header, an ack, a challenge and fetch answers', () => {
    fc.assert(fc.property(arbShard, arbChallenge, (shard, challenge) => {
      const r = request(shard)
      expect(decodeReplicateHeader(encodeReplicateHeader({ ...r, length: shard.length }))).toEqual({ manifest: r.manifest, fragment: r.fragment, nonce: r.nonce, length: shard.length })
      expect(decodeReplicateAck(encodeReplicateAck({ status: 'OK', receipt: receiptFor(r) }))).toEqual({ status: 'OK', receipt: receiptFor(r) })
      expect(decodeAttestRequest(encodeAttestRequest(challenge))).toEqual(challenge)
      expect(decodeFetchResponse(encodeFetchResponse({ status: 'OK', manifest: r.manifest }), 'manifest')).toEqual({ status: 'OK', manifest: r.manifest })
      expect(decodeFetchResponse(encodeFetchResponse({ status: 'OK', manifests: [r.manifest, r.manifest] }), 'list')).toEqual({ status: 'OK', manifests: [r.manifest, r.manifest] })
      expect(decodeFetchRequest(encodeFetchRequest({ kind: 'list', vaultIdHex: toHex(r.manifest.tesseraHash) }))).toEqual({ kind: 'list', vaultIdHex: toHex(r.manifest.tesseraHash) })
    }), { numRuns: 100 })
  })

  it('answers BAD_CHECKSUM status for a fragment whose checksum is not the manifest\'s', () => {
    const r = request(bytesOf(100))
    const header = encodeReplicateHeader({ ...r, fragment: { ...r.fragment, checksumHex: '00'.repeat(32) }, length: 100 })
    expect(() => decodeReplicateHeader(header)).toThrow(expect.objectContaining({ name: 'ProtocolError', status: 'BAD_CHECKSUM' }))
  })

  it('rejects a length other than the manifest\'s shard size', () => {
    const r = request(bytesOf(100))
    expect(() => decodeReplicateHeader(encodeReplicateHeader({ ...r, length: 101 }))).toThrow(expect.objectContaining({ status: 'BAD_REQUEST' }))
  })

  it('marks manifest shape errors BAD_MANIFEST', () => {
    const r = request(bytesOf(100))
    const header = encodeReplicateHeader({ ...r, manifest: { ...r.manifest, signature: new Uint8Array(10) }, length: 100 })
    expect(() => decodeReplicateHeader(header)).toThrow(expect.objectContaining({ status: 'BAD_MANIFEST' }))
  })

  it('rejects too many checksums before allocating them', () => {
    const pb = ReplicateRequestPb.encode({ manifest: { shardChecksums: Array.from({ length: 100 }, () => new Uint8Array(32)) } } as unknown as ReplicateRequestPb)
    expect(() => decodeReplicateHeader(pb)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('rejects an OK ack without a receipt and an unknown status', () => {
    expect(() => decodeReplicateAck(ReplicateAckPb.encode({ status: ReplicateAckPb.Status.OK }))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    expect(() => decodeReplicateAck(Uint8Array.of(8, 77))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('rejects challenges covering more than 64 KiB or with no range and not whole', () => {
    const fragment = fragmentOf(manifestFor(bytesOf(10)))
    const nonce = new Uint8Array(32)
    expect(() => decodeAttestRequest(encodeAttestRequest({ fragment, nonce, ranges: [{ offset: 0, length: 65 * 1024 }], whole: false }))).toThrow(/more than/)
    expect(() => decodeAttestRequest(encodeAttestRequest({ fragment, nonce, ranges: [], whole: false }))).toThrow(/empty/)
  })
})

// ─── handlers over in-memory stream pairs ──────────────────────────────────────────────────
describe('replicate handler', () => {
  it('delivers a shard, answers the service\'s receipt, with the exact bytes on both ends', async () => {
    const [a, b] = await streamPair()
    const r = request(bytesOf(300_000, 3))
    let seen: ReplicateRequest | undefined
    const served = handleReplicate(b, { callback: async (req) => { seen = req; return { status: 'OK', receipt: receiptFor(req) } } })
    const ack = await sendReplicate(a, r, { frameBytes: 16 * 1024 })
    expect(await served).toEqual({ status: 'OK' })
    expect(ack).toEqual({ status: 'OK', receipt: receiptFor(r) })
    expect(sameBytes(seen?.shard, r.shard)).toBe(true)
    expect(seen?.fragment).toEqual(r.fragment)
    expect(seen?.manifest).toEqual(r.manifest)
    // sender wrote: framed header, then the shard in 16 KiB frames; holder wrote one framed ack
    const header = frame(encodeReplicateHeader({ ...r, length: r.shard.length }))
    expect(a.sent[0]).toEqual(header)
    expect(a.sent.slice(1).every(c => c.length <= 16 * 1024)).toBe(true)
    expect(a.sentBytes()).toBe(header.length + r.shard.length)
    expect(b.sent).toEqual([frame(encodeReplicateAck(ack))])
    expect(b.aborted).toBeUndefined()
  })

  it('refuses corrupted bytes with BAD_CHECKSUM and never calls the service', async () => {
    const [a, b] = await streamPair()
    const r = request(bytesOf(50_000, 4))
    let called = false
    const served = handleReplicate(b, { callback: async () => { called = true; return { status: 'INTERNAL' } } })
    const corrupted = r.shard.slice(); corrupted[777] ^= 1
    const ack = await sendReplicate(a, { ...r, shard: corrupted })
    expect(ack).toEqual({ status: 'BAD_CHECKSUM' })
    expect(await served).toEqual({ status: 'BAD_CHECKSUM' })
    expect(called).toBe(false)
  })

  it('refuses over a relayed connection before reading the shard', async () => {
    const [a, b] = await streamPair()
    const r = request(bytesOf(2 * 1024 * 1024, 5))
    const served = handleReplicate(b, { relayed: true, callback: async () => ({ status: 'INTERNAL' }) })
    const ack = await sendReplicate(a, r)
    expect(ack).toEqual({ status: 'REFUSED_RELAYED' })
    expect((await served).error?.name).toBe('ProtocolError')
    expect(a.sentBytes()).toBeLessThan(r.shard.length)
  })

  it('answers INTERNAL when no service is installed or all transfer slots are taken', async () => {
    for (const init of [{}, { callback: async () => ({ status: 'OK' as const }), slots: { tryAcquire: () => false, release: () => {} } }]) {
      const [a, b] = await streamPair()
      const served = handleReplicate(b, init)
      expect(await sendReplicate(a, request(bytesOf(1000)))).toEqual({ status: 'INTERNAL' })
      expect((await served).status).toBe('INTERNAL')
    }
  })

  it('turns a throwing service or an OK without receipt into INTERNAL', async () => {
    for (const callback of [async () => { throw new Error('secret detail') }, async () => ({ status: 'OK' as const })]) {
      const [a, b] = await streamPair()
      const served = handleReplicate(b, { callback })
      const ack = await sendReplicate(a, request(bytesOf(1000)))
      expect(ack).toEqual({ status: 'INTERNAL' })
      expect(b.sent.map(c => new TextDecoder().decode(c)).join('')).not.toContain('secret')
      await served
    }
  })

  it('answers BAD_REQUEST to garbage and resets the stream', async () => {
    const [a, b] = await streamPair()
    const served = handleReplicate(b, { callback: async () => ({ status: 'OK' }) })
    a.send(frame(Uint8Array.of(0xff, 0xff, 0xff)))
    const ack = decodeReplicateAck(await new FrameReader(a).readMessage(64))
    expect(ack.status).toBe('BAD_REQUEST')
    const outcome = await served
    expect(outcome.error?.name).toBe('ProtocolError')
    expect(b.aborted?.name).toBe('ProtocolError')
  })

  it('refuses an oversized header without reading it', async () => {
    const [a, b] = await streamPair()
    const served = handleReplicate(b, {})
    a.send(Uint8Array.of(0xff, 0xff, 0xff, 0x7f)) // a 268 MB length prefix
    expect((await served)).toMatchObject({ status: 'BAD_REQUEST', error: { name: 'ProtocolError', message: expect.stringMatching(/exceeds the limit/) } })
  })

  it('times out a sender that stops mid-shard, and stores nothing', async () => {
    const [a, b] = await streamPair()
    const r = request(bytesOf(100_000, 6))
    let called = false
    const served = handleReplicate(b, { idleTimeoutMs: 50, callback: async () => { called = true; return { status: 'OK' } } })
    a.send(frame(encodeReplicateHeader({ ...r, length: r.shard.length })))
    a.send(r.shard.subarray(0, 10_000))
    const outcome = await served
    expect(outcome.error).toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/timed out/) })
    expect(called).toBe(false)
  })

  it('rejects the sender with AbortError when its signal fires, and the holder stores nothing', async () => {
    const [a, b] = await streamPair({ capacity: 2 })
    const r = request(bytesOf(4 * 1024 * 1024, 7))
    let called = false
    const served = handleReplicate(b, { callback: async () => { called = true; return { status: 'OK' } } })
    const controller = new AbortController()
    tripAfter(a, 256 * 1024, () => { controller.abort() })
    await expect(sendReplicate(a, r, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
    const outcome = await served
    expect(outcome.error).toBeDefined()
    expect(called).toBe(false)
    expect(a.aborted).toBeDefined()
  })

  it('rejects the sender with ProtocolError when the holder resets mid-transfer', async () => {
    const [a, b] = await streamPair({ capacity: 2 })
    const r = request(bytesOf(4 * 1024 * 1024, 8))
    tripAfter(a, 256 * 1024, () => { b.abort(new Error('holder went away')) })
    await expect(sendReplicate(a, r)).rejects.toMatchObject({ name: 'ProtocolError' })
  })

  it('rejects an ack whose receipt names another fragment', async () => {
    const [a, b] = await streamPair()
    const r = request(bytesOf(1000))
    const other = request(bytesOf(1000, 9))
    void handleReplicate(b, { callback: async () => ({ status: 'OK', receipt: { ...receiptFor(other), nonce: r.nonce } }) })
    await expect(sendReplicate(a, r)).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/another fragment/) })
  })
})

describe('attest handler', () => {
  const challenge: AttestChallenge = { fragment: fragmentOf(manifestFor(bytesOf(1000))), nonce: bytesOf(32, 11), ranges: [{ offset: 10, length: 64 }], whole: false }

  it('passes the challenge to the service and its proof back, bytes asserted on both ends', async () => {
    const [a, b] = await streamPair()
    const proof = bytesOf(32, 12)
    let seen: AttestChallenge | undefined
    const served = handleAttest(b, { callback: async (c) => { seen = c; return { status: 'OK', proof } } })
    expect(await sendAttest(a, challenge)).toEqual({ status: 'OK', proof })
    expect(await served).toEqual({ status: 'OK' })
    expect(seen).toEqual(challenge)
    expect(a.sent).toEqual([frame(encodeAttestRequest(challenge))])
    expect(b.sent).toEqual([frame(encodeAttestResponse({ status: 'OK', proof }))])
  })

  it('answers NOT_FOUND from the service and INTERNAL without one or for a bad proof', async () => {
    const cases = [
      [{ callback: async () => ({ status: 'NOT_FOUND' as const }) }, 'NOT_FOUND'],
      [{}, 'INTERNAL'],
      [{ callback: async () => ({ status: 'OK' as const, proof: new Uint8Array(3) }) }, 'INTERNAL']
    ] as const
    for (const [init, status] of cases) {
      const [a, b] = await streamPair()
      void handleAttest(b, init)
      expect(await sendAttest(a, challenge)).toEqual({ status })
    }
  })

  it('answers BAD_REQUEST to a challenge with a short nonce and resets', async () => {
    const [a, b] = await streamPair()
    const served = handleAttest(b, { callback: async () => ({ status: 'OK', proof: new Uint8Array(32) }) })
    a.send(frame(encodeAttestRequest({ ...challenge, nonce: new Uint8Array(8) })))
    expect(decodeAttestResponse(await new FrameReader(a).readMessage(64)).status).toBe('BAD_REQUEST')
    expect((await served).error?.name).toBe('ProtocolError')
  })

  it('times out a silent challenger', async () => {
    const [, b] = await streamPair()
    expect((await handleAttest(b, { readTimeoutMs: 20 })).error?.message).toMatch(/timed out/)
  })
})

describe('fetch handler', () => {
  it('streams a shard in frames and checks it end to end', async () => {
    const [a, b] = await streamPair()
    const shard = bytesOf(700_000, 13)
    const id = fragmentOf(manifestFor(shard))
    const served = handleFetch(b, { frameBytes: 32 * 1024, callbacks: { manifest: async () => undefined, shard: async (f) => f.checksumHex === id.checksumHex ? shard : undefined } })
    expect(sameBytes(await sendFetchShard(a, id), shard)).toBe(true)
    expect(await served).toEqual({ status: 'OK' })
    expect(a.sent).toEqual([frame(encodeFetchRequest({ kind: 'shard', fragment: id }))])
    expect(b.sent[0]).toEqual(frame(encodeFetchResponse({ status: 'OK', length: shard.length })))
    expect(b.sent.slice(1).every(c => c.length <= 32 * 1024)).toBe(true)
    expect(b.sentBytes()).toBe(b.sent[0].length + shard.length)
  })

  it('returns a manifest, and undefined for what the holder lacks', async () => {
    const shard = bytesOf(1000, 14)
    const manifest = manifestFor(shard)
    const callbacks = { manifest: async (h: string) => h === toHex(manifest.tesseraHash) ? manifest : undefined, shard: async () => undefined }
    let [a, b] = await streamPair()
    void handleFetch(b, { callbacks })
    expect(await sendFetchManifest(a, toHex(manifest.tesseraHash))).toEqual(manifest);
    [a, b] = await streamPair()
    void handleFetch(b, { callbacks })
    expect(await sendFetchManifest(a, '11'.repeat(32))).toBeUndefined();
    [a, b] = await streamPair()
    void handleFetch(b, { callbacks })
    expect(await sendFetchShard(a, fragmentOf(manifest))).toBeUndefined()
  })

  it('throws ChecksumMismatchError when the holder serves other bytes', async () => {
    const [a, b] = await streamPair()
    const shard = bytesOf(10_000, 15)
    const served = handleFetch(b, { callbacks: { manifest: async () => undefined, shard: async () => { const c = shard.slice(); c[5] ^= 1; return c } } })
    await expect(sendFetchShard(a, fragmentOf(manifestFor(shard)))).rejects.toMatchObject({ name: 'ChecksumMismatchError' })
    await served
  })

  it('throws ProtocolError when the holder sends another tessera\'s manifest', async () => {
    const [a, b] = await streamPair()
    void handleFetch(b, { callbacks: { manifest: async () => manifestFor(bytesOf(100, 16)), shard: async () => undefined } })
    await expect(sendFetchManifest(a, '22'.repeat(32))).rejects.toMatchObject({ name: 'ProtocolError' })
  })

  it('throws PeerRefusedError for INTERNAL (no service installed)', async () => {
    const [a, b] = await streamPair()
    void handleFetch(b, {})
    await expect(sendFetchManifest(a, '22'.repeat(32))).rejects.toMatchObject({ name: 'PeerRefusedError', status: 'INTERNAL' })
  })

  it('throws ProtocolError when the holder goes away mid-shard', async () => {
    const [a, b] = await streamPair({ capacity: 2 })
    const shard = bytesOf(3_000_000, 17)
    void handleFetch(b, { callbacks: { manifest: async () => undefined, shard: async () => shard } })
    tripAfter(b, 256 * 1024, () => { b.abort(new Error('holder went away')) })
    await expect(sendFetchShard(a, fragmentOf(manifestFor(shard)))).rejects.toMatchObject({ name: 'ProtocolError' })
  })

  it('lists a vault\'s manifests in frames, and none for an unknown vault', async () => {
    const vault = '7c'.repeat(32)
    const listed = [manifestFor(bytesOf(5000, 31)), manifestFor(bytesOf(20, 32)), manifestFor(bytesOf(900, 33))]
    const callbacks = { manifest: async () => undefined, shard: async () => undefined, list: async (v: string) => v === vault ? listed : [] }
    let [a, b] = await streamPair()
    const served = handleFetch(b, { callbacks, frameBytes: 1024 })
    expect(await sendFetchList(a, vault)).toEqual(listed)
    expect(await served).toEqual({ status: 'OK' })
    expect(a.sent).toEqual([frame(encodeFetchRequest({ kind: 'list', vaultIdHex: vault }))])
    expect(b.sent.every(c => c.length <= 1024)).toBe(true)
    expect(b.sent.length).toBeGreaterThan(1);
    [a, b] = await streamPair()
    void handleFetch(b, { callbacks })
    expect(await sendFetchList(a, '8d'.repeat(32))).toEqual([])
  })

  it('answers a list with at most the byte and count limits, newest (first) kept', () => {
    const many = Array.from({ length: FETCH_MAX_LISTED_MANIFESTS + 10 }, (_, i) => manifestFor(bytesOf(10, i + 1)))
    const all = encodeListAnswer(many)
    expect(all.count).toBe(FETCH_MAX_LISTED_MANIFESTS)
    expect(all.bytes.length).toBeLessThanOrEqual(FETCH_MAX_LIST_RESPONSE_BYTES)
    const one = encodeFetchResponse({ status: 'OK', manifests: [many[0]] }).length
    const cut = encodeListAnswer(many, one * 3 + 1)
    expect(cut.count).toBe(3)
    expect(decodeFetchResponse(cut.bytes, 'list').manifests).toEqual(many.slice(0, 3))
  })

  /** A list query answered by a holder that reads it and sends `answer` as it is. */
  async function listAnsweredWith (answer: Uint8Array): Promise<Awaited<ReturnType<typeof sendFetchList>>> {
    const [a, b] = await streamPair()
    void (async () => {
      await new FrameReader(b).readMessage(256)
      b.send(frame(answer))
      await b.close()
    })()
    return await sendFetchList(a, '7c'.repeat(32))
  }

  it('throws ProtocolError for a list answer with too many or malformed manifests', async () => {
    const tooMany = encodeFetchResponse({ status: 'OK', manifests: Array.from({ length: FETCH_MAX_LISTED_MANIFESTS + 1 }, (_, i) => manifestFor(bytesOf(4, i + 1))) })
    expect(() => decodeFetchResponse(tooMany, 'list')).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    const badManifest = { ...manifestFor(bytesOf(10, 2)), formatVersion: 2 as 1 }
    for (const answer of [tooMany, encodeFetchResponse({ status: 'OK', manifests: [badManifest] })]) {
      await expect(listAnsweredWith(answer)).rejects.toMatchObject({ name: 'ProtocolError' })
    }
  })

  it('carries the shard indices the holder holds of each listed manifest, only for what it lists', async () => {
    const medium = manifestFor(bytesOf(4 * 1024 * 1024, 41))
    const small = manifestFor(bytesOf(20, 42))
    const unlisted = manifestFor(bytesOf(30, 43))
    const n = medium.k + medium.m
    expect(n).toBe(24)
    const listing = Object.assign([medium, small], { held: new Map([[toHex(medium.tesseraHash), [n - 1, 0, 5, 0]], [toHex(unlisted.tesseraHash), [0]]]) })
    const [a, b] = await streamPair()
    void handleFetch(b, { callbacks: { manifest: async () => undefined, shard: async () => undefined, list: async () => listing } })
    const got = await sendFetchList(a, '7c'.repeat(32))
    expect([...got]).toEqual([medium, small])
    expect(got.held).toEqual(new Map([[toHex(medium.tesseraHash), [n - 1, 0, 5]]]))
    // A holder that says nothing (an older node): no `held` at all.
    expect(decodeFetchResponse(encodeListAnswer([medium]).bytes, 'list')).toEqual({ status: 'OK', manifests: [medium] })
  })

  it('throws ProtocolError for held indices that name no listed manifest, name one twice, repeat, or reach the shard count', async () => {
    const medium = manifestFor(bytesOf(4 * 1024 * 1024, 41))
    const hex = toHex(medium.tesseraHash)
    const n = medium.k + medium.m
    const answer = (held: Map<string, number[]>): Uint8Array => encodeFetchResponse({ status: 'OK', manifests: [medium], held })
    const bad = [
      answer(new Map([[toHex(manifestFor(bytesOf(7, 9)).tesseraHash), [0]]])),
      answer(new Map([['ab'.repeat(31), [0]]])),
      answer(new Map([[hex, [n]]])),
      answer(new Map([[hex, [1, 1]]])),
      // Repeated protobuf fields concatenate: the same tessera in two entries.
      new Uint8Array([...answer(new Map([[hex, [0]]])), ...encodeFetchResponse({ status: 'OK', held: new Map([[hex, [1]]]) })])
    ]
    for (const bytes of bad) {
      expect(() => decodeFetchResponse(bytes, 'list')).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
      await expect(listAnsweredWith(bytes)).rejects.toMatchObject({ name: 'ProtocolError' })
    }
  })

  it('answers INTERNAL to a list query when the holder cannot list', async () => {
    const [a, b] = await streamPair()
    void handleFetch(b, { callbacks: { manifest: async () => undefined, shard: async () => undefined } })
    await expect(sendFetchList(a, '7c'.repeat(32))).rejects.toMatchObject({ name: 'PeerRefusedError', status: 'INTERNAL' })
  })

  it('answers BAD_REQUEST to an unknown kind', async () => {
    const [a, b] = await streamPair()
    const served = handleFetch(b, {})
    a.send(frame(Uint8Array.of(8, 9)))
    expect(decodeFetchResponse(await new FrameReader(a).readMessage(64), 'shard').status).toBe('BAD_REQUEST')
    expect((await served).status).toBe('BAD_REQUEST')
  })
})

it('fixture manifests hash their shard', () => {
  const s = bytesOf(10)
  expect(manifestFor(s).shardChecksums[0]).toEqual(blake3(s))
})
