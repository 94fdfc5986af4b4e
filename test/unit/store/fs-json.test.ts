/**
 * The anchor's JSON documents keep bytes as bytes, whatever Uint8Array subclass they arrived
 * as: a Node Buffer (bytes decoded from a socket) has a `toJSON` that runs before the replacer.
 */
import { describe, expect, it } from 'vitest'
import { Buffer } from 'node:buffer'
import { decodeJson, encodeJson } from '../../../src/store/fs/json-file.js'

describe('fs JSON documents', () => {
  it('round-trips Uint8Array and Buffer values as Uint8Array', () => {
    const doc = { a: Uint8Array.of(1, 2, 3), b: Buffer.from([4, 5, 6]), nested: [{ c: Buffer.from('hello').subarray(1, 3) }], n: 7 }
    const back = decodeJson(encodeJson(doc), 'test') as { a: Uint8Array, b: Uint8Array, nested: Array<{ c: Uint8Array }>, n: number }
    expect(back.a).toEqual(Uint8Array.of(1, 2, 3))
    expect(back.b).toBeInstanceOf(Uint8Array)
    expect([...back.b]).toEqual([4, 5, 6])
    expect([...back.nested[0].c]).toEqual([...Buffer.from('el')])
    expect(back.n).toBe(7)
  })
})
