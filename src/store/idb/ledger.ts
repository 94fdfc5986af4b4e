import { CorruptRecordError } from '../../core/errors.js'
import { ledgerFragmentKey, tesseraLedgerPrefix } from '../../core/ledger-key.js'
import type { AbortOptions, LedgerEntry, ReciprocityLedger } from '../../core/ports.js'
import type { FragmentId } from '../../core/types.js'
import { compact } from '../bytes.js'
import { throwIfAborted } from '../errors.js'
import { assertByteCount, assertBytes, assertFragmentId, assertPeerId } from '../record.js'
import type { Connection } from './connection.js'

function fragmentStoreKey (id: FragmentId): [string, number, string, number] {
  return [id.tesseraHashHex, id.index, id.checksumHex, id.shardCount]
}

function zero (peerId: string): LedgerEntry {
  return { peerId, heldForThemBytes: 0, heldByThemBytes: 0, updatedAt: 0 }
}

/** A clean copy of a stored account. @throws CorruptRecordError when malformed */
function readEntry (value: unknown, peerId: string): LedgerEntry {
  if (value === undefined) return zero(peerId)
  const v = value as Partial<LedgerEntry> | null
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  if (v === null || typeof v !== 'object' || !ok(v.heldForThemBytes) || !ok(v.heldByThemBytes) || typeof v.updatedAt !== 'number') {
    throw new CorruptRecordError(`ledger account ${peerId}: malformed`)
  }
  return { peerId, heldForThemBytes: v.heldForThemBytes, heldByThemBytes: v.heldByThemBytes, updatedAt: v.updatedAt }
}

/**
 * {@link ReciprocityLedger} over IndexedDB (stores `ledger`, `accounts` and, for `storeFor`/
 * `dropFor`, `fragments`; [Note: Schema v2 migration] in ./schema.ts). `storeFor` writes the
 * shard bytes, the ledger row and the account totals in **one** readwrite transaction: either
 * all of it commits or none (a quota abort leaves neither bytes nor credit). Every update is a
 * set operation on (peer, direction, fragment), so repeats are no-ops.
 * Create it with `openIdbStores()`.
 */
export class IdbReciprocityLedger implements ReciprocityLedger {
  readonly #conn: Connection
  readonly #now: () => number

  /** @internal use `openIdbStores()` */
  constructor (conn: Connection, now: () => number = Date.now) {
    this.#conn = conn
    this.#now = now
  }

  /** @throws CorruptRecordError, AbortError, StoreError */
  async entry (peerId: string, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    const value: unknown = await this.#conn.run(['accounts'], 'readonly', 'read ledger entry', async tx => await tx.objectStore('accounts').get(peerId))
    return readEntry(value, peerId)
  }

  /** Non-zero entries by peer id. @throws CorruptRecordError, AbortError, StoreError */
  async entries (options: AbortOptions = {}): Promise<LedgerEntry[]> {
    throwIfAborted(options.signal)
    const all = await this.#conn.run(['accounts'], 'readonly', 'list ledger entries', async tx => await tx.objectStore('accounts').getAll())
    return all.map(v => readEntry(v, String((v as { peerId?: unknown }).peerId)))
      .filter(e => e.heldForThemBytes > 0 || e.heldByThemBytes > 0)
  }

  /** @throws CorruptRecordError, AbortError, StoreError */
  async totalHeldForOthers (options: AbortOptions = {}): Promise<number> {
    return (await this.entries(options)).reduce((n, e) => n + e.heldForThemBytes, 0)
  }

  /** From the `byFragment` index: the `for` rows whose fragment key starts with the tessera's. @throws AbortError, StoreError */
  async peersHeldFor (tesseraHashHex: string, options: AbortOptions = {}): Promise<string[]> {
    throwIfAborted(options.signal)
    const prefix = tesseraLedgerPrefix(tesseraHashHex)
    const range = IDBKeyRange.bound(['for', prefix], ['for', `${prefix}\uffff`])
    const rows = await this.#conn.run(['ledger'], 'readonly', 'list peers held for', async tx => await tx.objectStore('ledger').index('byFragment').getAll(range))
    return [...new Set(rows.map(r => r.peerId))].sort()
  }

  /** One transaction over fragments, ledger and accounts. @throws StorageFullError, StoreError, AbortError, TypeError/RangeError */
  async storeFor (peerId: string, id: FragmentId, bytes: Uint8Array, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    assertBytes(bytes, 'bytes')
    const value = compact(bytes)
    const fragmentKey = ledgerFragmentKey(id)
    const now = this.#now()
    return await this.#conn.run(['fragments', 'ledger', 'accounts'], 'readwrite', 'store fragment for peer', async tx => {
      const fragments = tx.objectStore('fragments')
      const ledger = tx.objectStore('ledger')
      const accounts = tx.objectStore('accounts')
      // Hazard: only requests of `tx` are awaited in here (STYLE §5), or it auto-commits.
      if (await fragments.getKey(fragmentStoreKey(id)) === undefined) await fragments.put(value, fragmentStoreKey(id))
      const entry = readEntry(await accounts.get(peerId), peerId)
      if (await ledger.getKey([peerId, 'for', fragmentKey]) !== undefined) return entry
      await ledger.put({ peerId, direction: 'for', fragmentKey, bytes: value.byteLength })
      const next = { ...entry, heldForThemBytes: entry.heldForThemBytes + value.byteLength, updatedAt: now }
      await accounts.put(next)
      return next
    }, 'strict')
  }

  /** One transaction; the bytes go only when no other peer's credit refers to them. @throws StoreError, AbortError */
  async dropFor (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    const fragmentKey = ledgerFragmentKey(id)
    const now = this.#now()
    return await this.#conn.run(['fragments', 'ledger', 'accounts'], 'readwrite', 'drop fragment for peer', async tx => {
      const ledger = tx.objectStore('ledger')
      const accounts = tx.objectStore('accounts')
      const entry = readEntry(await accounts.get(peerId), peerId)
      const item = await ledger.get([peerId, 'for', fragmentKey])
      if (item === undefined) return entry
      await ledger.delete([peerId, 'for', fragmentKey])
      const next = { ...entry, heldForThemBytes: Math.max(0, entry.heldForThemBytes - item.bytes), updatedAt: now }
      await accounts.put(next)
      if (await ledger.index('byFragment').count(['for', fragmentKey]) === 0) {
        await tx.objectStore('fragments').delete(fragmentStoreKey(id))
      }
      return next
    })
  }

  /** @throws StoreError, AbortError, TypeError/RangeError */
  async recordHeldBy (peerId: string, id: FragmentId, bytes: number, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    assertByteCount(bytes)
    const fragmentKey = ledgerFragmentKey(id)
    const now = this.#now()
    return await this.#conn.run(['ledger', 'accounts'], 'readwrite', 'record fragment held by peer', async tx => {
      const ledger = tx.objectStore('ledger')
      const accounts = tx.objectStore('accounts')
      const entry = readEntry(await accounts.get(peerId), peerId)
      if (await ledger.getKey([peerId, 'by', fragmentKey]) !== undefined) return entry
      await ledger.put({ peerId, direction: 'by', fragmentKey, bytes })
      const next = { ...entry, heldByThemBytes: entry.heldByThemBytes + bytes, updatedAt: now }
      await accounts.put(next)
      return next
    })
  }

  /** @throws StoreError, AbortError */
  async forgetHeldBy (peerId: string, id: FragmentId, options: AbortOptions = {}): Promise<LedgerEntry> {
    throwIfAborted(options.signal)
    assertPeerId(peerId)
    assertFragmentId(id)
    const fragmentKey = ledgerFragmentKey(id)
    const now = this.#now()
    return await this.#conn.run(['ledger', 'accounts'], 'readwrite', 'forget fragment held by peer', async tx => {
      const ledger = tx.objectStore('ledger')
      const accounts = tx.objectStore('accounts')
      const entry = readEntry(await accounts.get(peerId), peerId)
      const item = await ledger.get([peerId, 'by', fragmentKey])
      if (item === undefined) return entry
      await ledger.delete([peerId, 'by', fragmentKey])
      const next = { ...entry, heldByThemBytes: Math.max(0, entry.heldByThemBytes - item.bytes), updatedAt: now }
      await accounts.put(next)
      return next
    })
  }
}
