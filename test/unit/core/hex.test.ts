import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { concatBytes, equalBytes, fromBase64, fromHex, toBase64, toHex, utf8Decode, utf8Encode } from '../../../src/core/index.js'

describe('hex', () => {
  it('encodes bytes as lower-case hex', () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff')
    expect(toHex(new Uint8Array())).toBe('')
  })

  it('decodes hex of either case', () => {
    expect([...fromHex('0001ABff')]).toEqual([0, 1, 0xab, 0xff])
  })

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      expect(fromHex(toHex(bytes))).toEqual(bytes)
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
    }))
  })

  it.each([
    ['odd length', 'abc'],
    ['non-hex digit', 'zz'],
    ['0x prefix', '0x00'],
    ['space', 'ab cd'],
    ['non-ASCII', 'éé']
  ])('rejects %s with RangeError', (_, input) => {
    expect(() => fromHex(input)).toThrow(RangeError)
  })

  it('rejects a non-string with TypeError', () => {
    expect(() => fromHex(12 as unknown as string)).toThrow(TypeError)
    expect(() => toHex('ab' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('base64', () => {
  it('matches Node Buffer base64 for any bytes and round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      const b64 = toBase64(bytes)
      expect(b64).toBe(Buffer.from(bytes).toString('base64'))
      expect(fromBase64(b64)).toEqual(bytes)
    }))
  })

  it('decodes a subarray view without reading outside it', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9])
    expect(toBase64(backing.subarray(1, 4))).toBe('AQID')
  })

  it.each([
    ['length not a multiple of 4', 'AQI'],
    ['character outside the alphabet', 'AQ-D'],
    ['URL alphabet', 'AQ_D'],
    ['misplaced padding', 'A=ID'],
    ['padding in the middle', 'AQ==AQID'],
    ['non-canonical trailing bits', 'AR=='],
    ['all padding', '===='],
    ['whitespace', 'AQ ID']
  ])('rejects %s with RangeError', (_, input) => {
    expect(() => fromBase64(input)).toThrow(RangeError)
  })
})

describe('concatBytes and equalBytes', () => {
  it('concatenates in order', () => {
    expect([...concatBytes(new Uint8Array([1]), new Uint8Array(), new Uint8Array([2, 3]))]).toEqual([1, 2, 3])
    expect(concatBytes()).toEqual(new Uint8Array())
  })

  it('compares contents, not identity', () => {
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false)
  })

  it('rejects non-bytes with TypeError', () => {
    expect(() => concatBytes([1] as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => equalBytes(new Uint8Array(), 'x' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('utf8', () => {
  it('round-trips text and rejects malformed UTF-8', () => {
    expect(utf8Decode(utf8Encode('memória 📷'))).toBe('memória 📷')
    expect(() => utf8Decode(new Uint8Array([0xc3]))).toThrow(TypeError)
  })
})
