/**
 * {@link ReciprocityLedger} on the file system for the Node anchor.
 *
 * [Note: Fs ledger atomicity] The ledger is one JSON document, `<root>/ledger.json`, kept in
 * memory and rewritten atomically (temp + rename) after each change, one change at a time. A
 * file system has no transaction over the shard file and the ledger, so the order of writes
 * gives the same guarantee after recovery: `storeFor` writes the shard file first and the
 * credit second (a failed credit write removes the new file again); `dropFor` removes the
 * credit first and the file second. A crash can therefore leave only a shard *without* credit,
 * never a credit without its shard; {@link FsReciprocityLedger.sweepUncredited}, run at start,
 * deletes such orphans. Rewriting the whole document costs O(entries) per change: fine for an
 * anchor holding a few thousand fragments; a journal would be the next step.
 */
import { join } from 'node:path'
import { CorruptRecordError } from '../../core/errors.js'
import { ledgerFragmentKey, tesseraLedgerPrefix } from '../../core/ledger-key.js'
import type { AbortOptions, FragmentStore, LedgerEntry, ReciprocityLedger } from '../../core/ports.js'
import type { FragmentId } from '../../core/types.js'
import { throwIfAborted } from '../errors.js'
import { assertByteCount, assertBytes, assertFragmentId, assertPeerId } from '../record.js'
import type { FsOps } from './fragment-store.js'
import { Mutex, defaultFs, readJsonFile, writeJsonFile } from './json-file.js'

interface Account {
  for: Record<string, number>
  by: Record<string, number>
  updatedAt: number
}

interface LedgerDoc {
  version: 1
  accounts: Record<string, Account>
}

/** Options of {@link FsReciprocityLedger}. */
export interface FsReciprocityLedgerInit {
  /** Directory of the node's data (the ledger is `<root>/ledger.json`). */
  root: string
  /** Where held shards go: the anchor's FsFragmentStore over the same root. */
  fragments: FragmentStore
  /** File-system calls. Default node:fs/promises. */
  fs?: FsOps
  /** ms since epoch. Default `Date.now`. */
  now?: () => number
}

function sum (items: Record<string, number>): number {
  let n = 0
  for (const v of Object.values(items)) n += v
  return n
}

function checkDoc (value: unknown): LedgerDoc {
  const doc = value as LedgerDoc | null
  if (typeof doc !== 'object' || doc === null || doc.version !== 1 || typeof doc.accounts !== 'object' || doc.accounts === null) {
    throw new CorruptRecordError('ledger.json: unknown format')
  }
  for (const [peer, a] of Object.entries(doc.accounts)) {
    const ok = typeof a === 'object' && a !== null && typeof a.updatedAt === 'number' &&
      [a.for, a.by].every(set => typeof set === 'object' && set !== null && Object.values(set).every(v => Number.isSafeInteger(v) && v >= 0))
    if (!ok) throw new CorruptRecordError(`ledger.json: account ${peer} is malformed`)
  }
  return doc
}

/**
 * The anchor's ledger ([Note: Fs ledger atomicity]). One instance per root and process.
 * @example
 * const fragments = new FsFragmentStore({ root })
 * const ledger = new FsReciprocityLedger({ root, fragments })
 * await ledger.sweepUncredited()
 */
export class FsReciprocityLedger implements ReciprocityLedger {
  readonly #file: string
  readonly #fragments: FragmentStore
  readonly #fs: FsOps
  readonly #now: () => number
  readonly #mutex = new Mutex()
  #doc: LedgerDoc | undefined

  constructor (init: FsReciprocityLedgerInit) {
    if (typeof init?.root !== 'string' || init.root === '') throw new TypeError('root: expected a non-empty path')
    this.#file = join(init.root, 'ledger.json')
    this.#fragments = init.fragments
    this.#fs = init.fs ?? defaultFs
    this.#now = init.now ?? Date.now
  }

  async #load (): Promise<LedgerDoc> {
    if (this.#doc === undefined) {
      const raw = await readJsonFile(this.#fs, this.#file, 'read ledger')
      this.#doc = raw === undefined ? { version: 1, accounts: {} } : checkDoc(raw)
    }
    return this.#doc
  }

  /** Applies `change` to a copy, writes it, then makes it current (a failed write changes nothing). */
  async #commit (change: (doc: LedgerDoc) => void): Promise<void> {
    const next = structuredClone(await this.#load())
    change(next)
    await writeJsonFile(this.#fs, this.#file, next, 'write ledger')
    this.#doc = next
  }

  #entry (doc: LedgerDoc, peerId: string): LedgerEntry {
    const a = doc.accounts[peerId]
    if (a === undefined) return { peerId, heldForThemBytes: 0, heldByThemBytes: 0, updatedAt: 0 }
    return { peerId, heldForThemBytes: sum(a.for), heldByThemBytes: sum(a.by), updatedAt: a.updatedAt }
  }

  #heldByAnyone (doc: LedgerDoc, key: string): boolean {
    return Object.values(doc.accounts).some(a => a.for[key] !== undefined)
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async entry (peerId: string, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    return await this.#mutex.run(async () => this.#entry(await this.#load(), peerId))
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async entries (options: AbortOptions = {}): Promise<LedgerEntry[]> {
    throwIfAborted(options.signal)
    return await this.#mutex.run(async () => {
      const doc = await this.#load()
      return Object.keys(doc.accounts).sort().map(p => this.#entry(doc, p)).filter(e => e.heldForThemBytes > 0 || e.heldByThemBytes > 0)
    })
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async totalHeldForOthers (options: AbortOptions = {}): Promise<number> {
    return (await this.entries(options)).reduce((n, e) => n + e.heldForThemBytes, 0)
  }

  /** @throws CorruptRecordError, StoreError, AbortError */
  async peersHeldFor (tesseraHashHex: string, options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    const prefix = tesseraLedgerPrefix(tesseraHashHex)
    return await this.#mutex.run(async () => {
      const doc = await this.#load()
      return Object.keys(doc.accounts).filter(p => Object.keys(doc.accounts[p].for).some(k => k.startsWith(prefix))).sort()
    })
  }

  /** Shard file first, credit second ([Note: Fs ledger atomicity]). @throws StorageFullError, StoreError, AbortError, TypeError/RangeError */
  async storeFor (peerId: string, id: FragmentId, bytes: Uint8Array, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    assertBytes(bytes, 'bytes')
    const key = ledgerFragmentKey(id)
    return await this.#mutex.run(async () => {
      const doc = await this.#load()
      if (doc.accounts[peerId]?.for[key] !== undefined) {
        if (!await this.#fragments.has(id, options)) await this.#fragments.put(id, bytes, options)
        return this.#entry(doc, peerId)
      }
      const existed = await this.#fragments.has(id, options)
      if (!existed) await this.#fragments.put(id, bytes, options)
      try {
        await this.#commit(d => {
          const a = d.accounts[peerId] ?? (d.accounts[peerId] = { for: {}, by: {}, updatedAt: 0 })
          a.for[key] = bytes.byteLength
          a.updatedAt = this.#now()
        })
      } catch (err) {
        if (!existed) await this.#fragments.delete(id).catch(() => undefined) // else sweepUncredited removes it
        throw err
      }
      return this.#entry(await this.#load(), peerId)
    })
  }

  /** Credit first, file second. @throws StoreError, AbortError */
  async dropFor (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    const key = ledgerFragmentKey(id)
    return await this.#mutex.run(async () => {
      const doc = await this.#load()
      if (doc.accounts[peerId]?.for[key] === undefined) return this.#entry(doc, peerId)
      await this.#commit(d => {
        const a = d.accounts[peerId]
        delete a.for[key]
        a.updatedAt = this.#now()
      })
      const after = await this.#load()
      if (!this.#heldByAnyone(after, key)) await this.#fragments.delete(id)
      return this.#entry(after, peerId)
    })
  }

  /** @throws StoreError, AbortError, TypeError/RangeError */
  async recordHeldBy (peerId: string, id: FragmentId, bytes: number, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    assertByteCount(bytes)
    const key = ledgerFragmentKey(id)
    return await this.#mutex.run(async () => {
      if ((await this.#load()).accounts[peerId]?.by[key] === undefined) {
        await this.#commit(d => {
          const a = d.accounts[peerId] ?? (d.accounts[peerId] = { for: {}, by: {}, updatedAt: 0 })
          a.by[key] = bytes
          a.updatedAt = this.#now()
        })
      }
      return this.#entry(await this.#load(), peerId)
    })
  }

  /** @throws StoreError, AbortError */
  async forgetHeldBy (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    const key = ledgerFragmentKey(id)
    return await this.#mutex.run(async () => {
      if ((await this.#load()).accounts[peerId]?.by[key] !== undefined) {
        await this.#commit(d => {
          const a = d.accounts[peerId]
          delete a.by[key]
          a.updatedAt = this.#now()
        })
      }
      return this.#entry(await this.#load(), peerId)
    })
  }

  /**
   * Deletes shard files credited to no peer (left by a crash between the two writes of
   * `storeFor`, [Note: Fs ledger atomicity]). Run at start on an anchor, whose fragment store
   * holds only shards for others. @returns fragments removed. @throws StoreError, AbortError
   */
  async sweepUncredited (options: AbortOptions = {}): Promise<number> {
    throwIfAborted(options.signal)
    return await this.#mutex.run(async () => {
      const doc = await this.#load()
      let removed = 0
      for (const id of await this.#fragments.list(undefined, options)) {
        if (this.#heldByAnyone(doc, ledgerFragmentKey(id))) continue
        await this.#fragments.delete(id, options)
        removed++
      }
      return removed
    })
  }
}
