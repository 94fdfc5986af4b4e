/**
 * Port interfaces implemented by adapters (src/store/*, src/net) and injected by the
 * composition roots (src/app, src/relay). No adapter types leak in here.
 */
import type { FragmentId, Manifest } from './types.js'

/** Cancellation for every async port call. */
export interface AbortOptions {
  signal?: AbortSignal
}

/**
 * `putChunk` options. By default a store keeps a copy (the caller may reuse its bytes).
 * `give: true` hands the bytes over: the store may keep them as they are, so the caller must
 * not modify or transfer them afterwards (a save's sealed chunks, which arrive transferred
 * from a codec worker, are given; a store that copies anyway, like IndexedDB, ignores it).
 */
export interface PutChunkOptions extends AbortOptions {
  give?: boolean
}

/**
 * `getChunk` options. By default the bytes returned are the caller's own. `borrow: true`
 * promises to only read them and drop them: the store may return the bytes it holds (a
 * memory store then skips a copy), which must never be modified or transferred.
 */
export interface GetChunkOptions extends AbortOptions {
  borrow?: boolean
}

/** Progress reporting: `onProgress` receives namespaced events (`'save:chunk:written'`). */
export interface ProgressEvent<T = unknown> {
  type: string
  detail: T
}
export interface ProgressOptions<E extends ProgressEvent = ProgressEvent> {
  onProgress?: (event: E) => void
}

/**
 * A tessera stored on this device: the signed manifest plus local extras. The encrypted
 * payload lives beside it as numbered chunks: payload = `payloadHeader` ‖ chunk 0 ‖ chunk 1 ‖ …
 */
export interface TesseraRecord {
  /** Hex of manifest.tesseraHash; primary key. */
  hashHex: string
  manifest: Manifest
  /** The payload header bytes (magic, chunk size, nonce prefix). */
  payloadHeader: Uint8Array
  /** Number of sealed chunks stored. */
  chunkCount: number
  /** Thumbnail (JPEG/WebP) sealed with the content key; absent when none could be made. */
  thumbnail?: Uint8Array
  /** ms since epoch when saved here (gallery order). */
  savedAt: number
}

/**
 * Writes one tessera's chunks, then makes it visible atomically with `commit`.
 * [Note: Atomic save] Chunks are written under the writer's id in as many transactions as
 * needed (a 1 GB memory cannot be one transaction), while a pending marker exists. `commit`
 * writes the record and removes the marker in one transaction: before it, no reader sees the
 * memory; `abort` (or `sweepIncomplete` after a crash) deletes everything written.
 */
export interface TesseraWriter {
  readonly id: string
  /** Stores sealed chunk `index`. Idempotent for the same index. @throws StorageFullError */
  putChunk(index: number, bytes: Uint8Array, options?: PutChunkOptions): Promise<void>
  /**
   * Reads back chunk `index` written by this writer before commit (parity is computed from
   * the stored payload stripe by stripe). @returns undefined when not written.
   * @throws WriterClosedError after commit/abort
   */
  getChunk(index: number, options?: GetChunkOptions): Promise<Uint8Array | undefined>
  /** Makes the tessera visible. `record.chunkCount` chunks must have been put. @throws StorageFullError, StoreError */
  commit(record: TesseraRecord, options?: AbortOptions): Promise<void>
  /** Deletes everything this writer wrote. Safe to call more than once, and after a failed commit. */
  abort(): Promise<void>
}

/** Local storage of whole tesseras (the owner's copy). */
export interface TesseraStore {
  /** Starts a new atomic write. */
  begin(options?: AbortOptions): Promise<TesseraWriter>
  /** @returns undefined when absent. @throws CorruptRecordError when the stored record is malformed */
  get(hashHex: string, options?: AbortOptions): Promise<TesseraRecord | undefined>
  /**
   * Every committed tessera, newest `savedAt` first. A malformed record does not fail the list:
   * it is returned as `{ hashHex, error }` so only that memory shows an error.
   */
  list(options?: AbortOptions): Promise<Array<TesseraRecord | BrokenRecord>>
  /** @returns undefined when absent. */
  getChunk(hashHex: string, index: number, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** Removes a tessera and all its chunks. No error when absent. */
  delete(hashHex: string, options?: AbortOptions): Promise<void>
  /** Deletes chunks of writers that never committed (crash recovery). @returns writers swept */
  sweepIncomplete(options?: AbortOptions): Promise<number>
}

/** A stored record that could not be decoded. */
export interface BrokenRecord {
  hashHex: string
  error: { name: string, code: string, message: string }
}

/** Shards held for others (and for ourselves). Keys are content addressed: put is idempotent. */
export interface FragmentStore {
  /** @throws StorageFullError */
  put(id: FragmentId, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** @returns undefined when absent. */
  get(id: FragmentId, options?: AbortOptions): Promise<Uint8Array | undefined>
  has(id: FragmentId, options?: AbortOptions): Promise<boolean>
  /** No error when absent. */
  delete(id: FragmentId, options?: AbortOptions): Promise<void>
  /** Ids held, optionally only for one tessera. */
  list(tesseraHashHex?: string, options?: AbortOptions): Promise<FragmentId[]>
}

/** The owner's secret as kept on their own device. */
export interface VaultSecret {
  /** 32 bytes of BIP39 entropy; every vault key derives from it. */
  entropy: Uint8Array
  /** Word list the phrase was shown in. */
  language: 'en' | 'pt'
  /** ms since epoch. */
  createdAt: number
}

/** Where the owner's device keeps its vault secret. */
export interface VaultStore {
  get(options?: AbortOptions): Promise<VaultSecret | undefined>
  put(secret: VaultSecret, options?: AbortOptions): Promise<void>
  clear(options?: AbortOptions): Promise<void>
}

// ─── Replication ports ──────────────────────────────────────────────────────────────────────
// [Note: Replication ports] The replication services (src/replication) see the network, the
// reciprocity ledger and the holder map only through these interfaces. src/net implements
// PeerNetwork over libp2p protocols (/tesseras/replicate, /attest, /fetch); src/store adapters
// implement ReciprocityLedger and ReplicaStore. Peer ids are strings (the libp2p peer id in
// base58/CID text form): no libp2p type crosses this boundary.

/**
 * How bytes reach a peer. Fragments travel only over `'webrtc'` (browser ↔ browser) or
 * `'websocket'` (to Node nodes); `'relayed'` (a limited circuit-relay v2 circuit, about 2 min
 * and 128 KiB) is for signalling only and never carries a fragment.
 */
export type ConnectionKind = 'webrtc' | 'websocket' | 'relayed'

/** A connected peer as replication sees it. Plain data, structured-cloneable. */
export interface PeerInfo {
  /** The peer id as text; stable for the peer's key. */
  id: string
  /** The best connection we currently have to it. */
  kind: ConnectionKind
  /**
   * IP literals we know for it (`"203.0.113.7"`, `"2001:db8::1"`), taken from its observed and
   * announced multiaddrs by the adapter. Empty when none is known (a browser behind WebRTC):
   * subnet diversity then does not constrain this peer.
   */
  addresses: string[]
  /** True for a verified institutional node (DNS TXT pledge): exempt from reciprocity, capped per tessera. */
  institutional: boolean
  /** True for an always-on Node anchor that stores fragments on disk. */
  anchor?: boolean
  /** Ed25519 public key (32 bytes) of the peer's identity, when the adapter can extract it: verifies receipts. */
  publicKey?: Uint8Array
}

/** A peer appeared or went away. */
export type PeerEvent =
  | { type: 'peer:connect', peer: PeerInfo }
  | { type: 'peer:update', peer: PeerInfo }
  | { type: 'peer:disconnect', peerId: string }

/**
 * Why a replicate request was answered the way it was. Sent on the wire as a status enum
 * (never exception text, STYLE §4); `'OK'` is the protobuf default value 0.
 */
export type ReplicateStatus =
  | 'OK'
  /** The sender's deficit with us is beyond the allowance. Retry elsewhere. */
  | 'REFUSED_DEFICIT'
  /** We already hold the per-peer limit for this sender. */
  | 'REFUSED_PEER_LIMIT'
  /** Our offered storage ("Storage I give") is used up. */
  | 'REFUSED_CAPACITY'
  /** The device's free space is below the minimum we keep. */
  | 'REFUSED_DISK_FULL'
  /** The request came over a relayed circuit: fragments need a direct connection. */
  | 'REFUSED_RELAYED'
  /** The shard's bytes do not match its id's checksum or the manifest. */
  | 'BAD_CHECKSUM'
  /** The manifest's signature or shape is invalid. */
  | 'BAD_MANIFEST'
  /** Malformed or oversized request. */
  | 'BAD_REQUEST'
  /** We failed for a reason of our own; the sender may retry later. */
  | 'INTERNAL'

/**
 * A holder's signed statement that it stored a fragment. Verified with the holder's Ed25519
 * public key over a canonical encoding (src/replication/receipt.ts, [Note: Receipt encoding]).
 */
export interface Receipt {
  /** The fragment stored. */
  fragment: FragmentId
  /** Peer id of the holder. */
  holderId: string
  /** ms since epoch, the holder's clock when it stored the fragment. */
  storedAt: number
  /** 16..64 random bytes chosen by the owner for this request; binds the receipt to it. */
  nonce: Uint8Array
  /** Ed25519 signature (64 bytes). */
  signature: Uint8Array
}

/** The owner's push of one shard to one holder (/tesseras/replicate/1.0.0). */
export interface ReplicateRequest {
  /** The signed manifest; the holder verifies it and the shard's checksum against it. */
  manifest: Manifest
  fragment: FragmentId
  /**
   * The shard bytes. Bounded: a shard is at most ceil(MAX_PAYLOAD_BYTES / 48) ≈ 22 MiB, and the
   * receiver must hash all of it before storing, so one buffered shard is the memory bound; the
   * adapter frames it on the wire (64–256 KiB frames, backpressure, end-to-end checksum).
   */
  shard: Uint8Array
  /** Fresh random bytes echoed in the receipt, so an old receipt cannot be replayed. */
  nonce: Uint8Array
}

/** The holder's answer to a {@link ReplicateRequest}. */
export interface ReplicateAck {
  status: ReplicateStatus
  /** Present exactly when `status` is `'OK'`. */
  receipt?: Receipt
}

/** A byte range of a shard. */
export interface ByteRange {
  offset: number
  length: number
}

/**
 * A proof-of-possession challenge (/tesseras/attest/1.0.0); see src/replication/attestation.ts,
 * [Note: Attestation]. The answer is BLAKE3 in keyed mode with `nonce` as key over the
 * fragment id, the ranges and their bytes (and, when `whole`, the whole shard).
 */
export interface AttestChallenge {
  fragment: FragmentId
  /** 32 fresh random bytes, the BLAKE3 key. Never reused. */
  nonce: Uint8Array
  /** Randomly chosen ranges inside the shard; may be empty when `whole`. */
  ranges: ByteRange[]
  /** Also hash the whole shard (strong proof; costs the holder one pass over the shard). */
  whole: boolean
}

/** Outcome of an attestation on the holder's side. `'OK'` is the protobuf default value 0. */
export type AttestStatus = 'OK' | 'NOT_FOUND' | 'BAD_REQUEST' | 'BUSY' | 'INTERNAL'

/** The holder's answer to an {@link AttestChallenge}. */
export interface AttestResponse {
  status: AttestStatus
  /** 32 bytes, present exactly when `status` is `'OK'`. */
  proof?: Uint8Array
}

/** Handlers the network adapter calls for inbound requests (the holder's side of each protocol). */
export interface InboundHandlers {
  /** Verify, check reciprocity, store atomically with the ledger update, sign a receipt. Never throws to the wire. */
  replicate(from: PeerInfo, request: ReplicateRequest, options?: AbortOptions): Promise<ReplicateAck>
  attest(from: PeerInfo, challenge: AttestChallenge, options?: AbortOptions): Promise<AttestResponse>
  /** @returns undefined when we do not hold it */
  fetchShard(from: PeerInfo, id: FragmentId, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** @returns undefined when we do not hold any fragment of that tessera */
  fetchManifest(from: PeerInfo, tesseraHashHex: string, options?: AbortOptions): Promise<Manifest | undefined>
  /**
   * The signed manifests we hold whose `vaultPublicKey` hashes to `vaultIdHex` (recovery from
   * the phrase: [Note: Finding a vault]). At most {@link MAX_LISTED_MANIFESTS}, newest first.
   * Empty when we hold none.
   */
  listManifests(from: PeerInfo, vaultIdHex: string, options?: AbortOptions): Promise<ManifestListing>
}

/**
 * One `listManifests` answer: the manifests, newest first, and where the answering node said so
 * (`held`, by tessera hash hex), which shard indices of each it holds and can serve — a
 * recovering device asks it for those only instead of probing index by index (advice: every
 * shard fetched is still checked).
 */
export type ManifestListing = Manifest[] & { held?: ReadonlyMap<string, readonly number[]> }

/** Upper bound of one `listManifests` answer (a vault with more memories is listed by several holders, or paged later). */
export const MAX_LISTED_MANIFESTS = 512

/**
 * The replication view of the network. Implemented by src/net over libp2p: each request is one
 * stream of its protocol, length-prefixed protobuf, bounded, with a timeout when the caller gives
 * no signal. Requests to a peer we are not directly connected to fail (no relayed fragments).
 * @throws (every request) AbortError; a network error with a `code` when the peer is unreachable,
 * the stream resets or the answer is malformed
 */
export interface PeerNetwork {
  /** Our own peer id. */
  readonly selfId: string
  /** Peers connected now (snapshot). */
  peers(): PeerInfo[]
  /** Subscribes to connect/disconnect events. @returns the unsubscribe function */
  subscribe(listener: (event: PeerEvent) => void): () => void
  /** Installs the inbound handlers (replaces earlier ones; `undefined` removes them: requests are answered `INTERNAL`). */
  setHandlers(handlers: InboundHandlers | undefined): void
  /** Pushes one shard (/tesseras/replicate/1.0.0). */
  sendReplicate(peerId: string, request: ReplicateRequest, options?: AbortOptions): Promise<ReplicateAck>
  /** Asks a holder to prove possession (/tesseras/attest/1.0.0). */
  requestAttestation(peerId: string, challenge: AttestChallenge, options?: AbortOptions): Promise<AttestResponse>
  /** Fetches a shard (/tesseras/fetch/1.0.0). The caller verifies it against the id. @returns undefined when the peer does not hold it */
  fetchShard(peerId: string, id: FragmentId, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** Fetches a signed manifest (/tesseras/fetch/1.0.0). The caller verifies it. @returns undefined when the peer has none */
  fetchManifest(peerId: string, tesseraHashHex: string, options?: AbortOptions): Promise<Manifest | undefined>
  /** Asks a peer for the manifests it holds of one vault (/tesseras/fetch/1.0.0, kind `list`). The caller verifies each one. */
  listManifests(peerId: string, vaultIdHex: string, options?: AbortOptions): Promise<ManifestListing>
  /**
   * Says on the network that we hold fragments of the vault: a DHT provider record keyed by a
   * CID of the vault id ([Note: Finding a vault]). Best effort, idempotent, re-announced by the
   * adapter before records expire. Never throws for an unreachable DHT (logs and retries later).
   */
  announceVault(vaultIdHex: string, options?: AbortOptions): Promise<void>
  /**
   * Peers that announced the vault (DHT provider lookup), dialled so that requests can reach
   * them (direct connections only, as for every request). Streams holders as they are found
   * and connected; ends when the lookup ends or the signal fires.
   */
  findVaultHolders(vaultIdHex: string, options?: AbortOptions): AsyncIterable<PeerInfo>
}

/*
 * [Note: Finding a vault]
 * A borrowed device knows only the phrase, hence the vault id. Every holder of a fragment of the
 * vault announces `CID(raw, identity-free sha2-256 multihash of "tesseras/v1/vault-cid" ‖ vault id)`
 * on the kad-dht (src/net/vault-cid.ts). The recovering device looks the CID up, connects to the
 * providers, asks each for the vault's manifests (`listManifests`), verifies every manifest
 * against the vault id (signature + public key hash) and drops the rest, then fetches shards.
 * Connected peers are asked as well: on a small network the DHT may not have propagated yet.
 */

/** One peer's reciprocity account, as this node sees it. Balance = heldByThem − heldForThem. */
export interface LedgerEntry {
  peerId: string
  /** Bytes of fragments we store for this peer (it owns them). */
  heldForThemBytes: number
  /** Bytes of our fragments this peer stores, counted once proven (receipt, then attestation). */
  heldByThemBytes: number
  /** ms since epoch of the last change; 0 for a peer never seen. */
  updatedAt: number
}

/**
 * Bilateral storage accounting ([Note: Reciprocity] in src/replication/reciprocity.ts). Each
 * entry is a set of (fragment → bytes) per peer and direction, so every update is idempotent:
 * recording the same fragment twice counts it once.
 */
export interface ReciprocityLedger {
  /** The entry of `peerId`; a zero entry (updatedAt 0) when unknown. */
  entry(peerId: string, options?: AbortOptions): Promise<LedgerEntry>
  /** Every peer with a non-zero entry. */
  entries(options?: AbortOptions): Promise<LedgerEntry[]>
  /** Sum of `heldForThemBytes` over all peers: what our offered storage is measured against. */
  totalHeldForOthers(options?: AbortOptions): Promise<number>
  /**
   * The peers we store fragments of tessera `tesseraHashHex` for (its owner, or a keyless
   * repairer that pushed some of them), sorted: whose standing decides a watched tessera's repair
   * priority ([Note: Keyless repair]).
   */
  peersHeldFor(tesseraHashHex: string, options?: AbortOptions): Promise<string[]>
  /**
   * Stores `bytes` as fragment `id` (in the node's FragmentStore) and credits `peerId` with
   * `bytes.length` held for them, **in one transaction**: either both happen or neither.
   * Idempotent for the same (peer, fragment).
   * @throws StorageFullError, StoreError, AbortError
   */
  storeFor(peerId: string, id: FragmentId, bytes: Uint8Array, options?: AbortOptions): Promise<LedgerEntry>
  /** Deletes fragment `id` held for `peerId` and its ledger credit in one transaction. No error when absent. */
  dropFor(peerId: string, id: FragmentId, options?: AbortOptions): Promise<LedgerEntry>
  /** Records that `peerId` holds our fragment `id` of `bytes` bytes (after a verified receipt or attestation). Idempotent. */
  recordHeldBy(peerId: string, id: FragmentId, bytes: number, options?: AbortOptions): Promise<LedgerEntry>
  /** Removes that record (the holder failed to prove possession past the grace period). No error when absent. */
  forgetHeldBy(peerId: string, id: FragmentId, options?: AbortOptions): Promise<LedgerEntry>
}

/** Where one shard of one of our tesseras lives: one row of the fragment map. */
export interface ReplicaRecord {
  tesseraHashHex: string
  index: number
  holderId: string
  /** Connection kind the shard was pushed over (shown in the fragment map). */
  kind: ConnectionKind
  /** ms since epoch of the verified receipt. */
  storedAt: number
  /** ms since epoch of the last passed attestation; `storedAt` until one passes. */
  lastProofAt: number
  /** ms since epoch of the first failed or unanswered attestation since the last proof; absent when none. */
  failingSince?: number
  /** The holder's receipt, kept as evidence. */
  receipt?: Receipt
}

/**
 * The holder map: which peer holds which shard of our (or, for a repairer, a watched) tessera.
 * Keyed by (tesseraHashHex, index, holderId); `put` replaces.
 */
export interface ReplicaStore {
  put(record: ReplicaRecord, options?: AbortOptions): Promise<void>
  /** Rows of one tessera, by index then holder. */
  list(tesseraHashHex: string, options?: AbortOptions): Promise<ReplicaRecord[]>
  /** Rows held by one peer. */
  listByHolder(holderId: string, options?: AbortOptions): Promise<ReplicaRecord[]>
  /** No error when absent. */
  delete(tesseraHashHex: string, index: number, holderId: string, options?: AbortOptions): Promise<void>
  /** Tesseras with at least one row. */
  tesseras(options?: AbortOptions): Promise<string[]>
}

/**
 * Signed manifests of tesseras this node holds fragments of for others (the holder's side of
 * /tesseras/fetch/1.0.0, keyless repair and vault announcements). Keyed by the hex of
 * `manifest.tesseraHash`; stores do not verify signatures (the replication service verified it
 * before `put`), they check shape only.
 */
export interface ManifestStore {
  /** Stores or replaces the manifest of its tessera. @throws StorageFullError, StoreError, TypeError/RangeError for a malformed manifest */
  put(manifest: Manifest, options?: AbortOptions): Promise<void>
  /** @returns undefined when absent. @throws CorruptRecordError when the stored value is malformed */
  get(tesseraHashHex: string, options?: AbortOptions): Promise<Manifest | undefined>
  /** No error when absent. */
  delete(tesseraHashHex: string, options?: AbortOptions): Promise<void>
  /** Hashes (hex) of the tesseras whose manifest is held, ascending. */
  list(options?: AbortOptions): Promise<string[]>
}
