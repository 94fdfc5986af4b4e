/**
 * Wire limits shared by the replicate, attest and fetch protocols. Each protocol's own
 * `constants.ts` adds its id, message sizes, timeouts and stream limits (STYLE §7).
 * The net adapter may not import src/crypto or src/replication (layering lint), so values that
 * mirror theirs are restated here as upper bounds; the service still runs the exact checks
 * (verifyManifest, validateChallenge, verifyReceipt).
 */
import {
  LARGE_TIER_MIN_BYTES, MAX_CONTAINER_HEADER_JSON_BYTES, MAX_PAYLOAD_BYTES, MEDIUM_DATA_SHARDS, LARGE_DATA_SHARDS,
  LARGE_PARITY_SHARDS, SMALL_TIER_MAX_BYTES
} from '../../core/index.js'

/** Bytes of a BLAKE3 hash (tessera hash, shard checksum). */
export const HASH_BYTES = 32
/** Bytes of an Ed25519 public key (vault key, peer key). */
export const PUBLIC_KEY_BYTES = 32
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64
/** Most shards a tessera has (Large: 48 + 24). */
export const MAX_SHARD_COUNT = LARGE_DATA_SHARDS + LARGE_PARITY_SHARDS
/**
 * Largest shard any tier produces: Small sends the whole payload (< 4 MiB), Medium
 * ceil(256 MiB / 16), Large ceil(MAX_PAYLOAD_BYTES / 48) ≈ 21.3 MiB.
 */
export const MAX_SHARD_BYTES = Math.max(
  SMALL_TIER_MAX_BYTES,
  Math.ceil((LARGE_TIER_MIN_BYTES - 1) / MEDIUM_DATA_SHARDS),
  Math.ceil(MAX_PAYLOAD_BYTES / LARGE_DATA_SHARDS)
)
/** Largest `encryptedMetadata` (a sealed maximal container header; crypto's exact bound is slightly lower). */
export const MAX_ENCRYPTED_METADATA_BYTES = MAX_CONTAINER_HEADER_JSON_BYTES + 2 * 1024
/** Largest wrapped content key (crypto uses 72 bytes today; room for a hybrid PQ wrap later). */
export const MAX_WRAPPED_KEY_BYTES = 2 * 1024
/** Largest protobuf-encoded manifest: metadata + key + checksums + fixed fields, with slack. */
export const MAX_MANIFEST_BYTES = MAX_ENCRYPTED_METADATA_BYTES + MAX_WRAPPED_KEY_BYTES + MAX_SHARD_COUNT * (HASH_BYTES + 2) + 1024
/** Receipt / replicate nonce: 16..64 random bytes (src/replication RECEIPT_NONCE_BYTES..MAX_RECEIPT_NONCE_BYTES). */
export const MIN_RECEIPT_NONCE_BYTES = 16
export const MAX_RECEIPT_NONCE_BYTES = 64
/** Longest holder peer id in a receipt, in UTF-8 bytes (src/replication MAX_HOLDER_ID_BYTES). */
export const MAX_HOLDER_ID_BYTES = 256
/** Attestation key: exactly 32 fresh bytes (src/replication ATTEST_NONCE_BYTES). */
export const ATTEST_NONCE_BYTES = 32
/** Most ranges in one challenge (src/replication MAX_ATTEST_RANGES). */
export const MAX_ATTEST_RANGES = 64
/** Most bytes all ranges of one challenge cover (src/replication MAX_ATTEST_RANGE_TOTAL_BYTES). */
export const MAX_ATTEST_RANGE_TOTAL_BYTES = 64 * 1024
/** Raw data is written in frames of this size: WebRTC data channels need ≤ 256 KiB messages. */
export const DEFAULT_FRAME_BYTES = 64 * 1024
/** Largest frame size a caller may configure. */
export const MAX_FRAME_BYTES = 256 * 1024

/**
 * Capability markers ([Note: Peer capabilities]): a node serves these no-op protocol ids so
 * identify advertises what it is. Anchor = an always-on Node node storing fragments on disk.
 * Institutional = a claim only; the peer network reports it as `institutional` only when the
 * composition root's verifier (DNS TXT pledge, DESIGN "Institutional and anchor nodes") agrees.
 */
export const ANCHOR_CAPABILITY_PROTOCOL = '/tesseras/cap/anchor/1.0.0'
export const INSTITUTIONAL_CAPABILITY_PROTOCOL = '/tesseras/cap/institutional/1.0.0'
