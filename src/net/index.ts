/**
 * Public surface of the browser network adapter. Imported lazily by the app (a dynamic import
 * after the shell renders), so libp2p stays out of the first paint and offline start.
 * The Node variant (relay) lives in `./node.js`.
 */
export { createBrowserNode, BrowserNode, type BrowserNodeInit, type NetworkSnapshot, type PeerStatus, type RelayStatus } from './browser-node.js'
export { parseNetworkConfig, parseRelayList, parseRelayAddr, EMPTY_NETWORK_CONFIG, type NetworkConfig, type IceServer } from './config.js'
export { loadOrCreateKey, identitySigner, type IdentitySigner, type KeyStore } from './keys.js'
export { Backoff, type BackoffInit } from './backoff.js'
export { DialBudget, dialBudgetFor, type DialBudgetInit, type DialRefusal } from './dial-budget.js'
export { connectionKind, type ConnectionKind } from './classify.js'
export { NetworkConfigError, DialBudgetError, ProtocolError, toError } from './errors.js'
export * from './constants.js'
export {
  createLibp2pPeerNetwork, Libp2pPeerNetwork, type Libp2pPeerNetworkInit, type PeerNetworkNode, type VaultAnnounceInit, type VaultDht
} from './peer-network.js'
export { vaultCid, VAULT_CID_DOMAIN } from './vault-cid.js'
export { dialDirect, type DialDirectInit } from './direct-dial.js'
export { PeerUnreachableError, ChecksumMismatchError, PeerRefusedError } from './errors.js'
export { REPLICATE_PROTOCOL } from './protocols/replicate/constants.js'
export { ATTEST_PROTOCOL } from './protocols/attest/constants.js'
export { FETCH_PROTOCOL } from './protocols/fetch/constants.js'
export { ANCHOR_CAPABILITY_PROTOCOL, INSTITUTIONAL_CAPABILITY_PROTOCOL, MAX_SHARD_BYTES } from './protocols/constants.js'
