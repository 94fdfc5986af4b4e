/**
 * Small pure jobs the codec worker dispatches to (besides `sealRange`, tessera-sealer.ts).
 */
import type { TesseraIndex } from '../core/types.js'
import { CorruptRecordError } from '../core/errors.js'
import { equalBytes } from '../core/hex.js'
import { PAYLOAD_HEADER_BYTES } from '../core/plan.js'
import { createReedSolomon, joinShards, type ShardWorkspace } from '../codec/index.js'
import { openIndex, openThumbnail, unwrapContentKey } from './aead.js'
import { blake3Fast } from './hash.js'
import { openPayloadStream, payloadChunkCount, plainSizeOfPayload, sealedChunkSize } from './payload.js'
import type { CutPiece } from '../codec/piece-shares.js'

/** Coders by "k+m": creating one sets up tables and WebAssembly memory, so reuse it. */
const coders = new Map<string, ReturnType<typeof createReedSolomon>>()
/** One workspace (k + m columns in WebAssembly memory) per coder, grown to the widest stripe seen. */
const workspaces = new Map<string, ShardWorkspace>()

/** The piece hasher module, loaded on first use (it compiles the BLAKE3 kernel when supported). */
let piecesModule: Promise<typeof import('../codec/blake3-pieces.js')> | undefined

function assertStripe (data: unknown, count: number, name = 'data'): asserts data is Uint8Array[] {
  if (!Array.isArray(data) || data.length !== count) throw new RangeError(`${name}: expected ${count} slices, got ${Array.isArray(data) ? data.length : typeof data}`)
  const width = (data[0] as Uint8Array | undefined)?.length ?? 0
  for (const d of data) {
    if (!(d instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array slices`)
    if (d.length !== width) throw new RangeError(`${name}: expected slices of ${width} bytes, got ${d.length}`)
  }
}

/**
 * Encodes one stripe (the same column range of the k data shards, starting at column
 * 1024 · `chunkOffset`) in the coder's WebAssembly workspace (one copy in, no parity
 * allocation) and hashes each of the m parity columns as a piece of its parity shard
 * ([Note: BLAKE3 pieces] in src/codec/blake3-tree.ts): stripes are a power-of-two width
 * ≥ 1 KiB (the last one shorter), so each column is an aligned node and the caller merges the
 * CVs of all stripes, which may run on any worker in any order. With `root` (the stripe is the whole shard) the column's BLAKE3 hash
 * itself is returned. Parity bytes are not kept: the local copy stores the payload; holders get
 * regenerated shards.
 * @returns the m parity CVs (or hashes) and the data slices, handed back for reuse
 * @throws RangeError when the stripe does not have k equal slices or is not an aligned node
 */
export async function parityStripe (input: { k: number, m: number, data: Uint8Array[], chunkOffset: number, root: boolean }): Promise<{ parityCvs: Uint8Array[], data: Uint8Array[] }> {
  const { k, m, data, chunkOffset, root } = input
  assertStripe(data, k)
  const width = data[0].length
  piecesModule ??= import('../codec/blake3-pieces.js')
  const { pieceHash } = await piecesModule
  // From here on synchronous: the workspace is shared by every job on this worker.
  const name = `${k}+${m}`
  let coder = coders.get(name)
  if (coder == null) {
    coder = createReedSolomon(k, m)
    coders.set(name, coder)
  }
  let ws = workspaces.get(name)
  if (ws == null || ws.shardBytes < width) {
    ws = coder.createWorkspace(Math.max(width, 64 * 1024))
    workspaces.set(name, ws)
  }
  for (let i = 0; i < k; i++) ws.shards[i].set(data[i])
  ws.encode(width)
  const parityCvs: Uint8Array[] = []
  for (let j = 0; j < m; j++) {
    const column = ws.shards[k + j].subarray(0, width)
    parityCvs.push(pieceHash(column, chunkOffset, root))
  }
  return { parityCvs, data }
}

/**
 * BLAKE3 of one shard: recovery checks every fetched shard here, off the page
 * ([Note: Recovery] in src/replication/recovery.ts). The bytes come back with the checksum, so
 * a caller that transferred them in gets them back transferred, never copied.
 * @throws TypeError when `input.bytes` is not a Uint8Array
 */
export async function checksumShard (input: { bytes: Uint8Array }): Promise<{ checksum: Uint8Array, bytes: Uint8Array }> {
  const bytes = (input as { bytes?: unknown } | undefined)?.bytes
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array')
  return { checksum: await blake3Fast(bytes), bytes }
}

/**
 * Hashes the pieces a save's range boundaries cut, once joined ([Note: Range hashing] in
 * src/codec/piece-shares.ts): each piece's CV, or its message's hash when it is the whole message.
 * @throws TypeError / RangeError for a piece that is not bytes or not an aligned node
 */
export async function hashPieces (input: { pieces: CutPiece[] }): Promise<{ hashes: Uint8Array[] }> {
  const pieces = (input as { pieces?: unknown } | undefined)?.pieces
  if (!Array.isArray(pieces)) throw new TypeError('pieces: expected an array')
  piecesModule ??= import('../codec/blake3-pieces.js')
  const { pieceHash } = await piecesModule
  return { hashes: pieces.map((p: CutPiece) => pieceHash(p.bytes, p.chunkOffset, p.root)) }
}

/** Opens a record's metadata and thumbnail for the gallery. @throws DecryptionError */
export function openRecordView (input: { vaultKey: Uint8Array, wrappedKey: Uint8Array, encryptedMetadata: Uint8Array, sealedThumbnail?: Uint8Array }): { index: TesseraIndex, thumbnail?: Uint8Array } {
  const contentKey = unwrapContentKey(input.vaultKey, input.wrappedKey)
  try {
    const index = openIndex(contentKey, input.encryptedMetadata)
    const thumbnail = input.sealedThumbnail != null ? openThumbnail(contentKey, input.sealedThumbnail) : undefined
    return { index, thumbnail }
  } finally {
    contentKey.fill(0)
  }
}

/** Input of {@link openShards}: what a recovering device has after fetching k verified shards. */
export interface OpenShardsInput {
  k: number
  m: number
  /** Bytes of the encrypted payload (manifest.size). */
  size: number
  /** Plaintext bytes per AEAD chunk (manifest.chunkSize). */
  chunkSize: number
  /** k + m entries: each shard's bytes (already verified against its checksum) or null when not fetched. */
  shards: Array<Uint8Array | null>
  /** 32 bytes: the manifest's tessera hash. */
  tesseraHash: Uint8Array
  vaultKey: Uint8Array
  wrappedKey: Uint8Array
  /** Extra associated data of a sealed memory (payloadAadFor of its metadata). */
  aad?: Uint8Array
  /** Also return the verified encrypted payload (to keep the memory as a local tessera). */
  keepPayload?: boolean
}

/**
 * Rebuilds a tessera from k of its shards ([Note: Recovery] in src/replication/recovery.ts):
 * restores missing data shards with Reed-Solomon, joins them into the encrypted payload,
 * checks BLAKE3(payload) against the tessera hash, then decrypts the STREAM AEAD payload into
 * the plaintext container. Runs in the codec worker; unit tests call it in-process.
 * @returns the plaintext container (header ‖ files), and the encrypted payload when asked
 * @throws TooManyErasuresError when fewer than k shards are given
 * @throws CorruptRecordError when the joined payload does not hash to the tessera hash
 * @throws DecryptionError for a wrong key or altered ciphertext (opaque)
 */
export async function openShards (input: OpenShardsInput): Promise<{ container: Uint8Array, payload?: Uint8Array }> {
  const { k, m, size, chunkSize } = input
  if (!Array.isArray(input.shards) || input.shards.length !== k + m) {
    throw new RangeError(`shards: expected ${k + m} entries, got ${Array.isArray(input.shards) ? input.shards.length : typeof input.shards}`)
  }
  let data = input.shards.slice(0, k) as Array<Uint8Array | null>
  if (data.some(s => s == null)) {
    const name = `${k}+${m}`
    let coder = coders.get(name)
    if (coder == null) {
      coder = createReedSolomon(k, m)
      coders.set(name, coder)
    }
    data = coder.reconstruct(input.shards.slice(), { dataOnly: true }).slice(0, k)
  }
  const payload = joinShards(data as Uint8Array[], size)
  // Verify before decrypting: the tessera hash is what the owner signed ([Note: Tessera format] §3).
  if (!equalBytes(await blake3Fast(payload), input.tesseraHash)) throw new CorruptRecordError('recovered payload does not match its tessera hash')
  const header = payload.subarray(0, PAYLOAD_HEADER_BYTES)
  const sealedSize = sealedChunkSize(chunkSize)
  const total = payloadChunkCount(size, chunkSize)
  function * chunks (): Generator<Uint8Array> {
    for (let off = PAYLOAD_HEADER_BYTES; off < size; off += sealedSize) yield payload.subarray(off, Math.min(size, off + sealedSize))
  }
  const container = new Uint8Array(plainSizeOfPayload(size, chunkSize))
  const contentKey = unwrapContentKey(input.vaultKey, input.wrappedKey)
  try {
    let at = 0
    for await (const plain of openPayloadStream(contentKey, chunks(), header, total, { aad: input.aad })) {
      container.set(plain, at)
      at += plain.length
      plain.fill(0)
    }
  } catch (err) {
    container.fill(0)
    throw err
  } finally {
    contentKey.fill(0)
  }
  return input.keepPayload === true ? { container, payload } : { container }
}
