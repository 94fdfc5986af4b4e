import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TesseraRecord } from '../../../src/core/ports.js'
import {
  assertFragmentId, assertTesseraRecord, brokenRecord, checkTesseraRecord, readTesseraRecord, readVaultSecret, sortNewestFirst
} from '../../../src/store/record.js'
import { bytesToHex, compact } from '../../../src/store/bytes.js'
import { makeRecord } from '../../compliance/fixtures.js'

const bytesOf = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n })

/** Any structurally valid record. */
const recordArb: fc.Arbitrary<TesseraRecord> = fc.record({
  k: fc.integer({ min: 1, max: 48 }),
  m: fc.integer({ min: 0, max: 24 }),
  tesseraHash: bytesOf(32)
}).chain(({ k, m, tesseraHash }) => fc.record({
  hashHex: fc.constant(bytesToHex(tesseraHash)),
  manifest: fc.record({
    formatVersion: fc.constant(1 as const),
    tesseraHash: fc.constant(tesseraHash),
    size: fc.nat(),
    chunkSize: fc.integer({ min: 1 }),
    tier: fc.constantFrom('small' as const, 'medium' as const, 'large' as const),
    k: fc.constant(k),
    m: fc.constant(m),
    shardSize: fc.nat(),
    shardChecksums: fc.array(bytesOf(32), { minLength: k + m, maxLength: k + m }),
    wrappedKey: fc.uint8Array({ maxLength: 80 }),
    encryptedMetadata: fc.uint8Array({ maxLength: 200 }),
    createdAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
    vaultPublicKey: bytesOf(32),
    signature: bytesOf(64)
  }),
  payloadHeader: fc.uint8Array({ maxLength: 40 }),
  chunkCount: fc.nat(),
  thumbnail: fc.option(fc.uint8Array({ maxLength: 50 }), { nil: undefined }),
  savedAt: fc.double({ noNaN: true, noDefaultInfinity: true })
}, { requiredKeys: ['hashHex', 'manifest', 'payloadHeader', 'chunkCount', 'savedAt'] }))

describe('tessera record validation', () => {
  it('accepts every well-formed record and reads it back unchanged', () => {
    fc.assert(fc.property(recordArb, record => {
      expect(checkTesseraRecord(record)).toBeUndefined()
      expect(readTesseraRecord({ ...record, writerId: 'w' }, record.hashHex)).toEqual(record)
    }))
  })

  it('reads a record whose bytes came back as ArrayBuffers as Uint8Arrays', () => {
    const record = makeRecord({ thumbnailBytes: 3 })
    const stored = { ...record, payloadHeader: record.payloadHeader.slice().buffer, thumbnail: record.thumbnail!.slice().buffer }
    const read = readTesseraRecord(stored, record.hashHex)
    expect(read.payloadHeader).toBeInstanceOf(Uint8Array)
    expect(read).toEqual(record)
  })

  const good = makeRecord()
  const m = good.manifest
  const bad: Array<[string, unknown, 'TypeError' | 'RangeError']> = [
    ['not an object', 'record', 'TypeError'],
    ['null', null, 'TypeError'],
    ['an array', [], 'TypeError'],
    ['hashHex not a string', { ...good, hashHex: 1 }, 'TypeError'],
    ['hashHex uppercase', { ...good, hashHex: good.hashHex.toUpperCase() }, 'RangeError'],
    ['hashHex of another hash', { ...good, hashHex: 'f'.repeat(64) }, 'RangeError'],
    ['manifest missing', { ...good, manifest: undefined }, 'TypeError'],
    ['formatVersion 2', { ...good, manifest: { ...m, formatVersion: 2 } }, 'RangeError'],
    ['tesseraHash 31 bytes', { ...good, manifest: { ...m, tesseraHash: m.tesseraHash.subarray(1) } }, 'RangeError'],
    ['tier unknown', { ...good, manifest: { ...m, tier: 'huge' } }, 'RangeError'],
    ['k zero', { ...good, manifest: { ...m, k: 0 } }, 'RangeError'],
    ['k + m over 256', { ...good, manifest: { ...m, k: 200, m: 100 } }, 'RangeError'],
    ['size negative', { ...good, manifest: { ...m, size: -1 } }, 'RangeError'],
    ['size fractional', { ...good, manifest: { ...m, size: 1.5 } }, 'RangeError'],
    ['shardChecksums short', { ...good, manifest: { ...m, shardChecksums: [] } }, 'RangeError'],
    ['shardChecksums of wrong size', { ...good, manifest: { ...m, shardChecksums: [new Uint8Array(31)] } }, 'RangeError'],
    ['shardChecksums not an array', { ...good, manifest: { ...m, shardChecksums: 'x' } }, 'TypeError'],
    ['signature 63 bytes', { ...good, manifest: { ...m, signature: new Uint8Array(63) } }, 'RangeError'],
    ['vaultPublicKey a number array', { ...good, manifest: { ...m, vaultPublicKey: Array(32).fill(0) } }, 'TypeError'],
    ['createdAt a string', { ...good, manifest: { ...m, createdAt: '2024' } }, 'TypeError'],
    ['payloadHeader missing', { ...good, payloadHeader: undefined }, 'TypeError'],
    ['chunkCount negative', { ...good, chunkCount: -1 }, 'RangeError'],
    ['thumbnail a string', { ...good, thumbnail: 'jpeg' }, 'TypeError'],
    ['savedAt NaN', { ...good, savedAt: Number.NaN }, 'RangeError'],
    ['savedAt missing', { ...good, savedAt: undefined }, 'TypeError']
  ]

  it.each(bad)('rejects a record with %s', (_, value, errorName) => {
    const err = (() => { try { assertTesseraRecord(value) } catch (e) { return e as Error } })()
    expect(err?.name).toBe(errorName)
    const hashHex = good.hashHex
    expect(() => readTesseraRecord(value, hashHex)).toThrow(expect.objectContaining({ name: 'CorruptRecordError', code: 'ERR_CORRUPT_RECORD' }))
  })

  it('rejects a record stored under another key', () => {
    expect(() => readTesseraRecord(good, 'a'.repeat(64))).toThrow(expect.objectContaining({ name: 'CorruptRecordError' }))
  })

  it('names the field in the message', () => {
    expect(checkTesseraRecord({ ...good, manifest: { ...m, signature: new Uint8Array(3) } })?.message)
      .toBe('record.manifest.signature: expected 64 bytes, got 3')
  })

  it('turns a read failure into plain error data for list', () => {
    const err = (() => { try { readTesseraRecord({}, good.hashHex) } catch (e) { return e } })()
    expect(brokenRecord(good.hashHex, err)).toEqual({
      hashHex: good.hashHex,
      error: { name: 'CorruptRecordError', code: 'ERR_CORRUPT_RECORD', message: expect.stringContaining('record.hashHex') }
    })
  })
})

describe('list order', () => {
  it('sorts newest first, ties by hashHex descending, missing savedAt last', () => {
    fc.assert(fc.property(fc.array(fc.record({ savedAt: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NEGATIVE_INFINITY)), hashHex: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 2, maxLength: 2 }) })), items => {
      const sorted = sortNewestFirst(items.map(i => ({ savedAt: i.savedAt, item: i })))
      for (let i = 1; i < sorted.length; i++) {
        const a = sorted[i - 1]
        const b = sorted[i]
        expect(a.savedAt > b.savedAt || (a.savedAt === b.savedAt && a.hashHex >= b.hashHex)).toBe(true)
      }
    }))
  })
})

describe('fragment id validation', () => {
  const id = { tesseraHashHex: 'a'.repeat(64), index: 2, shardCount: 3, checksumHex: 'b'.repeat(64) }
  it.each([
    [{ ...id, index: 3 }, 'RangeError', 'id.index: expected less than shardCount 3, got 3'],
    [{ ...id, shardCount: 257 }, 'RangeError', 'id.shardCount: expected an integer in [1, 256], got 257'],
    [{ ...id, checksumHex: 'b'.repeat(63) }, 'RangeError', 'id.checksumHex: expected 64 lowercase hex characters, got 63 characters'],
    [{ ...id, tesseraHashHex: undefined }, 'TypeError', 'id.tesseraHashHex: expected string, got undefined']
  ])('rejects %o', (value, name, message) => {
    expect(() => { assertFragmentId(value) }).toThrow(expect.objectContaining({ name, message }))
  })
})

describe('vault secret reading', () => {
  it('rejects a stored secret of the wrong shape with CorruptRecordError', () => {
    expect(() => readVaultSecret({ entropy: new Uint8Array(32), language: 'de', createdAt: 0 })).toThrow(expect.objectContaining({ name: 'CorruptRecordError' }))
  })
})

describe('compact', () => {
  it('copies a view that does not span its buffer and keeps one that does', () => {
    const whole = new Uint8Array(8)
    expect(compact(whole)).toBe(whole)
    const part = compact(whole.subarray(2, 4))
    expect(part.buffer.byteLength).toBe(2)
  })
})
