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
