/**
 * Recovery from the phrase alone, on any device ([Note: Recovery]).
 *
 * [Note: Recovery]
 * A borrowed device knows only the vault keys derived from the phrase (src/crypto/keys.ts).
 *  1. find: the holders of the vault come from `PeerNetwork.findVaultHolders` (DHT provider
 *     records keyed by the vault id, connected peers first — [Note: Finding a vault]); each is
 *     asked for the vault's manifests (`listManifests`). A manifest is kept only when its
 *     signature verifies, its public key hashes to our vault id and equals our signing public
 *     key; every other one is counted as rejected (forged or foreign) and never used. Manifests
 *     are deduplicated by tessera hash; their metadata is decrypted with the vault key.
 *  2. open: shards are fetched from the holders that listed the memory (and any found later);
 *     a holder is asked only for the indices it said it holds when it listed the memory
 *     (`held`, {@link askingOrder}; a holder the open's lookup finds is asked for its listing
 *     first); one that said nothing (an older node) probes indices data shards first in its own
 *     rotation so holders do not all ask for the same one, leaving indices another holder named
 *     to that holder until it fails, answers "not held", or the index is due for a hedged
 *     request. Should that advice fall short of k (a repair may have placed a shard on a holder
 *     since it listed), every holder is then asked for the indices it did not name; connected holders first; one request per holder until it has served
 *     a verified shard, then a few at a time (`perHolderConcurrency`), and at most
 *     `fetchConcurrency` in all, so faster holders naturally serve more and holders whose dial
 *     hangs hold one slot each until their timeout. Every shard that
 *     arrives is checked against the manifest's checksum (by the codec's `checksum`: the codec
 *     worker in the app, off the page), also one landing after k were kept, so a liar is struck
 *     whenever its answer lands; only k good ones are kept. An index stays in flight until its
 *     bytes are checked, so no second holder is asked for it meanwhile — unless it stays in flight
 *     for `hedgeAfterMs` while another holder has nothing else to ask (a hedged request: a
 *     hanging holder must not keep its index from the others until the shard timeout). A
 *     holder serving bad bytes (or whose bytes the wire already found not to match,
 *     `ChecksumMismatchError`) is recorded as bad and not asked again, and gets a strike in the
 *     peer score ([Note: Peer score]); a holder banned there is not asked at all; an
 *     unreachable one is recorded as failed. With k verified shards the codec rebuilds
 *     missing data shards, checks BLAKE3(payload) against the tessera hash and decrypts.
 *  3. Fewer than k: {@link NotEnoughFragmentsError} says how many of how many and which holders
 *     were tried; the verified shards stay in the session, so a retry fetches only the rest.
 * Everything lives in memory: the session writes nothing anywhere (borrowed-device mode), and
 * {@link RecoverySession.close} zeroes the keys and drops every fetched byte.
 */
import { decodeContainerHeader } from '../core/container.js'
import { equalBytes, toHex } from '../core/hex.js'
import type { AbortOptions, ManifestListing, PeerInfo, PeerNetwork, ProgressEvent, ProgressOptions } from '../core/ports.js'
import type { FileEntry, FragmentId, Manifest, TesseraIndex } from '../core/types.js'
import { blake3Fast } from '../crypto/hash.js'
import type { VaultKeys } from '../crypto/keys.js'
import { verifyManifest } from '../crypto/manifest.js'
import { payloadAadFor } from '../crypto/seal-plan.js'
import type { OpenShardsInput } from '../crypto/worker-jobs.js'
import { AbortError, isErrorNamed } from '../core/errors.js'
import { type PeerScore, peerScore } from './peer-score.js'
import { NotEnoughFragmentsError, VaultNotFoundError } from './recovery-errors.js'

export { NotEnoughFragmentsError, VaultNotFoundError } from './recovery-errors.js'

/** Holders asked for their manifest list at once. */
export const DEFAULT_LIST_CONCURRENCY = 6
/** Shard requests in flight at once (over all holders). */
export const DEFAULT_FETCH_CONCURRENCY = 12
/**
 * Shard requests in flight to one holder. Above 1 because a holder is probed for indices it
 * may not have (an empty answer costs a round trip), so a slow link is not probed serially.
 */
export const DEFAULT_PER_HOLDER_CONCURRENCY = 3
/** Timeout of one `listManifests` request. */
export const DEFAULT_LIST_TIMEOUT_MS = 20_000
/** Timeout of one shard request (a 64 MB shard at 2 MB/s fits). */
export const DEFAULT_SHARD_TIMEOUT_MS = 60_000
/**
 * How long an index may be in flight at one holder before an idle holder asks for it too (a
 * hedged request): a holder whose request hangs must not keep that index from the others
 * until the shard timeout.
 */
export const DEFAULT_HEDGE_AFTER_MS = 10_000

/** The heavy work, injected: the codec worker in the browser, the same functions in-process in tests. */
export interface RecoveryCodec {
  /** Decrypts a manifest's metadata (src/crypto/worker-jobs.ts openRecordView). @throws DecryptionError */
  openMetadata: (input: { vaultKey: Uint8Array, wrappedKey: Uint8Array, encryptedMetadata: Uint8Array }, options?: AbortOptions) => Promise<TesseraIndex>
  /**
   * Rebuilds, verifies and decrypts a tessera from k shards (src/crypto/worker-jobs.ts
   * openShards). May take ownership of the shard buffers (transfer to a worker).
   */
  openShards: (input: OpenShardsInput, options?: AbortOptions) => Promise<{ container: Uint8Array, payload?: Uint8Array }>
  /**
   * BLAKE3 of one shard, with the bytes to keep: the same array, or the one handed back by a
   * worker the buffer was transferred to (the session uses only the returned bytes). Default
   * {@link blake3Fast} in place.
   */
  checksum?: (bytes: Uint8Array, options?: AbortOptions) => Promise<CheckedShard>
}

/** A shard's BLAKE3 checksum and its bytes (see {@link RecoveryCodec.checksum}). */
export interface CheckedShard {
  checksum: Uint8Array
  bytes: Uint8Array
}

/** Ports of a recovery session. */
export interface RecoveryComponents {
  network: Pick<PeerNetwork, 'findVaultHolders' | 'listManifests' | 'fetchShard'> & Partial<Pick<PeerNetwork, 'peers'>>
  codec: RecoveryCodec
  /**
   * Where holders serving bad shards get a strike; banned holders are not asked
   * ([Note: Peer score]). Pass the node's (`ReplicationService.peerScore`) to share it; default
   * a session-local one.
   */
  peerScore?: PeerScore
}

/** Settings of a recovery session; each has a `DEFAULT_*`. */
export interface RecoveryInit {
  listConcurrency?: number
  fetchConcurrency?: number
  perHolderConcurrency?: number
  listTimeoutMs?: number
  shardTimeoutMs?: number
  hedgeAfterMs?: number
}

/** The keys a session needs: those derived from the phrase. */
export type RecoveryKeys = Pick<VaultKeys, 'vaultKey' | 'signingPublicKey' | 'vaultId' | 'vaultIdHex'>

/** A memory of the vault, found on the network. */
export interface RecoveredMemory {
  hashHex: string
  manifest: Manifest
  /** Decrypted metadata and file table. */
  index: TesseraIndex
  /** Holders that listed it, in the order they answered. */
  holders: string[]
}

/** What {@link RecoverySession.find} found. */
export interface VaultListing {
  /** Newest first. */
  memories: RecoveredMemory[]
  /** Holders asked for manifests. */
  asked: number
  /** Holders that answered with at least one verified manifest. */
  answered: number
  /** Manifests dropped: bad signature, or another vault's key. */
  rejected: number
  /** Verified manifests whose metadata did not decrypt with our key. */
  unreadable: number
}

/** One recovered file: its bytes are a view of the decrypted container. */
export interface RecoveredFile {
  entry: FileEntry
  bytes: Uint8Array
}

/** An opened memory, in memory only. */
export interface OpenedMemory {
  hashHex: string
  index: TesseraIndex
  files: RecoveredFile[]
  /** The verified encrypted payload, when asked with `keepPayload` (to import the memory). */
  payload?: Uint8Array
  /**
   * Who served which shard with bytes matching the signed checksum in this session: proven
   * holders, so "make this my device" writes their rows instead of pushing those shards again.
   */
  servedBy: ReadonlyArray<{ index: number, peerId: string }>
}

/** Progress of a recovery session (namespaced, STYLE §3). */
export type RecoveryEvent =
  | ProgressEvent<{ peerId: string }> & { type: 'recover:holder:found' }
  | ProgressEvent<{ peerId: string, verified: number, rejected: number }> & { type: 'recover:manifests:listed' }
  | ProgressEvent<{ peerId: string }> & { type: 'recover:list:failed' }
  | ProgressEvent<{ memory: RecoveredMemory }> & { type: 'recover:memory:found' }
  | ProgressEvent<{ hashHex: string, index: number, peerId: string, have: number, needed: number }> & { type: 'recover:shard:fetched' }
  | ProgressEvent<{ hashHex: string, index: number, peerId: string }> & { type: 'recover:shard:bad' }
  | ProgressEvent<{ hashHex: string, peerId: string }> & { type: 'recover:holder:failed' }
  | ProgressEvent<{ hashHex: string }> & { type: 'recover:decode' }

export type RecoveryOptions = AbortOptions & ProgressOptions<RecoveryEvent>

/** A counting semaphore: at most `size` holders of a slot. */
class Slots {
  #free: number
  readonly #waiting: Array<() => void> = []
  constructor (size: number) { this.#free = size }
  async acquire (signal?: AbortSignal): Promise<void> {
    if (this.#free > 0) { this.#free--; return }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(go)
        if (i >= 0) this.#waiting.splice(i, 1)
        reject(new AbortError())
      }
      const go = (): void => { signal?.removeEventListener('abort', onAbort); resolve() }
      if (signal?.aborted === true) { reject(new AbortError()); return }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(go)
    })
  }

  release (): void {
    const next = this.#waiting.shift()
    if (next !== undefined) next()
    else this.#free++
  }
}

function positive (value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name}: expected a positive integer, got ${String(value)}`)
  return v
}

/** A stable small number of a peer id: where its probe rotation starts. */
function spread (id: string): number {
  let h = 2166136261
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619)
  return h >>> 0
}

/** Shard indices in the order holder `id` tries them: data shards first, each group rotated (exported for tests). */
export function probeOrder (id: string, k: number, m: number): number[] {
  const s = spread(id)
  const data = Array.from({ length: k }, (_, i) => (i + s) % k)
  const parity = Array.from({ length: m }, (_, j) => k + ((j + s) % m))
  return [...data, ...parity]
}

/**
 * The indices one holder is asked for, in order. A holder that said what it holds (its
 * listing's `held`) is asked for those only: it said it lacks the rest, and a shard it received
 * since is served by the holder it came from. One that said nothing (an older node) is probed:
 * first the indices no holder named, then those another holder named — each group in the
 * holder's own rotation.
 * @param rotation - the holder's {@link probeOrder}
 * @param said - what each holder said it holds, by holder id
 */
export function askingOrder (rotation: readonly number[], peerId: string, said: ReadonlyMap<string, ReadonlySet<number>> | undefined): number[] {
  const mine = said?.get(peerId)
  if (mine !== undefined) return rotation.filter(i => mine.has(i))
  if (said === undefined || said.size === 0) return [...rotation]
  const named = (i: number): boolean => [...said.values()].some(held => held.has(i))
  return [...rotation.filter(i => !named(i)), ...rotation.filter(named)]
}

/**
 * One recovery from the phrase ([Note: Recovery]). Holds the keys, the memories found and the
 * shards fetched, in memory only; {@link close} drops them.
 * @example
 * const session = new RecoverySession(deriveVaultKeys(parsePhrase(text).entropy), { network, codec })
 * const { memories } = await session.find({ signal })
 * const opened = await session.open(memories[0].hashHex, { onProgress })
 */
export class RecoverySession {
  readonly #keys: RecoveryKeys
  readonly #c: RecoveryComponents
  readonly #listConcurrency: number
  readonly #fetchConcurrency: number
  readonly #perHolder: number
  readonly #listTimeoutMs: number
  readonly #shardTimeoutMs: number
  readonly #hedgeAfterMs: number
  readonly #checksum: NonNullable<RecoveryCodec['checksum']>
  readonly #memories = new Map<string, RecoveredMemory>()
  /** Verified shards of memories not yet opened, by tessera hash then index. */
  readonly #shards = new Map<string, Map<number, Uint8Array>>()
  /** Verified (index, holder) pairs by tessera hash ({@link OpenedMemory.servedBy}). */
  readonly #served = new Map<string, Map<string, { index: number, peerId: string }>>()
  /** The shard indices each holder said it holds when it listed a memory (advice), by tessera hash then holder. */
  readonly #said = new Map<string, Map<string, ReadonlySet<number>>>()
  /** Holders that served bytes not matching a manifest: never asked again in this session. */
  readonly #bad = new Set<string>()
  readonly #score: PeerScore
  #closed = false

  constructor (keys: RecoveryKeys, components: RecoveryComponents, init: RecoveryInit = {}) {
    this.#keys = keys
    this.#c = components
    this.#listConcurrency = positive(init.listConcurrency, DEFAULT_LIST_CONCURRENCY, 'listConcurrency')
    this.#fetchConcurrency = positive(init.fetchConcurrency, DEFAULT_FETCH_CONCURRENCY, 'fetchConcurrency')
    this.#perHolder = positive(init.perHolderConcurrency, DEFAULT_PER_HOLDER_CONCURRENCY, 'perHolderConcurrency')
    this.#listTimeoutMs = positive(init.listTimeoutMs, DEFAULT_LIST_TIMEOUT_MS, 'listTimeoutMs')
    this.#shardTimeoutMs = positive(init.shardTimeoutMs, DEFAULT_SHARD_TIMEOUT_MS, 'shardTimeoutMs')
    this.#hedgeAfterMs = positive(init.hedgeAfterMs, DEFAULT_HEDGE_AFTER_MS, 'hedgeAfterMs')
    this.#checksum = components.codec.checksum ?? (async (bytes) => ({ checksum: await blake3Fast(bytes), bytes }))
    this.#score = components.peerScore ?? peerScore()()
  }

  /** The vault id being recovered (hex). */
  get vaultIdHex (): string { return this.#keys.vaultIdHex }

  /** Memories found so far, newest first. */
  get memories (): RecoveredMemory[] {
    return [...this.#memories.values()].sort((a, b) => b.manifest.createdAt - a.manifest.createdAt)
  }

  /** Holders that served corrupt shards in this session. */
  get badHolders (): string[] { return [...this.#bad] }

  /** Verified shards kept for a memory not yet opened (what a retry does not fetch again). */
  fetchedShards (hashHex: string): number[] {
    return [...(this.#shards.get(hashHex)?.keys() ?? [])].sort((a, b) => a - b)
  }

  /** Keeps what `peerId` said it holds of `hashHex` in its listing, if it said. */
  #noteHeld (peerId: string, hashHex: string, listing: ManifestListing): void {
    const held = listing.held?.get(hashHex)
    if (held === undefined) return
    let byHolder = this.#said.get(hashHex)
    if (byHolder === undefined) this.#said.set(hashHex, byHolder = new Map())
    byHolder.set(peerId, new Set(held))
  }

  /**
   * Asks a holder found during an open which shards of the memory it holds (its listing; the
   * manifest must be the one we verified). Best effort: a failure leaves it probed in rotation.
   */
  async #askHeld (peerId: string, manifest: Manifest, signal: AbortSignal): Promise<void> {
    try {
      const listing = await this.#c.network.listManifests(peerId, this.#keys.vaultIdHex, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.#listTimeoutMs)]) })
      if (Array.isArray(listing) && listing.some(m => equalBytes(m.tesseraHash, manifest.tesseraHash) && equalBytes(m.signature, manifest.signature))) this.#noteHeld(peerId, toHex(manifest.tesseraHash), listing)
    } catch {
      // Unreachable or slow: its lanes probe index by index.
    }
  }

  /** True for a holder not to ask: bad in this session, or banned by the peer score. */
  #skip (peerId: string): boolean {
    return this.#bad.has(peerId) || this.#score.isBanned(peerId)
  }

  #live (): void {
    if (this.#closed) throw new AbortError('the recovery session was closed')
  }

  /**
   * Finds the vault's memories: holders from the DHT (and connected peers), their manifests
   * verified against our keys, metadata decrypted. Called again, it adds what it finds.
   * @throws VaultNotFoundError when no holder answered with a manifest of this vault
   * @throws AbortError when `signal` fires
   */
  async find (options: RecoveryOptions = {}): Promise<VaultListing> {
    this.#live()
    const { signal, onProgress } = options
    const slots = new Slots(this.#listConcurrency)
    const asked = new Set<string>()
    const work: Array<Promise<void>> = []
    let answered = 0
    let rejected = 0
    let unreadable = 0

    const ask = async (peer: PeerInfo): Promise<void> => {
      await slots.acquire(signal)
      let listed: ManifestListing
      try {
        const timeout = AbortSignal.timeout(this.#listTimeoutMs)
        listed = await this.#c.network.listManifests(peer.id, this.#keys.vaultIdHex, { signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]) })
      } catch (err) {
        if (signal?.aborted === true) throw new AbortError()
        onProgress?.({ type: 'recover:list:failed', detail: { peerId: peer.id } })
        void err // unreachable or timed out: another holder may answer
        return
      } finally {
        slots.release()
      }
      let verified = 0
      let forged = 0
      for (const manifest of Array.isArray(listed) ? listed : []) {
        if (!this.#verify(manifest)) { forged++; continue }
        verified++
        const hashHex = toHex(manifest.tesseraHash)
        this.#noteHeld(peer.id, hashHex, listed)
        const known = this.#memories.get(hashHex)
        if (known !== undefined) {
          if (!known.holders.includes(peer.id)) known.holders.push(peer.id)
          continue
        }
        let index: TesseraIndex
        try {
          index = await this.#c.codec.openMetadata({ vaultKey: this.#keys.vaultKey, wrappedKey: manifest.wrappedKey, encryptedMetadata: manifest.encryptedMetadata }, { signal })
        } catch (err) {
          if (signal?.aborted === true) throw new AbortError()
          void err // signed by our key yet unreadable: counted, not shown
          unreadable++
          continue
        }
        if (this.#memories.has(hashHex)) { this.#memories.get(hashHex)?.holders.push(peer.id); continue }
        const memory: RecoveredMemory = { hashHex, manifest, index, holders: [peer.id] }
        this.#memories.set(hashHex, memory)
        onProgress?.({ type: 'recover:memory:found', detail: { memory } })
      }
      rejected += forged
      if (verified > 0) answered++
      onProgress?.({ type: 'recover:manifests:listed', detail: { peerId: peer.id, verified, rejected: forged } })
    }

    try {
      for await (const peer of this.#c.network.findVaultHolders(this.#keys.vaultIdHex, { signal })) {
        if (signal?.aborted === true) throw new AbortError()
        if (asked.has(peer.id) || this.#skip(peer.id)) continue
        asked.add(peer.id)
        onProgress?.({ type: 'recover:holder:found', detail: { peerId: peer.id } })
        const p = ask(peer)
        p.catch(() => {}) // awaited below
        work.push(p)
      }
    } finally {
      await Promise.allSettled(work)
    }
    if (signal?.aborted === true) throw new AbortError()
    for (const r of await Promise.allSettled(work)) if (r.status === 'rejected') throw r.reason
    if (this.#memories.size === 0) throw new VaultNotFoundError(asked.size, rejected)
    return { memories: this.memories, asked: asked.size, answered, rejected, unreadable }
  }

  /** True when `manifest` is signed by our vault key ([Note: Recovery] step 1). */
  #verify (manifest: Manifest): boolean {
    try {
      verifyManifest(manifest, this.#keys.vaultId)
      return equalBytes(manifest.vaultPublicKey, this.#keys.signingPublicKey)
    } catch {
      // Forged, foreign or malformed: the caller counts it; which check failed does not matter.
      return false
    }
  }

  /**
   * Fetches k verified shards of a memory found by {@link find}, rebuilds, verifies and decrypts it.
   * @throws NotEnoughFragmentsError when fewer than k shards are reachable (fetched ones are kept)
   * @throws RangeError when `hashHex` is not a memory found by this session
   * @throws CorruptRecordError / DecryptionError when the rebuilt payload is wrong (should not
   *   happen with verified shards and a verified manifest)
   * @throws AbortError when `signal` fires
   * @throws whatever the codec's `checksum` throws (e.g. the worker failed) before k shards were kept
   */
  async open (hashHex: string, options: RecoveryOptions & { keepPayload?: boolean } = {}): Promise<OpenedMemory> {
    this.#live()
    const memory = this.#memories.get(hashHex)
    if (memory === undefined) throw new RangeError(`hashHex: ${hashHex} is not a memory of this vault found so far`)
    const { manifest } = memory
    const { k, m } = manifest
    let have = this.#shards.get(hashHex)
    if (have === undefined) {
      have = new Map()
      this.#shards.set(hashHex, have)
    }
    if (have.size < k) await this.#fetch(memory, have, options)
    this.#live()
    options.onProgress?.({ type: 'recover:decode', detail: { hashHex } })
    const shards = Array.from({ length: k + m }, (_, i) => have.get(i) ?? null)
    // The codec may take the buffers (a worker transfer): the cache is dropped either way.
    this.#shards.delete(hashHex)
    const opened = await this.#c.codec.openShards({
      k, m, size: manifest.size, chunkSize: manifest.chunkSize, shards,
      tesseraHash: manifest.tesseraHash, vaultKey: this.#keys.vaultKey, wrappedKey: manifest.wrappedKey,
      aad: payloadAadFor(memory.index.metadata),
      keepPayload: options.keepPayload
    }, { signal: options.signal })
    const { container, payload } = opened
    const { index } = decodeContainerHeader(container)
    const files = index.files.map(entry => ({ entry, bytes: container.subarray(entry.offset, entry.offset + entry.size) }))
    const servedBy = [...(this.#served.get(hashHex)?.values() ?? [])]
    return payload !== undefined ? { hashHex, index, files, payload, servedBy } : { hashHex, index, files, servedBy }
  }

  /** Fetches shards into `have` until it holds k, or no holder has more ([Note: Recovery] step 2). */
  async #fetch (memory: RecoveredMemory, have: Map<number, Uint8Array>, options: RecoveryOptions): Promise<void> {
    const { manifest, hashHex } = memory
    const { k, m } = manifest
    const n = k + m
    const { onProgress } = options
    const stop = new AbortController()
    const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal])
    const slots = new Slots(this.#fetchConcurrency)
    /** Requests in flight per index, and since when the oldest of them. */
    const inflight = new Map<number, { n: number, since: number }>()
    const tried: string[] = []
    const failed = new Set<string>()
    const started = new Set<string>()
    const loops: Array<Promise<void>> = []
    /** The checker failing (not a holder's fault): ends the fetch and is thrown. */
    let broken: { err: unknown } | undefined
    let wake: () => void = () => {}
    let changed = new Promise<void>(resolve => { wake = resolve })
    const notify = (): void => {
      const w = wake
      changed = new Promise<void>(resolve => { wake = resolve })
      w()
    }
    const enough = (): boolean => have.size >= k
    const fetchStart = Date.now()
    /** Set once the holders' advice fell short: every holder is then probed for every index. */
    let probeAll = false
    /** Holder/index pairs answered "not held" in this open (advice that was stale). */
    const notHeld = new Set<string>()
    /**
     * Whether `index` is left to the holders that said they hold it: `peerId` did not name it,
     * and another holder did that may still serve it.
     */
    const reserved = (peerId: string, index: number): boolean => {
      const said = this.#said.get(hashHex)
      if (probeAll || said === undefined || said.get(peerId)?.has(index) === true) return false
      return [...said].some(([p, held]) => p !== peerId && held.has(index) && !failed.has(p) && !this.#skip(p) && !notHeld.has(`${p}/${index}`))
    }

    const fragment = (index: number): FragmentId => ({
      tesseraHashHex: hashHex, index, shardCount: n, checksumHex: toHex(manifest.shardChecksums[index])
    })

    /**
     * Asks `peerId` for shard `index`, checks what arrives and keeps it when still needed.
     * @returns false when this holder is done for this open (failed, bad, or the fetch ended)
     */
    const take = async (peerId: string, index: number): Promise<boolean> => {
      let bytes: Uint8Array | undefined
      try {
        await slots.acquire(signal)
        if (!tried.includes(peerId)) tried.push(peerId)
        try {
          const timeout = AbortSignal.timeout(this.#shardTimeoutMs)
          bytes = await this.#c.network.fetchShard(peerId, fragment(index), { signal: AbortSignal.any([signal, timeout]) })
        } finally {
          slots.release()
        }
      } catch (err) {
        if (signal.aborted) return false
        // The wire hashes what it reads against the checksum we asked for: bad bytes, not churn.
        if (isErrorNamed(err, 'ChecksumMismatchError')) { badShard(peerId, index); return false }
        void err // unreachable, reset or timed out: this holder is done for this open
        failed.add(peerId)
        onProgress?.({ type: 'recover:holder:failed', detail: { hashHex, peerId } })
        return false
      }
      if (bytes === undefined) { notHeld.add(`${peerId}/${index}`); return true }
      // Verify before use (STYLE §7): a shard counts only when it matches the signed checksum.
      // Whatever arrives is checked, even after k shards are kept or for an index held
      // meanwhile, so a liar is struck whenever its answer lands; the extra bytes are dropped.
      let checked: CheckedShard | undefined
      if (bytes.length === manifest.shardSize) {
        try {
          checked = await this.#checksum(bytes, { signal: options.signal })
        } catch (err) {
          if (options.signal?.aborted !== true) broken ??= { err }
          stop.abort()
          return false
        }
      }
      if (checked === undefined || !equalBytes(checked.checksum, manifest.shardChecksums[index])) {
        badShard(peerId, index)
        return false
      }
      let served = this.#served.get(hashHex)
      if (served === undefined) this.#served.set(hashHex, served = new Map())
      served.set(`${index}/${peerId}`, { index, peerId })
      widen(peerId)
      if (have.has(index) || have.size >= k) return true
      have.set(index, checked.bytes)
      onProgress?.({ type: 'recover:shard:fetched', detail: { hashHex, index, peerId, have: have.size, needed: k } })
      if (enough()) stop.abort()
      return true
    }

    /** One of the holder's request lanes; lanes of a holder share `asked`, so none repeats another's question. */
    const holderLoop = async (peerId: string, asked: Set<number>): Promise<void> => {
      const order = askingOrder(probeOrder(peerId, k, m), peerId, probeAll ? undefined : this.#said.get(hashHex))
      while (!enough() && !signal.aborted) {
        if (this.#skip(peerId) || failed.has(peerId)) return
        let next = order.find(i => !have.has(i) && !inflight.has(i) && !asked.has(i) && !reserved(peerId, i))
        if (next === undefined) {
          // Only indices in flight elsewhere, or that another holder said it holds, are left:
          // they may come back empty, or hang (a reserved index counts from the open's start).
          const elsewhere = order.filter(i => !have.has(i) && !asked.has(i) && (inflight.has(i) || reserved(peerId, i)))
          if (elsewhere.length === 0) return
          const now = Date.now()
          const since = (i: number): number => inflight.get(i)?.since ?? fetchStart
          next = elsewhere.find(i => now - since(i) >= this.#hedgeAfterMs)
          if (next === undefined) {
            // Wait for a change, or until the oldest of them is due for a hedged request.
            let timer: ReturnType<typeof setTimeout> | undefined
            const due = Math.min(...elsewhere.map(i => since(i) + this.#hedgeAfterMs)) - now
            await Promise.race([changed, new Promise<void>(resolve => { timer = setTimeout(resolve, due) })])
            clearTimeout(timer)
            continue
          }
        }
        // In flight until checked: no other holder is asked for it meanwhile (unless hedged).
        const flight = inflight.get(next)
        if (flight === undefined) inflight.set(next, { n: 1, since: Date.now() })
        else flight.n++
        asked.add(next)
        try {
          if (!await take(peerId, next)) return
        } finally {
          const f = inflight.get(next)
          if (f !== undefined && --f.n === 0) inflight.delete(next)
          notify()
        }
      }
    }

    const badShard = (peerId: string, index: number): void => {
      this.#bad.add(peerId)
      this.#score.strike(peerId, 'BAD_SHARD_SERVED')
      onProgress?.({ type: 'recover:shard:bad', detail: { hashHex, index, peerId } })
      notify()
    }

    /** Request lanes of each started holder share one `asked` set. */
    const askedOf = new Map<string, Set<number>>()
    const lane = (peerId: string): void => {
      const p = holderLoop(peerId, askedOf.get(peerId) as Set<number>)
      p.catch(() => {}) // awaited below
      loops.push(p)
      notify()
    }
    // One lane per holder until it has served a verified shard: a holder whose dial hangs (a
    // relay-signalled link that never comes up) then holds one fetch slot until its timeout,
    // not `perHolder` of them — several such holders used to take every slot for a minute.
    const widened = new Set<string>()
    const widen = (peerId: string): void => {
      if (widened.has(peerId) || enough()) return
      widened.add(peerId)
      for (let l = 1; l < this.#perHolder; l++) lane(peerId)
    }
    const start = (peerId: string): void => {
      if (started.has(peerId) || this.#skip(peerId)) return
      started.add(peerId)
      askedOf.set(peerId, new Set())
      lane(peerId)
    }

    // Holders we are connected to first: they answer without a dial.
    const connected = new Set((this.#c.network.peers?.() ?? []).map(p => p.id))
    for (const id of [...memory.holders].sort((a, b) => Number(connected.has(b)) - Number(connected.has(a)))) start(id)
    // Holders found now (e.g. one that came back since `find`) join the fetch as they appear.
    // A holder new to this memory is first asked which shards it holds (one request, while the
    // lookup goes on); the lookup counts as ended only once those holders have started.
    const discovery = (async () => {
      const joining: Array<Promise<void>> = []
      try {
        for await (const peer of this.#c.network.findVaultHolders(this.#keys.vaultIdHex, { signal })) {
          if (enough()) return
          if (this.#score.isBanned(peer.id) || started.has(peer.id)) continue
          if (!memory.holders.includes(peer.id)) memory.holders.push(peer.id)
          const advised = this.#said.get(hashHex)?.has(peer.id) === true
          joining.push((advised ? Promise.resolve() : this.#askHeld(peer.id, manifest, signal)).then(() => { start(peer.id) }))
        }
      } finally {
        await Promise.all(joining)
      }
    })().catch((err: unknown) => {
      if (!signal.aborted && !isErrorNamed(err, 'AbortError')) void err // the lookup failing leaves the known holders
    })
    let discovering = true
    const discovered = discovery.finally(() => { discovering = false })
    try {
      // Holder lanes end when k shards are here or no holder has more; the lookup may still be
      // walking the DHT then (a slow query is not waited for once the shards are here).
      for (;;) {
        // Lanes started while we wait (a holder found meanwhile) are awaited too.
        for (let seen = 0; seen < loops.length;) {
          const upTo = loops.length
          await Promise.allSettled(loops.slice(0, upTo))
          seen = upTo
        }
        if (enough() || signal.aborted || broken !== undefined) break
        if (discovering) {
          await Promise.race([discovered, changed])
          continue
        }
        // Short with what holders said they hold: their holdings may have changed since they
        // listed (a repair placed a shard there), so each is now asked for the indices it did not name.
        if (probeAll || this.#said.get(hashHex) === undefined) break
        probeAll = true
        for (const id of started) if (!failed.has(id) && !this.#skip(id)) lane(id)
      }
    } finally {
      stop.abort()
    }
    if (options.signal?.aborted === true) throw new AbortError()
    if (broken !== undefined && !enough()) throw broken.err
    if (!enough()) {
      throw new NotEnoughFragmentsError({ found: have.size, needed: k, total: n, tried, bad: tried.filter(id => this.#bad.has(id)) })
    }
  }

  /** Zeroes the keys and drops every memory and shard. The session cannot be used again. */
  close (): void {
    this.#closed = true
    this.#keys.vaultKey.fill(0)
    for (const shards of this.#shards.values()) for (const s of shards.values()) s.fill(0)
    this.#shards.clear()
    this.#memories.clear()
    this.#served.clear()
  }
}
