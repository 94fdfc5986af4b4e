/**
 * The DHT key under which holders announce a vault ([Note: Finding a vault], src/core/ports.ts):
 * `CIDv1(raw, sha2-256("tesseras/v1/vault-cid" ‖ vault id))`.
 *
 * The domain string keeps our keys apart from any other use of the same 32 bytes (a vault id
 * is itself a hash of the vault public key). The hash is computed with @noble/hashes so the
 * function is synchronous in the browser and in Node (multiformats' sha256 is async in browsers).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { fromHex } from '../core/index.js'

/** Domain separation prefix of the vault CID (UTF-8, no terminator). */
export const VAULT_CID_DOMAIN = 'tesseras/v1/vault-cid'
/** Bytes of a vault id. */
export const VAULT_ID_BYTES = 32
/** Multicodec code of sha2-256. */
const SHA2_256 = 0x12

const DOMAIN_BYTES = new TextEncoder().encode(VAULT_CID_DOMAIN)

/**
 * The CID a vault is announced and looked up under. Hex in either case gives the same CID.
 *
 * @param vaultIdHex - the vault id, 32 bytes as 64 hex digits
 * @throws TypeError when `vaultIdHex` is not a string; RangeError when it is not 64 hex digits
 * @example
 * const cid = vaultCid(vaultIdHex)
 * await libp2p.contentRouting.provide(cid)
 */
export function vaultCid (vaultIdHex: string): CID {
  if (typeof vaultIdHex !== 'string') throw new TypeError(`vaultIdHex: expected a string, got ${vaultIdHex === null ? 'null' : typeof vaultIdHex}`)
  if (vaultIdHex.length !== VAULT_ID_BYTES * 2) throw new RangeError(`vaultIdHex: expected ${VAULT_ID_BYTES * 2} hex digits, got ${vaultIdHex.length} characters`)
  const vaultId = fromHex(vaultIdHex)
  const input = new Uint8Array(DOMAIN_BYTES.length + vaultId.length)
  input.set(DOMAIN_BYTES)
  input.set(vaultId, DOMAIN_BYTES.length)
  return CID.createV1(raw.code, Digest.create(SHA2_256, sha256(input)))
}
