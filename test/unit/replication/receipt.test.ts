import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519Signer, encodeReceiptForSigning, signReceipt, verifyReceipt } from '../../../src/replication/index.js'
import type { Receipt } from '../../../src/core/ports.js'
import { fragmentId, seededBytes } from './helpers.js'

const signer = ed25519Signer(seededBytes(1)(32))
const other = ed25519Signer(seededBytes(2)(32))
const nonce = seededBytes(3)(16)
const fragment = fragmentId({ index: 5 })
const expected = { publicKey: signer.publicKey, holderId: 'holder', fragment, nonce }
const make = async (): Promise<Receipt> => await signReceipt({ fragment, holderId: 'holder', storedAt: 1_700_000_000_000, nonce }, signer)

describe('receipts', () => {
  it('verifies a receipt signed by the holder', async () => {
    const receipt = await make()
    expect(() => { verifyReceipt(receipt, expected) }).not.toThrow()
  })

  it('is deterministic (Ed25519) and binds every field', async () => {
    const receipt = await make()
    expect((await make()).signature).toEqual(receipt.signature)
    const cases: Array<[string, Receipt, typeof expected]> = [
      ['another holder key', receipt, { ...expected, publicKey: other.publicKey }],
      ['another holder id', { ...receipt, holderId: 'x' }, { ...expected, holderId: 'x' }],
      ['another fragment', receipt, { ...expected, fragment: { ...fragment, index: 6 } }],
      ['another nonce', receipt, { ...expected, nonce: seededBytes(9)(16) }],
      ['a changed time', { ...receipt, storedAt: receipt.storedAt + 1 }, expected],
      ['a short signature', { ...receipt, signature: receipt.signature.subarray(1) }, expected]
    ]
    for (const [, r, e] of cases) {
      expect(() => { verifyReceipt(r, e) }).toThrow(expect.objectContaining({ name: 'InvalidReceiptError', code: 'ERR_INVALID_RECEIPT' }))
    }
  })

  it('fails for any flipped signature bit (property)', async () => {
    const r = await make()
    fc.assert(fc.property(fc.integer({ min: 0, max: 511 }), (bit) => {
      const signature = r.signature.slice()
      signature[bit >> 3] ^= 1 << (bit & 7)
      expect(() => { verifyReceipt({ ...r, signature }, expected) }).toThrow(expect.objectContaining({ name: 'InvalidReceiptError' }))
    }))
  })

  it('encodes length-prefixed fields so distinct receipts never collide', () => {
    const base = { fragment, holderId: 'ab', storedAt: 1, nonce }
    const a = encodeReceiptForSigning(base)
    const b = encodeReceiptForSigning({ ...base, holderId: 'abc' })
    expect(a).not.toEqual(b)
    expect(a.length).toBe(20 + 72 + 8 + 1 + 16 + 2 + 2)
  })

  it.each([
    ['a short nonce', { nonce: new Uint8Array(8) }, RangeError],
    ['a bad hash', { fragment: { ...fragment, tesseraHashHex: 'zz' } }, RangeError],
    ['an index past the shard count', { fragment: { ...fragment, index: 24 } }, RangeError],
    ['an empty holder', { holderId: '' }, RangeError],
    ['a negative time', { storedAt: -1 }, RangeError],
    ['a nonce that is not bytes', { nonce: 'x' as unknown as Uint8Array }, TypeError]
  ])('rejects %s', async (_, over, error) => {
    await expect(signReceipt({ fragment, holderId: 'h', storedAt: 1, nonce, ...over }, signer)).rejects.toThrow(error)
  })

  it('rejects a 31-byte secret key', () => {
    expect(() => ed25519Signer(new Uint8Array(31))).toThrow(RangeError)
  })
})
