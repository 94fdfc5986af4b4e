/**
 * The device's libp2p identity: an Ed25519 key made once and kept by the caller (IndexedDB in
 * the browser, a file in the relay's data directory), so the peer id survives restarts.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { NetworkConfigError } from './errors.js'

/** Where a node keeps its key bytes (protobuf-encoded libp2p private key). */
export interface KeyStore {
  load: () => Promise<Uint8Array | undefined>
  save: (keyBytes: Uint8Array) => Promise<void>
}

/**
 * Loads the node key, or creates and saves one on first use.
 *
 * @throws NetworkConfigError when stored bytes are not a libp2p private key
 */
export async function loadOrCreateKey (store: KeyStore): Promise<PrivateKey> {
  const stored = await store.load()
  if (stored != null) {
    try {
      return privateKeyFromProtobuf(stored)
    } catch (err) {
      throw new NetworkConfigError('node key: stored bytes are not a libp2p private key', { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await store.save(privateKeyToProtobuf(key))
  return key
}

/** Signs with the node's identity key; structurally the replication port's `ReceiptSigner`. */
export interface IdentitySigner {
  /** Raw Ed25519 public key (32 bytes): the key inside the peer id. */
  readonly publicKey: Uint8Array
  sign: (message: Uint8Array, options?: { signal?: AbortSignal }) => Promise<Uint8Array>
}

/**
 * Receipts signed by the libp2p identity key, so an owner verifies them with the public key in
 * the holder's peer id ([Note: Receipt encoding] in src/replication/receipt.ts).
 * @throws NetworkConfigError when the key is not Ed25519
 */
export function identitySigner (privateKey: PrivateKey): IdentitySigner {
  if (privateKey.type !== 'Ed25519') throw new NetworkConfigError(`node key: receipts need an Ed25519 key, got ${privateKey.type}`)
  return {
    publicKey: privateKey.publicKey.raw,
    sign: async (message, options = {}) => {
      options.signal?.throwIfAborted()
      return await privateKey.sign(message)
    }
  }
}
