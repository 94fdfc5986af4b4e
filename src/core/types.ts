/**
 * Domain types shared by every layer. Plain data: structured-cloneable, no classes.
 * [Note: Tessera format] — see docs/architecture.md and ../shared/DESIGN.md "A tessera on disk and on the wire":
 *  1. files + metadata are packed into one deterministic container (src/core/container.ts);
 *  2. the container is encrypted with a fresh content key as a STREAM of 896 KiB chunks
 *     (src/crypto/payload.ts) → the *encrypted payload* = payload header ‖ sealed chunks;
 *  3. tessera hash = BLAKE3(encrypted payload);
 *  4. the payload is cut into k data shards (+ m parity) by tier (src/core/plan.ts);
 *  5. a manifest signed by the vault signing key describes it (src/crypto/manifest.ts).
 */

/** Fragment tier by encrypted payload size. */
export type Tier = 'small' | 'medium' | 'large'

/** Who can get the content key. */
export type Visibility = 'private' | 'public' | 'sealed'

/** What kind of memory this is, guessed from its files or chosen by the person. */
export type MemoryType = 'photo' | 'text' | 'audio' | 'video' | 'mixed'

/** Person-entered description of a memory. Encrypted before it is stored anywhere. */
export interface TesseraMetadata {
  title: string
  description: string
  /** ISO date `YYYY-MM-DD` the memory is about. */
  date: string
  memoryType: MemoryType
  tags: string[]
  /** BCP 47 language tag of the memory's text, e.g. `pt-BR`. */
  language: string
  visibility: Visibility
  /** Only for `sealed`: ISO date after which the key may be published. */
  openAfter?: string
  geo?: { lat: number, lon: number }
}

/** One file inside the plaintext container. */
export interface FileEntry {
  name: string
  /** MIME type, `application/octet-stream` when unknown. */
  type: string
  /** Bytes. */
  size: number
  /** Byte offset of the file's first byte inside the plaintext container. */
  offset: number
  /** ms since epoch, from the picked File. */
  lastModified: number
}

/** Metadata + the container's file table; this is what `Manifest.encryptedMetadata` holds. */
export interface TesseraIndex {
  metadata: TesseraMetadata
  files: FileEntry[]
  /** Total bytes of the plaintext container. */
  containerSize: number
}

/** Fragment plan derived from the encrypted payload size. */
export interface FragmentPlan {
  tier: Tier
  /** Data shards. */
  k: number
  /** Parity shards. */
  m: number
  /** Bytes per shard: ceil(size / k). */
  shardSize: number
  /** Replicas wanted (holders). */
  replicas: number
}

/** Signed description of a tessera. Any holder verifies it with no secret. */
export interface Manifest {
  formatVersion: 1
  /** 32 bytes: BLAKE3 of the encrypted payload. */
  tesseraHash: Uint8Array
  /** Bytes of the encrypted payload (header + sealed chunks). */
  size: number
  /** Plaintext bytes per AEAD chunk. */
  chunkSize: number
  tier: Tier
  k: number
  m: number
  shardSize: number
  /** k + m BLAKE3 checksums (32 bytes each), data shards first. */
  shardChecksums: Uint8Array[]
  /** Content key wrapped by the vault key. */
  wrappedKey: Uint8Array
  /** {@link TesseraIndex} sealed with the content key. */
  encryptedMetadata: Uint8Array
  /** ms since epoch. */
  createdAt: number
  /** Ed25519 public key of the vault (32 bytes); vault id = hash of it. */
  vaultPublicKey: Uint8Array
  /** Ed25519 signature (64 bytes) over the canonical encoding. */
  signature: Uint8Array
}

/** A manifest before signing. */
export type UnsignedManifest = Omit<Manifest, 'signature'>

/** Identifies one shard of one tessera. */
export interface FragmentId {
  /** Hex of the 32-byte tessera hash. */
  tesseraHashHex: string
  index: number
  /** k + m. */
  shardCount: number
  /** Hex of the BLAKE3 checksum of the shard. */
  checksumHex: string
}
