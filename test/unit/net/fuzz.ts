/**
 * The decoder fuzz suite: every wire decoder runs it (random bytes and mutated valid messages).
 * A decoder may return a value or throw a ProtocolError; anything else (another error type, a
 * hang, an out-of-memory) is a bug. Probe decoders run it in `protocols.test.ts`, the replication
 * protocols' in `replication-protocols.test.ts`; add every new decoder.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'

export interface DecoderUnderTest<T> {
  name: string
  decode: (bytes: Uint8Array) => T
  /** Arbitrary of valid encoded messages, for mutation. */
  valid: fc.Arbitrary<Uint8Array>
  /** Checks a successful decode's invariants (limits, sizes). */
  check?: (value: T) => void
}

const mutation = (bytes: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
  // flip a bit
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]) => { const c = bytes.slice(); if (c.length > 0) c[i % c.length] ^= 1 << bit; return c }),
  // truncate
  fc.nat().map(n => bytes.slice(0, bytes.length === 0 ? 0 : n % bytes.length)),
  // insert random bytes
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, extra]) => { const at = bytes.length === 0 ? 0 : i % bytes.length; return Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]) }),
  // overwrite a byte
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, v]) => { const c = bytes.slice(); if (c.length > 0) c[i % c.length] = v; return c })
)

function accepts<T> (d: DecoderUnderTest<T>, bytes: Uint8Array): void {
  let value: T
  try {
    value = d.decode(bytes)
  } catch (err) {
    expect((err as Error).name, `${d.name} threw ${String(err)}`).toBe('ProtocolError')
    return
  }
  d.check?.(value)
}

export function describeDecoderFuzz<T> (d: DecoderUnderTest<T>): void {
  describe(`fuzz: ${d.name}`, () => {
    it('returns a value or a ProtocolError for random bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => { accepts(d, bytes) }), { numRuns: 2000 })
    })

    it('returns a value or a ProtocolError for mutated valid messages', () => {
      fc.assert(fc.property(d.valid.chain(mutation), (bytes) => { accepts(d, bytes) }), { numRuns: 2000 })
    })

    it('decodes every valid message', () => {
      fc.assert(fc.property(d.valid, (bytes) => { d.check?.(d.decode(bytes)) }), { numRuns: 300 })
    })
  })
}
