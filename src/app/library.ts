/**
 * The owner's library of memories on this device: create/restore the vault, save, list,
 * open and delete tesseras. Composes the codec worker pool, the IndexedDB stores and the
 * crypto functions. [Note: Atomic save] in src/core/ports.ts; [Note: Tessera format] in
 * src/core/types.ts.
 */
import type { CodecClient } from '../codec/worker-client.js'
import type { TesseraStore, TesseraWriter, VaultStore, TesseraRecord, BrokenRecord, AbortOptions } from '../core/ports.js'
import type { Manifest, TesseraIndex, TesseraMetadata, UnsignedManifest } from '../core/types.js'
import { planFragments } from '../core/plan.js'
import { toHex } from '../core/hex.js'
import { deriveVaultKeys, generatePhrase, parsePhrase, entropyToPhrase, signManifest, type VaultKeys } from '../crypto/index.js'
import { layoutSeal, newSealKeys, payloadAadFor, planSealRanges, type SealLayout, type SealRangePlan } from '../crypto/seal-plan.js'
import { SEAL_WINDOW } from '../crypto/tessera-sealer.js'
import { combineShares } from '../codec/piece-shares.js'
import { createStripeReader } from './stripes.js'
import { createChunkFeed, type ChunkFeed } from './chunk-feed.js'
import { createCvMerger } from '../codec/blake3-tree.js'

/** A memory as the gallery shows it. */
export type LibraryEntry =
  | { ok: true, hashHex: string, manifest: Manifest, index: TesseraIndex, thumbnailUrl?: string, savedAt: number }
  | { ok: false, hashHex: string, reason: string }

export interface SaveProgress {
  phase: 'seal' | 'parity' | 'commit'
  done: number
  total: number
}

export interface SaveInput {
  files: File[]
  metadata: TesseraMetadata
}

export interface LibraryComponents {
  codec: CodecClient
  tesseras: TesseraStore
  vault: VaultStore
  /** Makes a small preview image for a file, or undefined. */
  makeThumbnail: (file: File) => Promise<Uint8Array | undefined>
  createObjectURL: (blob: Blob) => string
  revokeObjectURL: (url: string) => void
  /**
   * Told after each committed save (the app queues the memory for replication). Its failure
   * never fails the save: the memory is already safe on this device.
   */
  onSaved?: (hashHex: string) => void
}

/**
 * Most bytes of data (all k columns together) in one parity stripe: each stripe is k × w bytes
 * with w the largest power of two ≤ this / k, so the {@link PARITY_IN_FLIGHT} stripes in
 * flight stay a few MB whatever the tier.
 */
export const STRIPE_DATA_BYTES = 4 * 1024 * 1024

/**
 * Sealed chunks handed to the store and not yet written, at most, across a save's ranges: the
 * store groups them into fewer transactions (IndexedDB: several chunks per transaction).
 */
export const WRITES_IN_FLIGHT = 4

/** Parity stripes being encoded at once (spread over the pool's workers, 2 each with 2 workers). */
export const PARITY_IN_FLIGHT = 4

/**
 * Column width of a parity stripe for k data shards: a power of two ≥ 1 KiB, so each stripe's
 * parity columns are aligned pieces of their shards ([Note: BLAKE3 pieces] in
 * src/codec/blake3-tree.ts) that any worker can hash; or the whole shard when it is narrower.
 */
export function stripeWidthFor (k: number, shardSize: number): number {
  let w = 1024
  while (w * 2 * k <= STRIPE_DATA_BYTES) w *= 2
  return Math.min(shardSize, w)
}

/** A phrase generated but not yet confirmed (nothing stored until confirmed). */
export interface PendingVault {
  words: string[]
  entropy: Uint8Array
  language: 'en' | 'pt'
}

export class Library {
  private keys?: VaultKeys
  private language: 'en' | 'pt' = 'en'
  private readonly views = new Map<string, LibraryEntry>()

  constructor (private readonly components: LibraryComponents) {}

  /** Loads the vault secret, if this device has one. @returns whether a vault exists */
  async load (options: AbortOptions = {}): Promise<boolean> {
    const secret = await this.components.vault.get(options)
    if (secret == null) return false
    this.keys = deriveVaultKeys(secret.entropy)
    this.language = secret.language
    return true
  }

  get hasVault (): boolean { return this.keys != null }
  get vaultIdHex (): string | undefined { return this.keys?.vaultIdHex }

  /** Makes a new phrase to show; nothing is stored until {@link confirmVault}. */
  newVault (language: 'en' | 'pt'): PendingVault {
    const phrase = generatePhrase(language)
    const parsed = parsePhrase(phrase)
    return { words: parsed.words, entropy: parsed.entropy, language }
  }

  /** Stores the confirmed vault secret on this device. */
  async confirmVault (pending: PendingVault, options: AbortOptions = {}): Promise<void> {
    await this.components.vault.put({ entropy: pending.entropy, language: pending.language, createdAt: Date.now() }, options)
    this.keys = deriveVaultKeys(pending.entropy)
    this.language = pending.language
  }

  /** Restores the vault keys from a phrase. @throws InvalidPhraseError (nothing stored) */
  async restoreVault (phrase: string, options: AbortOptions = {}): Promise<void> {
    const parsed = parsePhrase(phrase)
    await this.components.vault.put({ entropy: parsed.entropy, language: parsed.language, createdAt: Date.now() }, options)
    this.keys = deriveVaultKeys(parsed.entropy)
    this.language = parsed.language
  }

  /** The phrase of this device's vault, to show again on request. */
  async phraseWords (language = this.language): Promise<string[]> {
    const secret = await this.components.vault.get()
    if (secret == null) return []
    return entropyToPhrase(secret.entropy, language).split(' ')
  }

  private requireKeys (): VaultKeys {
    if (this.keys == null) throw new Error('no vault on this device')
    return this.keys
  }

  /**
   * Saves a memory: seals it on every codec worker at once while chunks stream into IndexedDB,
   * computes parity checksums stripe by stripe, signs the manifest and commits atomically. On any
   * failure (cancel, quota, unreadable file) everything written is released.
   * @returns the tessera hash (hex)
   * @throws UnreadableFileError, StorageFullError, AbortError, RangeError (too big)
   */
  async save (input: SaveInput, options: AbortOptions & { onProgress?: (p: SaveProgress) => void } = {}): Promise<string> {
    const keys = this.requireKeys()
    const { signal, onProgress } = options
    signal?.throwIfAborted()
    const layout = layoutSeal({ files: input.files, metadata: input.metadata })
    const thumbnail = await this.firstThumbnail(input.files)
    const writer = await this.components.tesseras.begin({ signal })
    // Stops both passes: the caller's cancel, or a failure in either.
    const stop = new AbortController()
    const onAbort = (): void => { stop.abort() }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const plan = planFragments(layout.size)
      const split = planSealRanges(layout, this.components.codec.size)
      const secrets = newSealKeys(keys.vaultKey, layout.chunkSize)
      // Parity is encoded while the chunks are being sealed ([Note: Seal lanes]); its progress
      // is shown once sealing is done.
      let sealing = true
      const feed = plan.m > 0 ? createChunkFeed(writer, { limit: r => split.lanes[r].length + SEAL_WINDOW, signal: stop.signal }) : undefined
      let parityFailure: { err: unknown } | undefined
      const parity = feed === undefined
        ? Promise.resolve([])
        : this.parityChecksums(feed, { payloadHeader: secrets.payloadHeader, size: layout.size, chunkSize: layout.chunkSize }, plan, {
          signal: stop.signal,
          onProgress: (p) => { if (!sealing) onProgress?.(p) }
        }).catch((err: unknown) => { parityFailure ??= { err }; stop.abort(); throw err })
      parity.catch(() => {}) // awaited below
      let sealed: Awaited<ReturnType<Library['sealPayload']>>
      try {
        sealed = await this.sealPayload(layout, split, secrets, input, keys.vaultKey, thumbnail, writer, { signal: stop.signal, onProgress, feed })
      } catch (err) {
        feed?.fail(err)
        await parity.catch(() => {})
        // The cause, not the cancellation it caused on the other pass.
        throw parityFailure !== undefined && (err as { name?: unknown } | null)?.name === 'AbortError' && signal?.aborted !== true ? parityFailure.err : err
      }
      sealing = false
      feed?.complete()
      const shardChecksums = plan.m === 0
        ? (plan.k === 1 && plan.shardSize === layout.size ? [sealed.tesseraHash] : sealed.dataChecksums ?? [])
        : [...(sealed.dataChecksums ?? []), ...await parity]
      if (shardChecksums.length !== plan.k + plan.m) throw new Error(`save: ${shardChecksums.length} shard checksums, expected ${plan.k + plan.m}`)
      const unsigned: UnsignedManifest = {
        formatVersion: 1,
        tesseraHash: sealed.tesseraHash,
        size: layout.size,
        chunkSize: layout.chunkSize,
        tier: plan.tier,
        k: plan.k,
        m: plan.m,
        shardSize: plan.shardSize,
        shardChecksums,
        wrappedKey: sealed.wrappedKey,
        encryptedMetadata: sealed.encryptedMetadata,
        createdAt: Date.now(),
        vaultPublicKey: keys.signingPublicKey
      }
      const manifest = signManifest(unsigned, keys.signingSecretKey)
      const record: TesseraRecord = {
        hashHex: toHex(sealed.tesseraHash),
        manifest,
        payloadHeader: sealed.payloadHeader,
        chunkCount: layout.chunkCount,
        thumbnail: sealed.sealedThumbnail,
        savedAt: Date.now()
      }
      onProgress?.({ phase: 'commit', done: 0, total: 1 })
      signal?.throwIfAborted()
      await writer.commit(record, { signal })
      onProgress?.({ phase: 'commit', done: 1, total: 1 })
      try {
        this.components.onSaved?.(record.hashHex)
      } catch (err) {
        console.warn('after-save hook failed; the memory is saved', err)
      }
      return record.hashHex
    } catch (err) {
      await writer.abort()
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * Sealing, on all codec workers at once: the chunks are split into one contiguous range per
   * worker, cut into lanes (planSealRanges, [Note: Seal lanes]); each worker reads its part of
   * the files, seals it under the one content key (passed wrapped) and hashes what it sealed,
   * streaming sealed chunks here to be stored and fed to the parity pass. The workers' shares
   * of the tessera hash and of the k data-shard checksums are combined here ([Note: Range
   * hashing] in src/codec/piece-shares.ts); the few pieces cut by lane boundaries are hashed
   * by one more small job. A failing range (unreadable file, storage full) cancels the
   * others, and its error is the one thrown.
   */
  private async sealPayload (layout: SealLayout, split: SealRangePlan, secrets: { wrappedKey: Uint8Array, payloadHeader: Uint8Array }, input: SaveInput, vaultKey: Uint8Array, thumbnail: Uint8Array | undefined, writer: TesseraWriter, options: AbortOptions & { onProgress?: (p: SaveProgress) => void, feed?: ChunkFeed }): Promise<{ payloadHeader: Uint8Array, wrappedKey: Uint8Array, tesseraHash: Uint8Array, dataChecksums?: Uint8Array[], encryptedMetadata: Uint8Array, sealedThumbnail?: Uint8Array }> {
    const { signal, onProgress, feed } = options
    signal?.throwIfAborted()
    const codec = this.components.codec
    const { wrappedKey, payloadHeader } = secrets
    const files = input.files.map(f => ({ blob: f, name: f.name, type: f.type, lastModified: f.lastModified }))
    const aad = payloadAadFor(input.metadata)
    const stop = new AbortController()
    const onAbort = (): void => { stop.abort() }
    signal?.addEventListener('abort', onAbort, { once: true })
    const done = split.ranges.map(() => 0)
    /** Chunk writes not known to have finished, oldest first. */
    const writes: Array<Promise<void>> = []
    const jobs = split.ranges.map(async (range, r) => await codec.run('sealRange', {
      files,
      headerBytes: layout.headerBytes,
      chunkSize: layout.chunkSize,
      chunkCount: layout.chunkCount,
      vaultKey,
      wrappedKey,
      payloadHeader,
      aad,
      range,
      lanes: split.lanes[r],
      phases: split.phases[r],
      messages: split.messages,
      pieceBytes: split.pieceBytes,
      ...(r === 0 ? { index: layout.index, thumbnail } : {})
    }, {
      signal: stop.signal,
      transfer: r === 0 && thumbnail != null ? [thumbnail.buffer] : [],
      onProgress: (e) => {
        done[r] = e.done
        onProgress?.({ phase: 'seal', done: done.reduce((a, b) => a + b, 0), total: layout.containerSize })
      },
      onChunk: async (chunk) => {
        // Write-behind: the next chunks flow while this one waits for its (grouped) write.
        // Given, not copied: the bytes arrived transferred from the worker; from here on they
        // are only read (by the store, and by the parity pass through the feed).
        const write = writer.putChunk(chunk.index, chunk.bytes, { signal: stop.signal, give: true })
        write.catch(() => {}) // awaited below or after the ranges
        writes.push(write)
        const room = feed?.arrive(chunk.index, chunk.bytes, r, write)
        while (writes.length > WRITES_IN_FLIGHT) await writes.shift()
        await room
      }
    }).catch((err: unknown) => { stop.abort(); throw err }))
    const ranges = await Promise.allSettled(jobs)
    const stored = await Promise.allSettled(writes)
    signal?.removeEventListener('abort', onAbort)
    const failures = [...ranges, ...stored].flatMap(s => (s.status === 'rejected' ? [s.reason as unknown] : []))
    // The cause, not the cancellations it caused in the other ranges.
    if (failures.length > 0) throw failures.find(e => (e as { name?: unknown } | null)?.name !== 'AbortError') ?? failures[0]
    const results = ranges.flatMap(s => (s.status === 'fulfilled' ? [s.value] : []))
    const hashes = await combineShares(split.messages, split.pieceBytes, results.flatMap(r => r.shares), async (pieces) => {
      return (await codec.run('hashPieces', { pieces }, { signal, transfer: pieces.map(p => p.bytes.buffer) })).hashes
    })
    const { encryptedMetadata, sealedThumbnail } = results[0]
    if (encryptedMetadata == null) throw new Error('save: the first range did not seal the metadata')
    return {
      payloadHeader,
      wrappedKey,
      tesseraHash: hashes[0],
      ...(hashes.length > 1 ? { dataChecksums: hashes.slice(1) } : {}),
      encryptedMetadata,
      ...(sealedThumbnail != null ? { sealedThumbnail } : {})
    }
  }

  /**
   * The m parity checksums of a save, encoded while it is being sealed: the stripe reader
   * takes the sealed chunks from `feed` as they arrive ([Note: Seal lanes]), each stripe goes
   * to whichever worker is free (`parityStripe`, stateless), which encodes it and returns the
   * CVs of its m parity columns; the CVs of all stripes merge here into the m parity checksums
   * ([Note: BLAKE3 pieces] in src/codec/blake3-tree.ts). In flight: at most
   * {@link PARITY_IN_FLIGHT} stripes of {@link STRIPE_DATA_BYTES}; their buffers come back
   * from the workers and are reused.
   */
  private async parityChecksums (feed: ChunkFeed, sealed: { payloadHeader: Uint8Array, size: number, chunkSize: number }, plan: { k: number, m: number, shardSize: number }, options: AbortOptions & { onProgress?: (p: SaveProgress) => void }): Promise<Uint8Array[]> {
    const { k, m, shardSize } = plan
    const { signal } = options
    const codec = this.components.codec
    const width = stripeWidthFor(k, shardSize)
    const stripes = Math.ceil(shardSize / width)
    const reader = createStripeReader({
      k, shardSize,
      payloadHeader: sealed.payloadHeader,
      payloadSize: sealed.size,
      chunkSize: sealed.chunkSize,
      getChunk: feed.take
    })
    /** Stripe buffers handed back by the workers, reused for the next reads. */
    const spare: Uint8Array[][] = []
    /** Per stripe not merged yet: the m parity CVs (hashes when there is one stripe). */
    const cvs = new Map<number, Uint8Array[]>()
    /** One merger per parity shard, fed stripe CVs in stripe order as they arrive (a little per stripe, never one long task). */
    const mergers = Array.from({ length: m }, () => createCvMerger())
    let merged = 0
    const inFlight: Array<Promise<void>> = []
    let done = 0
    try {
      for (let s = 0; s < stripes; s++) {
        signal?.throwIfAborted()
        const data = await reader.read(s * width, Math.min(shardSize, (s + 1) * width), spare.pop())
        const job = codec.run('parityStripe', { k, m, data, chunkOffset: s * width / 1024, root: stripes === 1 }, {
          signal, transfer: data.map(d => d.buffer)
        }).then((coded) => {
          if (coded.parityCvs.length !== m) throw new Error('shard checksums: a worker returned the wrong number of parity CVs')
          cvs.set(s, coded.parityCvs)
          for (let next = cvs.get(merged); next !== undefined && stripes > 1; next = cvs.get(merged)) {
            next.forEach((cv, j) => { mergers[j].push(cv) })
            cvs.delete(merged++)
          }
          spare.push(coded.data)
          done += width
          options.onProgress?.({ phase: 'parity', done: Math.min(shardSize, done), total: shardSize })
        })
        job.catch(() => {}) // awaited below
        inFlight.push(job)
        if (inFlight.length >= PARITY_IN_FLIGHT) await inFlight.shift()
      }
      await Promise.all(inFlight)
    } catch (err) {
      await Promise.allSettled(inFlight)
      throw err
    }
    if (stripes > 1 && merged !== stripes) throw new Error(`shard checksums: ${merged} of ${stripes} stripes merged`)
    const parityChecksums = stripes === 1 ? cvs.get(0) as Uint8Array[] : mergers.map(merger => merger.root())
    return parityChecksums
  }

  private async firstThumbnail (files: File[]): Promise<Uint8Array | undefined> {
    for (const file of files) {
      if (!file.type.startsWith('image/')) continue
      const thumb = await this.components.makeThumbnail(file).catch(() => undefined)
      if (thumb != null) return thumb
    }
    return undefined
  }

  /** Every memory on this device, newest first; a damaged one is listed with its error. */
  async list (options: AbortOptions = {}): Promise<LibraryEntry[]> {
    const records = await this.components.tesseras.list(options)
    const entries: LibraryEntry[] = []
    const seen = new Set<string>()
    for (const record of records) {
      seen.add(record.hashHex)
      entries.push(await this.view(record, options))
    }
    for (const [hash, entry] of this.views) {
      if (!seen.has(hash)) this.forget(hash, entry)
    }
    return entries
  }

  /** One memory, or undefined when absent. */
  async get (hashHex: string, options: AbortOptions = {}): Promise<LibraryEntry | undefined> {
    const cached = this.views.get(hashHex)
    if (cached != null) return cached
    try {
      const record = await this.components.tesseras.get(hashHex, options)
      return record == null ? undefined : await this.view(record, options)
    } catch (err) {
      return { ok: false, hashHex, reason: (err as Error).message }
    }
  }

  private async view (record: TesseraRecord | BrokenRecord, options: AbortOptions): Promise<LibraryEntry> {
    const cached = this.views.get(record.hashHex)
    if (cached != null) return cached
    let entry: LibraryEntry
    if ('error' in record) {
      entry = { ok: false, hashHex: record.hashHex, reason: record.error.message }
    } else {
      try {
        const keys = this.requireKeys()
        const opened = await this.components.codec.run('openRecord', {
          vaultKey: keys.vaultKey,
          wrappedKey: record.manifest.wrappedKey,
          encryptedMetadata: record.manifest.encryptedMetadata,
          sealedThumbnail: record.thumbnail
        }, { signal: options.signal })
        const thumbnailUrl = opened.thumbnail != null
          ? this.components.createObjectURL(new Blob([opened.thumbnail as Uint8Array<ArrayBuffer>], { type: 'image/webp' }))
          : undefined
        entry = { ok: true, hashHex: record.hashHex, manifest: record.manifest, index: opened.index, thumbnailUrl, savedAt: record.savedAt }
      } catch (err) {
        entry = { ok: false, hashHex: record.hashHex, reason: (err as Error).message }
      }
    }
    this.views.set(record.hashHex, entry)
    return entry
  }

  private forget (hashHex: string, entry: LibraryEntry): void {
    if (entry.ok && entry.thumbnailUrl != null) this.components.revokeObjectURL(entry.thumbnailUrl)
    this.views.delete(hashHex)
  }

  /** Deletes a memory and releases its space. */
  async delete (hashHex: string, options: AbortOptions = {}): Promise<void> {
    await this.components.tesseras.delete(hashHex, options)
    const entry = this.views.get(hashHex)
    if (entry != null) this.forget(hashHex, entry)
  }
}
