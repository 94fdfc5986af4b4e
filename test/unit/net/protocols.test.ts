import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeLengthPrefix, decodeProbeAck, decodeProbeHeader, encodeVarint, frame, FrameReader, handleProbe, sendProbe, type WireStream } from '../../../src/net/protocols/index.js'
import { ProbeAck, ProbeHeader } from '../../../src/net/protocols/probe/pb/probe.js'
import { PROBE_MAX_TRANSFER_BYTES } from '../../../src/net/protocols/probe/constants.js'
import { describeDecoderFuzz } from './fuzz.js'

const validHeader = fc.record({ length: fc.bigInt({ min: 0n, max: BigInt(PROBE_MAX_TRANSFER_BYTES) }), sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }) }).map(h => ProbeHeader.encode(h))
const validAck = fc.record({ status: fc.constantFrom(...Object.values(ProbeAck.Status).filter((v): v is ProbeAck.Status => typeof v === 'string')), received: fc.bigInt({ min: 0n, max: 2n ** 40n }) }).map(a => ProbeAck.encode(a))

describeDecoderFuzz({
  name: 'probe header',
  decode: (b) => decodeProbeHeader(b),
  valid: validHeader,
  check: (h) => { expect(h.sha256.length).toBe(32); expect(h.length).toBeLessThanOrEqual(PROBE_MAX_TRANSFER_BYTES) }
})
describeDecoderFuzz({ name: 'probe ack', decode: (b) => decodeProbeAck(b), valid: validAck })
describeDecoderFuzz({
  name: 'length prefix',
  decode: (b) => decodeLengthPrefix(b, 1024),
  valid: fc.integer({ min: 0, max: 1024 }).map(n => encodeVarint(n)),
  check: (p) => { if (p != null) expect(p.length).toBeLessThanOrEqual(1024) }
})

describe('probe messages', () => {
  it('round-trip through protobuf', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (length, sha256) => {
      expect(ProbeHeader.decode(ProbeHeader.encode({ length, sha256 }))).toEqual({ length, sha256 })
    }))
  })

  it('rejects a header over the transfer limit naming it', () => {
    expect(() => decodeProbeHeader(ProbeHeader.encode({ length: 2n ** 40n, sha256: new Uint8Array(32) }))).toThrow(/exceeds the limit/)
  })
})

describe('FrameReader', () => {
  it('reassembles framed messages however the bytes are chunked', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), async (messages, cuts) => {
      const all = Uint8Array.from(messages.flatMap(m => [...frame(m)]))
      const chunks: Uint8Array[] = []
      for (let at = 0, i = 0; at < all.length; i++) { const n = cuts[i % cuts.length]; chunks.push(all.subarray(at, at + n)); at += n }
      const reader = new FrameReader((async function * () { yield * chunks })())
      for (const m of messages) expect((await reader.readMessage(300)).subarray()).toEqual(m)
    }))
  })

  it('rejects an oversized message before reading it', async () => {
    const reader = new FrameReader((async function * () { yield frame(new Uint8Array(100)) })())
    await expect(reader.readMessage(99)).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/exceeds the limit of 99/) })
  })

  it('rejects a truncated message', async () => {
    const reader = new FrameReader((async function * () { yield frame(new Uint8Array(10)).subarray(0, 5) })())
    await expect(reader.readMessage(99)).rejects.toMatchObject({ name: 'ProtocolError' })
  })

  it('times out when the peer goes quiet', async () => {
    const reader = new FrameReader((async function * () { yield Uint8Array.of(5); await new Promise(() => {}) })())
    await expect(reader.readMessage(99, { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/timed out/) })
  })
})

/** Two connected in-memory streams; `aborted` records resets. */
function streamPair (): [WireStream & { aborted?: Error }, WireStream & { aborted?: Error }] {
  const make = (): { queue: Uint8Array[], wake?: () => void, closed: boolean } => ({ queue: [], closed: false })
  const ab = make(); const ba = make()
  const side = (inbox: ReturnType<typeof make>, outbox: ReturnType<typeof make>): WireStream & { aborted?: Error } => {
    const s: WireStream & { aborted?: Error } = {
      send: (d) => { outbox.queue.push(d instanceof Uint8ArrayList ? d.subarray() : d.slice()); outbox.wake?.(); return true },
      onDrain: async () => {},
      close: async () => { outbox.closed = true; outbox.wake?.() },
      abort: (err) => { s.aborted = err; outbox.closed = true; inbox.closed = true; outbox.wake?.(); inbox.wake?.() },
      async * [Symbol.asyncIterator] () {
        for (;;) {
          const next = inbox.queue.shift()
          if (next != null) { yield next; continue }
          if (inbox.closed) return
          await new Promise<void>(resolve => { inbox.wake = resolve })
        }
      }
    }
    return s
  }
  return [side(ba, ab), side(ab, ba)]
}

describe('probe handler', () => {
  it('acknowledges an intact transfer', async () => {
    const [a, b] = streamPair()
    const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff)
    const served = handleProbe(b)
    const result = await sendProbe(a, data)
    await served
    expect(result).toMatchObject({ status: 'OK', received: data.length })
    expect(b.aborted).toBeUndefined()
  })

  it('reports a digest mismatch', async () => {
    const [a, b] = streamPair()
    const served = handleProbe(b)
    a.send(frame(ProbeHeader.encode({ length: 3n, sha256: new Uint8Array(32) })))
    a.send(Uint8Array.of(1, 2, 3))
    const ack = decodeProbeAck(await new FrameReader(a).readMessage(64))
    await served
    expect(ack.status).toBe(ProbeAck.Status.MISMATCH)
  })

  it('refuses an oversized transfer and resets the stream', async () => {
    const [a, b] = streamPair()
    const served = handleProbe(b, { maxTransferBytes: 10 })
    a.send(frame(ProbeHeader.encode({ length: 11n, sha256: new Uint8Array(32) })))
    const ack = decodeProbeAck(await new FrameReader(a).readMessage(64))
    await served
    expect(ack.status).toBe(ProbeAck.Status.TOO_LARGE)
    expect(b.aborted?.name).toBe('ProtocolError')
  })

  it('times out a silent sender and resets the stream', async () => {
    const [, b] = streamPair()
    await handleProbe(b, { readTimeoutMs: 20 })
    expect(b.aborted?.name).toBe('ProtocolError')
  })
})
