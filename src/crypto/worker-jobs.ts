/**
 * Small pure jobs the codec worker dispatches to (besides {@link sealTessera}).
 */
import type { TesseraIndex } from '../core/types.js'
import { CorruptRecordError } from '../core/errors.js'
import { equalBytes } from '../core/hex.js'
import { PAYLOAD_HEADER_BYTES } from '../core/plan.js'
import { createReedSolomon, joinShards, type ShardWorkspace } from '../codec/index.js'
import { openIndex, openThumbnail, unwrapContentKey } from './aead.js'
import { blake3Fast } from './hash.js'
import { openPayloadStream, payloadChunkCount, plainSizeOfPayload, sealedChunkSize } from './payload.js'
import { createDataShardHasher } from './tessera-sealer.js'

/** Coders by "k+m": creating one sets up tables and WebAssembly memory, so reuse it. */
const coders = new Map<string, ReturnType<typeof createReedSolomon>>()
/** One workspace (k + m columns in WebAssembly memory) per coder, grown to the widest stripe seen. */
const workspaces = new Map<string, ShardWorkspace>()

/** At most this many saves have data shards hashed at once in one worker (see {@link dataShardHashJob}). */
const MAX_SHARD_SESSIONS = 16

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

type DataShardHasher = ReturnType<typeof createDataShardHasher>

/**
 * Data-shard hashers of saves in progress, by session id, each with the tail of its update
 * chain: calls are applied strictly in arrival order even though a shard switch awaits a new
 * hasher. Bounded by {@link MAX_SHARD_SESSIONS}: beyond it, the oldest (an abandoned save) is dropped.
 */
const dataSessions = new Map<string, { k: number, shardSize: number, hasher: DataShardHasher, tail: Promise<unknown> }>()

/**
 * Feeds the next bytes of a payload (the header, then sealed chunks, in order) to the k
 * data-shard hashers of a save (see `createDataShardHasher` in tessera-sealer.ts); with `last`,
 * pads and returns the checksums. Lets a second worker hash data shards while the first one
 * seals (Library.save), instead of the sealer doing both hashes on one thread.
 * @throws RangeError for bad k / shardSize, a session reopened with other parameters, or more than k·S bytes
 */
export async function dataShardHashJob (input: { k: number, shardSize: number, parts: Uint8Array[], last: boolean, sessionId: string }): Promise<{ checksums?: Uint8Array[] }> {
  const { k, shardSize, parts, sessionId } = input
  if (!Array.isArray(parts) || parts.some(p => !(p instanceof Uint8Array))) throw new TypeError('parts: expected an array of Uint8Array')
  let session = dataSessions.get(sessionId)
  if (session == null) {
    if (dataSessions.size >= MAX_SHARD_SESSIONS) dataSessions.delete(dataSessions.keys().next().value as string)
    session = { k, shardSize, hasher: createDataShardHasher(k, shardSize), tail: Promise.resolve() }
    dataSessions.set(sessionId, session)
  } else if (session.k !== k || session.shardSize !== shardSize) {
    throw new RangeError(`sessionId: session ${sessionId} has k ${session.k}, shardSize ${session.shardSize}`)
  }
  const { hasher } = session
  const run = session.tail.then(async () => {
    for (const p of parts) await hasher.update(p)
    if (!input.last) return {}
    dataSessions.delete(sessionId)
    return { checksums: await hasher.digest() }
  })
  // The next call waits for this one whether it succeeds or not; a failure (reported once,
  // here) ends the session.
  session.tail = run.catch(() => { dataSessions.delete(sessionId) })
  return await run
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
