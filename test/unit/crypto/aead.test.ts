import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  newContentKey, openIndex, openSmall, openThumbnail, sealIndex, sealSmall, sealThumbnail, unwrapContentKey,
  wrapContentKey, WRAPPED_KEY_BYTES
} from '../../../src/crypto/index.js'
import { encodeContainerHeader, utf8Encode } from '../../../src/core/index.js'
import { expectThrowsNamed } from './expect-error.js'

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const AAD = utf8Encode('test/aad')

describe('small sealed box', () => {
  it('round-trips any plaintext and aad', () => {
    fc.assert(fc.property(keyArb, fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (key, plain, aad) => {
      const sealed = sealSmall(key, plain, aad)
      expect(sealed).toHaveLength(24 + plain.length + 16)
      expect(openSmall(key, sealed, aad)).toEqual(plain)
    }))
  })

  it('fails on any flipped bit', () => {
    fc.assert(fc.property(keyArb, fc.uint8Array({ maxLength: 100 }), fc.nat(), (key, plain, bitSeed) => {
      const sealed = sealSmall(key, plain, AAD)
      const bit = bitSeed % (sealed.length * 8)
      sealed[bit >> 3] ^= 1 << (bit & 7)
      expectThrowsNamed(() => openSmall(key, sealed, AAD), 'DecryptionError', 'ERR_DECRYPTION_FAILED')
    }))
  })

  it('fails with a wrong key, a wrong aad, or a box shorter than nonce and tag', () => {
    const key = newContentKey()
    const sealed = sealSmall(key, utf8Encode('hello'), AAD)
    expectThrowsNamed(() => openSmall(newContentKey(), sealed, AAD), 'DecryptionError')
    expectThrowsNamed(() => openSmall(key, sealed, utf8Encode('other')), 'DecryptionError')
    expectThrowsNamed(() => openSmall(key, sealed.subarray(0, 39), AAD), 'DecryptionError')
  })

  it('uses a fresh random nonce each time', () => {
    const key = newContentKey()
    const a = sealSmall(key, new Uint8Array(4), AAD)
    const b = sealSmall(key, new Uint8Array(4), AAD)
    expect(a.subarray(0, 24)).not.toEqual(b.subarray(0, 24))
  })

  it('rejects a key that is not 32 bytes with RangeError', () => {
    expect(() => sealSmall(new Uint8Array(31), new Uint8Array(), AAD)).toThrow(RangeError)
    expect(() => openSmall(new Uint8Array(33), new Uint8Array(40), AAD)).toThrow(RangeError)
  })
})

describe('content key wrapping', () => {
  it('unwraps what it wrapped', () => {
    fc.assert(fc.property(keyArb, keyArb, (vaultKey, contentKey) => {
      const wrapped = wrapContentKey(vaultKey, contentKey)
      expect(wrapped).toHaveLength(WRAPPED_KEY_BYTES)
      expect(unwrapContentKey(vaultKey, wrapped)).toEqual(contentKey)
    }), { numRuns: 50 })
  })

  it('fails with another vault key or an altered box', () => {
    const vaultKey = newContentKey()
    const wrapped = wrapContentKey(vaultKey, newContentKey())
    expectThrowsNamed(() => unwrapContentKey(newContentKey(), wrapped), 'DecryptionError')
    const bad = wrapped.slice()
    bad[40] ^= 4
    expectThrowsNamed(() => unwrapContentKey(vaultKey, bad), 'DecryptionError')
    expectThrowsNamed(() => unwrapContentKey(vaultKey, wrapped.subarray(0, 71)), 'DecryptionError')
  })

  it('makes fresh content keys of 32 bytes', () => {
    const a = newContentKey()
    expect(a).toHaveLength(32)
    expect(a).not.toEqual(newContentKey())
  })
})

describe('domain separation', () => {
  it('never opens a box made for one purpose as another', () => {
    const key = newContentKey()
    const { index } = encodeContainerHeader({
      metadata: { title: 't', description: '', date: '2020-01-01', memoryType: 'text', tags: [], language: 'en', visibility: 'private' },
      files: []
    })
    const thumbnail = sealThumbnail(key, new Uint8Array(32))
    const metadata = sealIndex(key, index)
    const wrapped = wrapContentKey(key, new Uint8Array(32))
    expectThrowsNamed(() => openIndex(key, thumbnail), 'DecryptionError')
    expectThrowsNamed(() => openThumbnail(key, metadata), 'DecryptionError')
    expectThrowsNamed(() => openThumbnail(key, wrapped), 'DecryptionError')
    expectThrowsNamed(() => unwrapContentKey(key, thumbnail.subarray(0, WRAPPED_KEY_BYTES)), 'DecryptionError')
  })
})

describe('sealed index and thumbnail', () => {
  const { index } = encodeContainerHeader({
    metadata: { title: 'Praia', description: 'verão', date: '2001-08-01', memoryType: 'photo', tags: ['mar'], language: 'pt-BR', visibility: 'sealed', openAfter: '2040-01-01' },
    files: [{ name: 'p.jpg', type: 'image/jpeg', size: 5, lastModified: 1 }]
  })

  it('round-trips the index', () => {
    const key = newContentKey()
    expect(openIndex(key, sealIndex(key, index))).toEqual(index)
  })

  it('round-trips a thumbnail', () => {
    const key = newContentKey()
    const image = new Uint8Array(500).map((_, i) => i)
    expect(openThumbnail(key, sealThumbnail(key, image))).toEqual(image)
  })

  it('reports an authenticated but malformed index as ContainerFormatError, not DecryptionError', () => {
    const key = newContentKey()
    const sealed = sealSmall(key, utf8Encode('{"not":"an index"}'), utf8Encode('tesseras/v1/metadata'))
    expectThrowsNamed(() => openIndex(key, sealed), 'ContainerFormatError', 'ERR_CONTAINER_FORMAT')
  })
})
