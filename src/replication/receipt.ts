/**
 * Signed receipts: a holder's statement that it stored a fragment (seed 002 "Attestation
 * struct (holder signature on chunk receipt)"). The holder signs with its libp2p Ed25519
 * identity key; the owner verifies with the public key the network adapter extracted from the
 * holder's peer id, so a receipt cannot be made by anyone but that peer.
 *
 * [Note: Receipt encoding] (version 1), all integers big-endian:
 *
 *     "tesseras/v1/receipt\n"
 *     ‖ tesseraHash (32) ‖ u32 index ‖ u32 shardCount ‖ checksum (32)
 *     ‖ u64 storedAt (ms since epoch)
 *     ‖ u8 nonceLength ‖ nonce
 *     ‖ u16 holderIdLength ‖ utf8(holderId)
 *
 * Lengths prefix every variable field, so no two receipts encode alike. The nonce is chosen by
 * the owner per request: a holder cannot hand out a receipt it signed for an earlier push.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { equalBytes, fromHex, utf8Encode } from '../core/hex.js'
import type { AbortOptions, Receipt } from '../core/ports.js'
import type { FragmentId } from '../core/types.js'
import { throwIfAborted } from './clock.js'
import { MAX_RECEIPT_NONCE_BYTES } from './constants.js'
import { InvalidReceiptError } from './errors.js'

/** Domain label of receipt signatures. */
export const RECEIPT_DOMAIN = 'tesseras/v1/receipt\n'
/** Most bytes of a holder id in a receipt. */
export const MAX_HOLDER_ID_BYTES = 256

/** Signs with a holder's identity key (the libp2p private key in production). */
export interface ReceiptSigner {
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array
  /** Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array, options?: AbortOptions): Promise<Uint8Array>
}

/**
 * A {@link ReceiptSigner} over a raw 32-byte Ed25519 secret key (tests; Node anchors that keep
 * their key as bytes).
 * @throws RangeError when `secretKey` is not 32 bytes
 */
export function ed25519Signer (secretKey: Uint8Array): ReceiptSigner {
  if (!(secretKey instanceof Uint8Array)) throw new TypeError('secretKey: expected Uint8Array')
  if (secretKey.length !== 32) throw new RangeError(`secretKey: expected 32 bytes, got ${secretKey.length}`)
  const key = secretKey.slice()
  return {
    publicKey: ed25519.getPublicKey(key),
    sign: async (message, options = {}) => {
      throwIfAborted(options.signal)
      return ed25519.sign(message, key)
    }
  }
}

const HEX64 = /^[0-9a-f]{64}$/

function checkFragmentId (id: FragmentId, path: string): void {
  if (typeof id !== 'object' || id === null) throw new TypeError(`${path}: expected a FragmentId`)
  if (typeof id.tesseraHashHex !== 'string' || !HEX64.test(id.tesseraHashHex)) throw new RangeError(`${path}.tesseraHashHex: expected 64 lowercase hex characters`)
  if (typeof id.checksumHex !== 'string' || !HEX64.test(id.checksumHex)) throw new RangeError(`${path}.checksumHex: expected 64 lowercase hex characters`)
  if (!Number.isSafeInteger(id.shardCount) || id.shardCount < 1 || id.shardCount > 256) throw new RangeError(`${path}.shardCount: expected 1..256, got ${String(id.shardCount)}`)
  if (!Number.isSafeInteger(id.index) || id.index < 0 || id.index >= id.shardCount) throw new RangeError(`${path}.index: expected 0..${id.shardCount - 1}, got ${String(id.index)}`)
}

/**
 * Canonical bytes of a fragment id: tesseraHash ‖ u32 index ‖ u32 shardCount ‖ checksum (72 bytes).
 * @throws TypeError/RangeError for a malformed id
 */
export function encodeFragmentId (id: FragmentId): Uint8Array {
  checkFragmentId(id, 'fragment')
  const out = new Uint8Array(72)
  out.set(fromHex(id.tesseraHashHex), 0)
  const view = new DataView(out.buffer)
  view.setUint32(32, id.index)
  view.setUint32(36, id.shardCount)
  out.set(fromHex(id.checksumHex), 40)
  return out
}

/**
 * The bytes a receipt signature covers ([Note: Receipt encoding]).
 * @throws TypeError/RangeError for a malformed field
 */
export function encodeReceiptForSigning (receipt: Omit<Receipt, 'signature'>): Uint8Array {
  const fragment = encodeFragmentId(receipt.fragment)
  if (!Number.isSafeInteger(receipt.storedAt) || receipt.storedAt < 0) throw new RangeError(`storedAt: expected ms since epoch, got ${String(receipt.storedAt)}`)
  if (!(receipt.nonce instanceof Uint8Array)) throw new TypeError('nonce: expected Uint8Array')
  if (receipt.nonce.length < 16 || receipt.nonce.length > MAX_RECEIPT_NONCE_BYTES) throw new RangeError(`nonce: expected 16..${MAX_RECEIPT_NONCE_BYTES} bytes, got ${receipt.nonce.length}`)
  if (typeof receipt.holderId !== 'string') throw new TypeError('holderId: expected a string')
  const holder = utf8Encode(receipt.holderId)
  if (holder.length < 1 || holder.length > MAX_HOLDER_ID_BYTES) throw new RangeError(`holderId: expected 1..${MAX_HOLDER_ID_BYTES} bytes, got ${holder.length}`)
  const domain = utf8Encode(RECEIPT_DOMAIN)
  const out = new Uint8Array(domain.length + fragment.length + 8 + 1 + receipt.nonce.length + 2 + holder.length)
  const view = new DataView(out.buffer)
  let o = 0
  out.set(domain, o); o += domain.length
  out.set(fragment, o); o += fragment.length
  view.setBigUint64(o, BigInt(receipt.storedAt)); o += 8
  out[o++] = receipt.nonce.length
  out.set(receipt.nonce, o); o += receipt.nonce.length
  view.setUint16(o, holder.length); o += 2
  out.set(holder, o)
  return out
}

/**
 * Signs a receipt for a stored fragment (the holder's side).
 * @example const receipt = await signReceipt({ fragment, holderId: self, storedAt: clock.now(), nonce: request.nonce }, signer)
 * @throws TypeError/RangeError for a malformed field, AbortError
 */
export async function signReceipt (unsigned: Omit<Receipt, 'signature'>, signer: ReceiptSigner, options: AbortOptions = {}): Promise<Receipt> {
  throwIfAborted(options.signal)
  const message = encodeReceiptForSigning(unsigned)
  const signature = await signer.sign(message, options)
  return {
    fragment: { ...unsigned.fragment },
    holderId: unsigned.holderId,
    storedAt: unsigned.storedAt,
    nonce: unsigned.nonce.slice(),
    signature: signature.slice()
  }
}

/** What the owner expects of a receipt. */
export interface ReceiptExpectation {
  /** Ed25519 public key (32 bytes) of the holder, from its peer id. */
  publicKey: Uint8Array
  /** The peer we pushed to. */
  holderId: string
  /** The fragment we pushed. */
  fragment: FragmentId
  /** The nonce we sent. */
  nonce: Uint8Array
}

/**
 * Verifies a receipt against what the owner pushed: fields match, and the Ed25519 signature
 * (strict RFC 8032, not ZIP-215) verifies under the holder's key.
 * @throws InvalidReceiptError naming the first mismatch
 */
export function verifyReceipt (receipt: Receipt, expected: ReceiptExpectation): void {
  let message: Uint8Array
  try {
    message = encodeReceiptForSigning(receipt)
  } catch (err) {
    throw new InvalidReceiptError('receipt is malformed', { cause: err })
  }
  if (receipt.holderId !== expected.holderId) throw new InvalidReceiptError('receipt is from another holder')
  const a = receipt.fragment
  const b = expected.fragment
  if (a.tesseraHashHex !== b.tesseraHashHex || a.index !== b.index || a.shardCount !== b.shardCount || a.checksumHex !== b.checksumHex) {
    throw new InvalidReceiptError('receipt is for another fragment')
  }
  if (!equalBytes(receipt.nonce, expected.nonce)) throw new InvalidReceiptError('receipt nonce does not match the request')
  if (!(receipt.signature instanceof Uint8Array) || receipt.signature.length !== 64) throw new InvalidReceiptError('receipt signature is not 64 bytes')
  if (!(expected.publicKey instanceof Uint8Array) || expected.publicKey.length !== 32) throw new InvalidReceiptError('holder public key is not 32 bytes')
  let ok = false
  try {
    ok = ed25519.verify(receipt.signature, message, expected.publicKey, { zip215: false })
  } catch (err) {
    throw new InvalidReceiptError('receipt signature does not verify', { cause: err })
  }
  if (!ok) throw new InvalidReceiptError('receipt signature does not verify')
}
