/** The DHT key of a vault ([Note: Finding a vault]). */
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import { VAULT_CID_DOMAIN, vaultCid } from '../../../src/net/vault-cid.js'

describe('vaultCid', () => {
  const a = '0123456789abcdef'.repeat(4)
  const b = 'fedcba9876543210'.repeat(4)

  it('is a CIDv1, raw codec, sha2-256 over the domain string and the vault id', () => {
    const cid = vaultCid(a)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(0x55)
    expect(cid.multihash.code).toBe(0x12)
    const input = Uint8Array.from([...new TextEncoder().encode('tesseras/v1/vault-cid'), ...Buffer.from(a, 'hex')])
    expect(VAULT_CID_DOMAIN).toBe('tesseras/v1/vault-cid')
    expect(cid.multihash.digest).toEqual(sha256(input))
  })

  it('is deterministic and survives a string round trip', () => {
    expect(vaultCid(a).equals(vaultCid(a))).toBe(true)
    expect(CID.parse(vaultCid(a).toString()).equals(vaultCid(a))).toBe(true)
    expect(vaultCid(a.toUpperCase()).equals(vaultCid(a))).toBe(true)
  })

  it('keeps a known-answer value', () => {
    // Pinned so that a change of domain, codec or hash (which would orphan every record) is noticed.
    expect(vaultCid('00'.repeat(32)).toString()).toMatchInlineSnapshot(`"bafkreicj2r2retdp2jvidnx4xb3dm6amlxggq5skjb2pe5zlm5z7lireie"`)
  })

  it('differs between vaults', () => {
    expect(vaultCid(a).equals(vaultCid(b))).toBe(false)
    expect(vaultCid('00'.repeat(32)).equals(vaultCid('00'.repeat(31) + '01'))).toBe(false)
  })

  it('rejects malformed vault ids', () => {
    expect(() => vaultCid(42 as unknown as string)).toThrow(TypeError)
    for (const bad of ['', 'ab', '0'.repeat(63), '0'.repeat(66), 'zz'.repeat(32), ' '.repeat(64)]) expect(() => vaultCid(bad), bad).toThrow(RangeError)
  })
})
