/**
 * Small pure jobs the codec worker dispatches to (besides {@link sealTessera}).
 */
import type { TesseraIndex } from '../core/types.js'
import { createReedSolomon } from '../codec/index.js'
import { openIndex, openThumbnail, unwrapContentKey } from './aead.js'
import { createBlake3Hasher } from './hash.js'

type Hasher = Awaited<ReturnType<typeof createBlake3Hasher>>

/** Coders by "k+m": creating one sets up tables and WebAssembly memory, so reuse it. */
const coders = new Map<string, ReturnType<typeof createReedSolomon>>()

/** Parity hashers of tesseras being encoded, by session id. Bounded: a session ends with its last stripe. */
const paritySessions = new Map<string, Hasher[]>()
/** At most this many tesseras encode parity at once in one worker. */
const MAX_PARITY_SESSIONS = 16

/**
 * Encodes one stripe (the same column range of the k data shards), feeds the m parity
 * slices to per-shard BLAKE3 hashers, and on the last stripe returns the parity checksums.
 * Parity bytes are not kept: the local copy stores the payload; holders get regenerated shards.
 * @throws RangeError when the stripe does not have k equal slices
 */
export async function parityStripe (input: { k: number, m: number, data: Uint8Array[], last: boolean, sessionId: string }): Promise<{ parityChecksums?: Uint8Array[], data: Uint8Array[] }> {
  const { k, m, data } = input
  if (data.length !== k) throw new RangeError(`data: expected ${k} slices, got ${data.length}`)
  let hashers = paritySessions.get(input.sessionId)
  if (hashers == null) {
    if (paritySessions.size >= MAX_PARITY_SESSIONS) throw new RangeError('too many parity sessions in flight')
    hashers = await Promise.all(Array.from({ length: m }, async () => await createBlake3Hasher()))
    paritySessions.set(input.sessionId, hashers)
  }
  const width = data[0].length
  const parity = Array.from({ length: m }, () => new Uint8Array(width))
  let coder = coders.get(`${k}+${m}`)
  if (coder == null) {
    coder = createReedSolomon(k, m)
    coders.set(`${k}+${m}`, coder)
  }
  coder.encode(data, parity)
  parity.forEach((p, j) => { hashers[j].update(p) })
  if (!input.last) return { data }
  paritySessions.delete(input.sessionId)
  return { data, parityChecksums: hashers.map(h => h.digest()) }
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
