import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  deriveVaultKeys, encodeManifestForSigning, manifestFromStorage, manifestVaultId, payloadSizeFor, signManifest,
  verifyManifest, blake3, WRAPPED_KEY_BYTES, MANIFEST_DOMAIN
} from '../../../src/crypto/index.js'
import { planFragments, toHex } from '../../../src/core/index.js'
import type { Manifest, UnsignedManifest } from '../../../src/core/index.js'
import { expectThrowsNamed } from './expect-error.js'

const keys = deriveVaultKeys(new Uint8Array(32).fill(3))
const other = deriveVaultKeys(new Uint8Array(32).fill(4))
const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 255)

/** A consistent unsigned manifest for a payload of `plainSize` container bytes. */
function unsignedFor (plainSize: number, chunkSize = 1024 * 1024): UnsignedManifest {
  const size = payloadSizeFor(plainSize, chunkSize)
  const plan = planFragments(size)
  const tesseraHash = blake3(bytes(8, plainSize))
  const shardChecksums = plan.tier === 'small'
    ? [tesseraHash]
    : Array.from({ length: plan.k + plan.m }, (_, i) => blake3(bytes(4, i)))
  return {
    formatVersion: 1,
    tesseraHash,
    size,
    chunkSize,
    tier: plan.tier,
    k: plan.k,
    m: plan.m,
    shardSize: plan.shardSize,
    shardChecksums,
    wrappedKey: bytes(WRAPPED_KEY_BYTES, 1),
    encryptedMetadata: bytes(200, 2),
    createdAt: 1_700_000_000_000,
    vaultPublicKey: keys.signingPublicKey
  }
}

const small = unsignedFor(1000)
const medium = unsignedFor(10 * 1024 * 1024)

describe('encodeManifestForSigning', () => {
  it('starts with the versioned domain label and is deterministic', () => {
    const a = encodeManifestForSigning(medium)
    expect(new TextDecoder().decode(a.subarray(0, MANIFEST_DOMAIN.length))).toBe('tesseras/v1/manifest\n')
    expect(encodeManifestForSigning(structuredClone(medium))).toEqual(a)
  })

  it('has the documented length (fixed fields + length-prefixed blobs)', () => {
    const enc = encodeManifestForSigning(small)
    const fixed = 21 + 4 + 8 + 4 + 4 + 4 + 8 + 4 + 8
    const blobs = [32, 5, 32, WRAPPED_KEY_BYTES, 200, 32].reduce((s, n) => s + 4 + n, 0)
    expect(enc.length).toBe(fixed + blobs)
  })

  it('ignores a signature field and changes with every other field', () => {
    const signed = signManifest(medium, keys.signingSecretKey)
    expect(encodeManifestForSigning(signed)).toEqual(encodeManifestForSigning(medium))
    expect(encodeManifestForSigning({ ...medium, createdAt: medium.createdAt + 1 })).not.toEqual(encodeManifestForSigning(medium))
  })
})

describe('signManifest / verifyManifest', () => {
  it('verifies a manifest it signed, with or without the expected vault id', () => {
    for (const unsigned of [small, medium, unsignedFor(300 * 1024 * 1024)]) {
      const manifest = signManifest(unsigned, keys.signingSecretKey)
      expect(manifest.signature).toHaveLength(64)
      verifyManifest(manifest)
      verifyManifest(manifest, keys.vaultId)
      verifyManifest(manifest, keys.vaultIdHex)
      expect(manifestVaultId(manifest)).toEqual(keys.vaultId)
    }
  })

  it('survives structured clone (IndexedDB, postMessage)', () => {
    verifyManifest(structuredClone(signManifest(medium, keys.signingSecretKey)), keys.vaultId)
  })

  it('rejects a manifest of another vault with ManifestSignatureError', () => {
    const manifest = signManifest(medium, keys.signingSecretKey)
    expectThrowsNamed(() => verifyManifest(manifest, other.vaultId), 'ManifestSignatureError', 'ERR_MANIFEST_SIGNATURE')
  })

  it('rejects a signature by another key over our public key', () => {
    const forged = { ...signManifest({ ...medium, vaultPublicKey: other.signingPublicKey }, other.signingSecretKey), vaultPublicKey: keys.signingPublicKey }
    expectThrowsNamed(() => verifyManifest(forged), 'ManifestSignatureError', 'ERR_MANIFEST_SIGNATURE')
  })

  const byteFields = ['tesseraHash', 'wrappedKey', 'encryptedMetadata', 'vaultPublicKey', 'signature'] as const
  it('rejects any flipped bit of any byte field or shard checksum', () => {
    const manifest = signManifest(medium, keys.signingSecretKey)
    fc.assert(fc.property(fc.constantFrom(...byteFields, 'shardChecksums' as const), fc.nat(), fc.nat(), (field, which, bitSeed) => {
      const copy: Manifest = structuredClone(manifest)
      const target = field === 'shardChecksums' ? copy.shardChecksums[which % copy.shardChecksums.length] : copy[field]
      const bit = bitSeed % (target.length * 8)
      target[bit >> 3] ^= 1 << (bit & 7)
      expectThrowsNamed(() => verifyManifest(copy), 'ManifestSignatureError', 'ERR_MANIFEST_SIGNATURE')
    }), { numRuns: 300 })
  })

  it.each<[string, Partial<Manifest>]>([
    ['createdAt', { createdAt: medium.createdAt + 1 }],
    ['chunkSize', { chunkSize: 65536, size: payloadSizeFor(10 * 1024 * 1024, 65536), shardSize: planFragments(payloadSizeFor(10 * 1024 * 1024, 65536)).shardSize }],
    ['size', { size: medium.size - 1, shardSize: planFragments(medium.size - 1).shardSize }]
  ])('rejects a changed %s', (_, change) => {
    const manifest = { ...signManifest(medium, keys.signingSecretKey), ...change }
    let caught: unknown
    try {
      verifyManifest(manifest)
    } catch (err) {
      caught = err
    }
    expect(['ManifestSignatureError', 'ManifestFormatError']).toContain((caught as Error | undefined)?.name)
  })

  it('rejects a changed createdAt specifically as a bad signature', () => {
    const manifest = { ...signManifest(medium, keys.signingSecretKey), createdAt: medium.createdAt + 1 }
    expectThrowsNamed(() => verifyManifest(manifest), 'ManifestSignatureError')
  })

  it('signs random well-formed manifests and rejects them once their metadata changes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 8 * 1024 * 1024 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array({ minLength: 40, maxLength: 300 }),
      (plainSize, createdAt, encryptedMetadata) => {
        const manifest = signManifest({ ...unsignedFor(plainSize), createdAt, encryptedMetadata }, keys.signingSecretKey)
        verifyManifest(manifest, keys.vaultId)
        const tampered = { ...manifest, encryptedMetadata: encryptedMetadata.map((b, i) => i === 0 ? b ^ 1 : b) }
        expectThrowsNamed(() => verifyManifest(tampered), 'ManifestSignatureError')
      }), { numRuns: 40 })
  })

  it('refuses to sign with a key that is not the manifest\'s', () => {
    expect(() => signManifest(medium, other.signingSecretKey)).toThrow(RangeError)
    expect(() => signManifest(medium, new Uint8Array(31))).toThrow(RangeError)
  })

  it('rejects an expected vault id of the wrong length with RangeError', () => {
    const manifest = signManifest(medium, keys.signingSecretKey)
    expect(() => verifyManifest(manifest, new Uint8Array(31))).toThrow(RangeError)
    expect(() => verifyManifest(manifest, 'abcd')).toThrow(RangeError)
  })
})

describe('manifest shape', () => {
  const signed = signManifest(medium, keys.signingSecretKey)
  const signedSmall = signManifest(small, keys.signingSecretKey)
  const without = (key: keyof Manifest): unknown => { const c: Record<string, unknown> = { ...signed }; delete c[key]; return c }

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['formatVersion 2', { ...signed, formatVersion: 2 }],
    ['a missing tesseraHash', without('tesseraHash')],
    ['a 31-byte tesseraHash', { ...signed, tesseraHash: new Uint8Array(31) }],
    ['a tesseraHash as hex', { ...signed, tesseraHash: toHex(signed.tesseraHash) }],
    ['a tesseraHash as a plain array', { ...signed, tesseraHash: [...signed.tesseraHash] }],
    ['size 0', { ...signed, size: 0 }],
    ['a fractional size', { ...signed, size: signed.size + 0.5 }],
    ['a size too big', { ...signed, size: 2 * 1024 ** 3 }],
    ['a size that no payload can have', { ...signed, size: payloadSizeFor(10 * 1024 * 1024, signed.chunkSize) + 1 }],
    ['chunkSize 0', { ...signed, chunkSize: 0 }],
    ['a tier that does not fit the size', { ...signed, tier: 'large' }],
    ['an unknown tier', { ...signed, tier: 'huge' }],
    ['a wrong k', { ...signed, k: 15 }],
    ['a wrong m', { ...signed, m: 9 }],
    ['a wrong shardSize', { ...signed, shardSize: signed.shardSize + 1 }],
    ['too few shard checksums', { ...signed, shardChecksums: signed.shardChecksums.slice(1) }],
    ['a short shard checksum', { ...signed, shardChecksums: [new Uint8Array(31), ...signed.shardChecksums.slice(1)] }],
    ['shardChecksums not an array', { ...signed, shardChecksums: signed.shardChecksums[0] }],
    ['a small tessera whose shard is not the payload', { ...signedSmall, shardChecksums: [new Uint8Array(32)] }],
    ['a wrappedKey of the wrong length', { ...signed, wrappedKey: new Uint8Array(WRAPPED_KEY_BYTES - 1) }],
    ['encryptedMetadata too short', { ...signed, encryptedMetadata: new Uint8Array(39) }],
    ['encryptedMetadata too long', { ...signed, encryptedMetadata: new Uint8Array(3 * 1024 * 1024) }],
    ['a negative createdAt', { ...signed, createdAt: -1 }],
    ['createdAt as a string', { ...signed, createdAt: '2024' }],
    ['a 33-byte public key', { ...signed, vaultPublicKey: new Uint8Array(33) }],
    ['a missing signature', without('signature')],
    ['a 63-byte signature', { ...signed, signature: signed.signature.subarray(1) }]
  ])('rejects %s with ManifestFormatError', (_, value) => {
    expectThrowsNamed(() => manifestFromStorage(value), 'ManifestFormatError', 'ERR_MANIFEST_FORMAT')
    expectThrowsNamed(() => verifyManifest(value as Manifest), 'ManifestFormatError', 'ERR_MANIFEST_FORMAT')
  })

  it('returns a clean copy without unknown fields from storage', () => {
    const stored = { ...structuredClone(signed), extra: 'x' }
    const manifest = manifestFromStorage(stored)
    expect(manifest).toEqual(signed)
    expect('extra' in manifest).toBe(false)
    verifyManifest(manifest, keys.vaultId)
  })

  it('refuses to encode or sign a malformed manifest', () => {
    expectThrowsNamed(() => encodeManifestForSigning({ ...medium, k: 1 }), 'ManifestFormatError')
    expectThrowsNamed(() => signManifest({ ...medium, tier: 'small' }, keys.signingSecretKey), 'ManifestFormatError')
  })
})
