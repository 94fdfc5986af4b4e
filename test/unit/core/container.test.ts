import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CONTAINER_PREFIX_BYTES, MAX_CONTAINER_HEADER_JSON_BYTES, canonicalJson, containerHeaderLength,
  decodeContainerHeader, encodeContainerHeader, parseTesseraIndex, utf8Encode
} from '../../../src/core/index.js'
import type { ContainerInput, TesseraMetadata } from '../../../src/core/index.js'
import { expectThrowsNamed } from '../crypto/expect-error.js'

const metadata: TesseraMetadata = {
  title: 'Férias em Lisboa',
  description: 'Avó e eu, no elétrico 28',
  date: '1998-07-14',
  memoryType: 'photo',
  tags: ['família', 'lisboa'],
  language: 'pt-PT',
  visibility: 'private'
}
const input: ContainerInput = {
  metadata,
  files: [
    { name: 'a.jpg', type: 'image/jpeg', size: 1000, lastModified: 900000000000 },
    { name: 'nota.txt', type: 'text/plain', size: 12, lastModified: 900000000001 }
  ]
}

/** Builds a header from raw JSON text (for malformed-input cases). */
function rawHeader (json: string, declaredLength?: number): Uint8Array {
  const body = utf8Encode(json)
  const out = new Uint8Array(8 + body.length)
  out.set(utf8Encode('TSC1'))
  new DataView(out.buffer).setUint32(4, declaredLength ?? body.length)
  out.set(body, 8)
  return out
}

const dateArb = fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10))
const metadataArb: fc.Arbitrary<TesseraMetadata> = fc.record({
  title: fc.string(),
  description: fc.string({ unit: 'grapheme' }),
  date: dateArb,
  memoryType: fc.constantFrom('photo', 'text', 'audio', 'video', 'mixed' as const),
  tags: fc.array(fc.string(), { maxLength: 5 }),
  language: fc.constantFrom('en', 'pt-BR', 'pt-PT'),
  visibility: fc.constantFrom('private', 'public' as const),
  geo: fc.option(fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }), { nil: undefined })
})
const fileArb = fc.record({
  name: fc.string({ minLength: 1 }),
  type: fc.constantFrom('image/jpeg', 'text/plain', 'application/octet-stream'),
  size: fc.integer({ min: 0, max: 10_000_000 }),
  lastModified: fc.integer({ min: 0, max: 4_000_000_000_000 })
})

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } }))
      .toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}')
  })

  it('omits undefined properties', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}')
  })

  it('is independent of key insertion order', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), obj => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse())
      expect(canonicalJson(reversed)).toBe(canonicalJson(obj))
      expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)))
    }))
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', { a: Infinity }],
    ['bigint', 1n],
    ['function', () => 1],
    ['Uint8Array', new Uint8Array(1)],
    ['Date', new Date(0)],
    ['undefined in array', [undefined]],
    ['symbol', Symbol('x')]
  ])('rejects %s with TypeError', (_, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError)
  })

  it('rejects cycles with TypeError', () => {
    const a: Record<string, unknown> = {}
    a.self = a
    expect(() => canonicalJson(a)).toThrow(TypeError)
  })
})

describe('encodeContainerHeader / decodeContainerHeader', () => {
  it('round-trips and puts files right after the header, contiguously', () => {
    const { headerBytes, index } = encodeContainerHeader(input)
    expect(index.files.map(f => f.offset)).toEqual([headerBytes.length, headerBytes.length + 1000])
    expect(index.containerSize).toBe(headerBytes.length + 1012)
    expect(new TextDecoder().decode(headerBytes.subarray(0, 4))).toBe('TSC1')
    const decoded = decodeContainerHeader(headerBytes)
    expect(decoded).toEqual({ index, headerLength: headerBytes.length })
  })

  it('ignores bytes after the header (a container prefix is enough)', () => {
    const { headerBytes, index } = encodeContainerHeader(input)
    const withData = new Uint8Array(headerBytes.length + 50)
    withData.set(headerBytes)
    expect(decodeContainerHeader(withData).index).toEqual(index)
  })

  it('is deterministic: the same input gives the same bytes', () => {
    const a = encodeContainerHeader(input).headerBytes
    const b = encodeContainerHeader({ files: input.files.map(f => ({ ...f })), metadata: { ...metadata } }).headerBytes
    expect(b).toEqual(a)
  })

  it('round-trips random metadata and file tables', () => {
    fc.assert(fc.property(metadataArb, fc.array(fileArb, { maxLength: 30 }), (meta, files) => {
      const { headerBytes, index } = encodeContainerHeader({ metadata: meta, files })
      const { index: decoded, headerLength } = decodeContainerHeader(headerBytes)
      expect(headerLength).toBe(headerBytes.length)
      expect(decoded).toEqual(index)
      expect(parseTesseraIndex(JSON.parse(canonicalJson(index)))).toEqual(index)
      let next = headerLength
      for (const f of decoded.files) {
        expect(f.offset).toBe(next)
        next += f.size
      }
      expect(decoded.containerSize).toBe(next)
    }), { numRuns: 200 })
  })

  it('reaches the offset fixed point when offsets gain digits', () => {
    // Many files so the header grows across a power of ten while offsets are computed.
    const files = Array.from({ length: 400 }, (_, i) => ({ name: `f${i}`, type: 'text/plain', size: 7, lastModified: 0 }))
    const { headerBytes, index } = encodeContainerHeader({ metadata, files })
    expect(decodeContainerHeader(headerBytes).index).toEqual(index)
  })

  it('keeps an optional openAfter for sealed memories and geo', () => {
    const sealed = { ...metadata, visibility: 'sealed' as const, openAfter: '2050-01-01', geo: { lat: 38.7, lon: -9.1 } }
    const { headerBytes } = encodeContainerHeader({ metadata: sealed, files: [] })
    expect(decodeContainerHeader(headerBytes).index.metadata).toEqual(sealed)
  })

  it.each([
    ['a bad date', { ...metadata, date: '14/07/1998' }],
    ['an unknown memory type', { ...metadata, memoryType: 'film' }],
    ['an unknown visibility', { ...metadata, visibility: 'secret' }],
    ['sealed without openAfter', { ...metadata, visibility: 'sealed' }],
    ['openAfter when not sealed', { ...metadata, openAfter: '2050-01-01' }],
    ['tags that are not strings', { ...metadata, tags: [1] }],
    ['latitude out of range', { ...metadata, geo: { lat: 91, lon: 0 } }],
    ['an extra field', { ...metadata, mood: 'happy' }]
  ])('rejects metadata with %s as TypeError', (_, meta) => {
    expect(() => encodeContainerHeader({ metadata: meta as TesseraMetadata, files: [] })).toThrow(TypeError)
  })

  it('rejects a negative or fractional file size as TypeError', () => {
    expect(() => encodeContainerHeader({ metadata, files: [{ ...input.files[0], size: -1 }] })).toThrow(TypeError)
    expect(() => encodeContainerHeader({ metadata, files: [{ ...input.files[0], size: 1.5 }] })).toThrow(TypeError)
  })

  it('rejects a container over the size limit as RangeError', () => {
    expect(() => encodeContainerHeader({ metadata, files: [{ ...input.files[0], size: 1024 ** 3 }] })).toThrow(RangeError)
  })

  it('rejects a header JSON over 1 MiB as RangeError', () => {
    const big = { ...metadata, description: 'x'.repeat(MAX_CONTAINER_HEADER_JSON_BYTES) }
    expect(() => encodeContainerHeader({ metadata: big, files: [] })).toThrow(RangeError)
  })

  const good = encodeContainerHeader(input)
  const goodJson = new TextDecoder().decode(good.headerBytes.subarray(8))
  const parsed = JSON.parse(goodJson) as { metadata: Record<string, unknown>, files: Array<Record<string, unknown>> }
  const withFiles = (files: unknown): Uint8Array => {
    // Offsets must match this header's length, which shifts with the JSON text: fix them up.
    const arr = files as Array<Record<string, unknown>>
    let json = canonicalJson({ metadata: parsed.metadata, files: arr })
    let headerLength = 0
    for (let round = 0; round < 5 && headerLength !== 8 + utf8Encode(json).length; round++) {
      headerLength = 8 + utf8Encode(json).length
      let next = headerLength
      for (const f of arr) { if (typeof f.size === 'number') { f.offset = next; next += f.size } }
      json = canonicalJson({ metadata: parsed.metadata, files: arr })
    }
    return rawHeader(json)
  }

  it.each<[string, Uint8Array]>([
    ['fewer than 8 bytes', good.headerBytes.subarray(0, 7)],
    ['a bad magic', rawHeader(goodJson).map((b, i) => i === 0 ? 0x58 : b)],
    ['a JSON length over 1 MiB', rawHeader(goodJson, MAX_CONTAINER_HEADER_JSON_BYTES + 1)],
    ['a JSON length past the given bytes', rawHeader(goodJson, goodJson.length + 1)],
    ['invalid UTF-8', (() => { const h = rawHeader(goodJson); h[9] = 0xff; return h })()],
    ['invalid JSON', rawHeader('{"files":[],')],
    ['JSON that is not an object', rawHeader('[]')],
    ['non-canonical JSON (whitespace)', rawHeader(JSON.stringify(parsed, null, 1))],
    ['non-canonical JSON (key order)', rawHeader(JSON.stringify({ metadata: parsed.metadata, files: parsed.files }))],
    ['a missing metadata field', rawHeader(canonicalJson({ ...parsed, metadata: { ...parsed.metadata, title: undefined } }))],
    ['an unknown top-level field', rawHeader(canonicalJson({ ...parsed, extra: 1 }))],
    ['files that are not an array', rawHeader(canonicalJson({ ...parsed, files: {} }))],
    ['an offset that does not follow the header', rawHeader(canonicalJson({ ...parsed, files: [{ ...parsed.files[0], offset: 0 }] }))],
    ['overlapping files', rawHeader(canonicalJson({ ...parsed, files: [parsed.files[0], { ...parsed.files[1], offset: parsed.files[0].offset }] }))],
    ['a negative size', withFiles([{ ...parsed.files[0], size: -5 }])],
    ['a string size', withFiles([{ ...parsed.files[0], size: '5' }])],
    ['a missing name', withFiles([{ ...parsed.files[0], name: undefined }])],
    ['a file over 1 GiB', withFiles([{ ...parsed.files[0], size: 2 * 1024 ** 3 }])]
  ])('rejects a header with %s as ContainerFormatError', (_, bytes) => {
    expectThrowsNamed(() => decodeContainerHeader(bytes), 'ContainerFormatError', 'ERR_CONTAINER_FORMAT')
  })

  it('tells a reader how many bytes the header needs from its first 8', () => {
    expect(containerHeaderLength(good.headerBytes.subarray(0, CONTAINER_PREFIX_BYTES))).toBe(good.headerBytes.length)
  })
})

describe('parseTesseraIndex', () => {
  const { index } = encodeContainerHeader(input)

  it('returns a clean copy of a valid index', () => {
    expect(parseTesseraIndex(structuredClone(index))).toEqual(index)
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['a containerSize that does not match the offsets', { ...index, containerSize: index.containerSize + 1 }],
    ['a containerSize too small for the files', { ...index, containerSize: 1012 }],
    ['a negative containerSize', { ...index, containerSize: -1 }],
    ['missing files', { metadata: index.metadata, containerSize: index.containerSize }],
    ['bad metadata', { ...index, metadata: { ...index.metadata, memoryType: 'x' } }]
  ])('rejects %s as ContainerFormatError', (_, value) => {
    expectThrowsNamed(() => parseTesseraIndex(value), 'ContainerFormatError', 'ERR_CONTAINER_FORMAT')
  })
})
