import { createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createBLAKE3 } from 'hash-wasm'
import { deriveVaultKeys, entropyToPhrase, parsePhrase, vaultIdFromPublicKey } from '../../../src/crypto/index.js'
import { concatBytes, toHex, utf8Encode } from '../../../src/core/index.js'

const entropyArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

/** Ed25519 public key of a 32-byte seed via Node's OpenSSL (independent of noble). */
function nodeEd25519PublicKey (seed: Uint8Array): Uint8Array {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)])
  const pub = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }))
  return new Uint8Array(pub.export({ format: 'der', type: 'spki' }).subarray(-32))
}

describe('deriveVaultKeys', () => {
  it('matches an independent HKDF-SHA256, Ed25519 and BLAKE3 (Node OpenSSL, hash-wasm)', async () => {
    const hasher = await createBLAKE3()
    fc.assert(fc.property(entropyArb, entropy => {
      const keys = deriveVaultKeys(entropy)
      const salt = 'tesseras/v1/vault'
      expect(keys.vaultKey).toEqual(new Uint8Array(hkdfSync('sha256', entropy, salt, 'tesseras/v1/vault-key', 32)))
      expect(keys.signingSecretKey).toEqual(new Uint8Array(hkdfSync('sha256', entropy, salt, 'tesseras/v1/signing-key', 32)))
      expect(keys.signingPublicKey).toEqual(nodeEd25519PublicKey(keys.signingSecretKey))
      hasher.init()
      hasher.update(concatBytes(utf8Encode('tesseras/v1/vault-id'), keys.signingPublicKey))
      expect(keys.vaultIdHex).toBe(hasher.digest('hex'))
      expect(toHex(keys.vaultId)).toBe(keys.vaultIdHex)
    }), { numRuns: 30 })
  })

  it('pins the version-1 derivation of the all-zero entropy (regression vector)', () => {
    const keys = deriveVaultKeys(new Uint8Array(32))
    expect(toHex(keys.vaultKey)).toBe('b6108133ac12351c4a47524687b14188f26fcaf559d07a2d69243580b20110a7')
    expect(toHex(keys.signingSecretKey)).toBe('5b71ec5e39917dc78207f30eb015dcc35aec3b2e23e25359d5b055df7edb80c6')
    expect(toHex(keys.signingPublicKey)).toBe('ac9a98277549d455e289f72f67fbd16df8ef29d78f782b3142d4127c423d52cd')
    expect(keys.vaultIdHex).toBe('6c1db39fdd0b3fa7aa01a5ecc02ce865e91fed2c122e58d4f963b326453a4940')
  })

  it('is deterministic', () => {
    fc.assert(fc.property(entropyArb, entropy => {
      expect(deriveVaultKeys(entropy)).toEqual(deriveVaultKeys(entropy.slice()))
    }), { numRuns: 50 })
  })

  it('derives pairwise distinct 32-byte keys (domain separation)', () => {
    fc.assert(fc.property(entropyArb, entropy => {
      const k = deriveVaultKeys(entropy)
      const all = [k.vaultKey, k.signingSecretKey, k.signingPublicKey, k.vaultId, entropy].map(toHex)
      expect(new Set(all).size).toBe(all.length)
      for (const key of [k.vaultKey, k.signingSecretKey, k.signingPublicKey, k.vaultId]) expect(key).toHaveLength(32)
    }), { numRuns: 50 })
  })

  it('changes every key when any one entropy bit flips', () => {
    fc.assert(fc.property(entropyArb, fc.integer({ min: 0, max: 255 }), (entropy, bit) => {
      const flipped = entropy.slice()
      flipped[bit >> 3] ^= 1 << (bit & 7)
      const a = deriveVaultKeys(entropy)
      const b = deriveVaultKeys(flipped)
      expect(toHex(b.vaultKey)).not.toBe(toHex(a.vaultKey))
      expect(toHex(b.signingSecretKey)).not.toBe(toHex(a.signingSecretKey))
      expect(toHex(b.signingPublicKey)).not.toBe(toHex(a.signingPublicKey))
      expect(b.vaultIdHex).not.toBe(a.vaultIdHex)
    }), { numRuns: 50 })
  })

  it('gives the same keys for the English and Portuguese phrases of one entropy', () => {
    fc.assert(fc.property(entropyArb, entropy => {
      const en = parsePhrase(entropyToPhrase(entropy, 'en'))
      const pt = parsePhrase(entropyToPhrase(entropy, 'pt'))
      expect(deriveVaultKeys(pt.entropy)).toEqual(deriveVaultKeys(en.entropy))
    }), { numRuns: 30 })
  })

  it.each([0, 16, 31, 33, 64])('rejects %i bytes of entropy with RangeError', n => {
    expect(() => deriveVaultKeys(new Uint8Array(n))).toThrow(RangeError)
  })

  it('rejects non-bytes with TypeError', () => {
    expect(() => deriveVaultKeys('00'.repeat(32) as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('vaultIdFromPublicKey', () => {
  it('equals the vault id derived with the keys', () => {
    const keys = deriveVaultKeys(new Uint8Array(32).fill(9))
    expect(vaultIdFromPublicKey(keys.signingPublicKey)).toEqual(keys.vaultId)
  })

  it('rejects a key that is not 32 bytes with RangeError', () => {
    expect(() => vaultIdFromPublicKey(new Uint8Array(33))).toThrow(RangeError)
  })
})
