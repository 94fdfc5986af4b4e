/**
 * Reciprocity rules and the ledger's arithmetic (DESIGN "Replication", seed 000).
 *
 * [Note: Reciprocity]
 * Each node keeps, per peer, the set of fragments it stores for that peer and the set of its own
 * fragments that peer stores (counted once a receipt verified, kept while attestations pass).
 * Balance = heldByThem − heldForThem: positive means the peer gives us more than it takes.
 * Entries are sets keyed by fragment, so every update is idempotent (a repeated push, a retried
 * receipt). There is no global ledger: two honest nodes' views mirror each other, so A's
 * balance with B plus B's balance with A is zero ({@link LedgerBook}, property-tested).
 * A replicate request is refused when, after storing it, the sender would owe us more than the
 * deficit allowance or hold more than the per-peer limit with us (institutional senders are
 * exempt), or when our offered storage or free space would be exceeded (nobody is exempt).
 * Free riders are deprioritised for repair, never deleted.
 */
import type { FragmentId } from '../core/types.js'
import type { AbortOptions, FragmentStore, LedgerEntry, ReciprocityLedger, ReplicateStatus } from '../core/ports.js'
import { ledgerFragmentKey, tesseraLedgerPrefix } from '../core/ledger-key.js'
import { type Clock, systemClock, throwIfAborted } from './clock.js'
import {
  DEFAULT_DEFICIT_ALLOWANCE_BYTES, DEFAULT_MIN_FREE_BYTES, DEFAULT_MIN_FREE_FRACTION, DEFAULT_OFFERED_STORAGE_BYTES, DEFAULT_PER_PEER_LIMIT_BYTES
} from './constants.js'

/** Limits a holder applies to replicate requests. */
export interface ReciprocityPolicy {
  /** Default {@link DEFAULT_DEFICIT_ALLOWANCE_BYTES}. */
  deficitAllowanceBytes?: number
  /** Default {@link DEFAULT_PER_PEER_LIMIT_BYTES}. */
  perPeerLimitBytes?: number
  /** "Storage I give". Default {@link DEFAULT_OFFERED_STORAGE_BYTES}. */
  offeredStorageBytes?: number
  /** Free space always kept, at most. Default {@link DEFAULT_MIN_FREE_BYTES}. */
  minFreeBytes?: number
  /**
   * Share of the space this node could give (free + already held for others) kept free for its
   * owner when that is less than `minFreeBytes`, so a small device still gives something.
   * Default {@link DEFAULT_MIN_FREE_FRACTION}.
   */
  minFreeFraction?: number
}

/** What a holder knows when a replicate request arrives. */
export interface ReplicateContext {
  /** Whether the sender is a verified institutional node (exempt from deficit and per-peer limits). */
  institutional: boolean
  /** The sender's ledger entry before this request. */
  entry: LedgerEntry
  /** Bytes of the shard offered. */
  shardBytes: number
  /** Bytes we hold for all peers together before this request. */
  totalHeldForOthers: number
  /** Free bytes on this device; `undefined` when unknown (the store's StorageFullError still guards). */
  freeBytes?: number
  /** True when we already hold this fragment for this sender: a retry, always accepted. */
  alreadyHeld?: boolean
}

/** Decision on a replicate request. */
export type ReciprocityDecision =
  | { accept: true }
  | { accept: false, status: Exclude<ReplicateStatus, 'OK'> }

/**
 * Balance of an entry in bytes: heldByThem − heldForThem (negative: the peer owes us).
 * @example balanceOf({ peerId: 'p', heldForThemBytes: 10, heldByThemBytes: 4, updatedAt: 0 }) // -6
 */
export function balanceOf (entry: Pick<LedgerEntry, 'heldForThemBytes' | 'heldByThemBytes'>): number {
  return entry.heldByThemBytes - entry.heldForThemBytes
}

/**
 * Accepts or refuses a replicate request ([Note: Reciprocity]). Pure.
 * Order of checks: retry → free space → offered storage → (non-institutional) per-peer limit → deficit.
 * @example decideReplicate({ institutional: false, entry, shardBytes: 1 << 20, totalHeldForOthers: 0 })
 * @throws RangeError when a byte count is negative or not an integer
 */
export function decideReplicate (context: ReplicateContext, policy: ReciprocityPolicy = {}): ReciprocityDecision {
  const allowance = policy.deficitAllowanceBytes ?? DEFAULT_DEFICIT_ALLOWANCE_BYTES
  const perPeer = policy.perPeerLimitBytes ?? DEFAULT_PER_PEER_LIMIT_BYTES
  const offered = policy.offeredStorageBytes ?? DEFAULT_OFFERED_STORAGE_BYTES
  const minFree = policy.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES
  for (const [name, v] of [['shardBytes', context.shardBytes], ['totalHeldForOthers', context.totalHeldForOthers],
    ['entry.heldForThemBytes', context.entry.heldForThemBytes], ['entry.heldByThemBytes', context.entry.heldByThemBytes]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name}: expected a non-negative integer, got ${String(v)}`)
  }
  if (context.alreadyHeld === true) return { accept: true }
  const n = context.shardBytes
  if (context.freeBytes !== undefined) {
    const reserve = Math.min(minFree, Math.floor((context.freeBytes + context.totalHeldForOthers) * (policy.minFreeFraction ?? DEFAULT_MIN_FREE_FRACTION)))
    if (context.freeBytes - n < reserve) return { accept: false, status: 'REFUSED_DISK_FULL' }
  }
  if (context.totalHeldForOthers + n > offered) return { accept: false, status: 'REFUSED_CAPACITY' }
  if (context.institutional) return { accept: true }
  const heldForThem = context.entry.heldForThemBytes + n
  if (heldForThem > perPeer) return { accept: false, status: 'REFUSED_PEER_LIMIT' }
  if (heldForThem - context.entry.heldByThemBytes > allowance) return { accept: false, status: 'REFUSED_DEFICIT' }
  return { accept: true }
}

/**
 * Repair priority of a peer's tesseras: peers in good standing first, free riders (deficit
 * beyond the allowance) last — never dropped. Lower sorts first.
 */
export function repairPriority (entry: LedgerEntry, policy: ReciprocityPolicy = {}): number {
  const allowance = policy.deficitAllowanceBytes ?? DEFAULT_DEFICIT_ALLOWANCE_BYTES
  return -balanceOf(entry) > allowance ? 1 : 0
}

/** The ledger key of a fragment (every field of the id, so distinct ids never collide). */
export const fragmentKey = ledgerFragmentKey

interface Account {
  heldForThem: Map<string, number>
  heldByThem: Map<string, number>
  heldForThemBytes: number
  heldByThemBytes: number
  updatedAt: number
}

/**
 * The ledger's arithmetic, in memory and synchronous ([Note: Reciprocity]): per peer two sets of
 * fragment → bytes, with running totals. Adapters may keep the same shape in IndexedDB or SQLite;
 * the memory ledger ({@link createMemoryLedger}) wraps it.
 */
export class LedgerBook {
  readonly #accounts = new Map<string, Account>()
  #heldForOthers = 0

  #account (peerId: string): Account {
    let a = this.#accounts.get(peerId)
    if (a === undefined) {
      a = { heldForThem: new Map(), heldByThem: new Map(), heldForThemBytes: 0, heldByThemBytes: 0, updatedAt: 0 }
      this.#accounts.set(peerId, a)
    }
    return a
  }

  /** The entry of `peerId`; zero (updatedAt 0) when unknown. */
  entry (peerId: string): LedgerEntry {
    const a = this.#accounts.get(peerId)
    return { peerId, heldForThemBytes: a?.heldForThemBytes ?? 0, heldByThemBytes: a?.heldByThemBytes ?? 0, updatedAt: a?.updatedAt ?? 0 }
  }

  /** Peers with a non-zero entry, by peer id. */
  entries (): LedgerEntry[] {
    return [...this.#accounts.keys()].sort().map(id => this.entry(id))
      .filter(e => e.heldForThemBytes > 0 || e.heldByThemBytes > 0)
  }

  /** Bytes held for all peers. */
  get totalHeldForOthers (): number {
    return this.#heldForOthers
  }

  /** True when we hold `key` for `peerId`. */
  holdsFor (peerId: string, key: string): boolean {
    return this.#accounts.get(peerId)?.heldForThem.has(key) ?? false
  }

  /** Peers we hold a fragment for whose key starts with `prefix` (a tessera hash and `/`), sorted. */
  peersHoldingPrefix (prefix: string): string[] {
    const out: string[] = []
    for (const [peerId, a] of this.#accounts) {
      for (const key of a.heldForThem.keys()) {
        if (key.startsWith(prefix)) { out.push(peerId); break }
      }
    }
    return out.sort()
  }

  /** True when we hold `key` for any peer (two senders may push the same content-addressed fragment). */
  holdsForAnyone (key: string): boolean {
    for (const a of this.#accounts.values()) if (a.heldForThem.has(key)) return true
    return false
  }

  /** Credits `bytes` held for `peerId` under `key`. Idempotent. */
  storeFor (peerId: string, key: string, bytes: number, now: number): LedgerEntry {
    checkBytes(bytes)
    const a = this.#account(peerId)
    const before = a.heldForThem.get(key)
    if (before === undefined) {
      a.heldForThem.set(key, bytes)
      a.heldForThemBytes += bytes
      this.#heldForOthers += bytes
      a.updatedAt = now
    }
    return this.entry(peerId)
  }

  /** Removes the credit of `key` held for `peerId`. No-op when absent. */
  dropFor (peerId: string, key: string, now: number): LedgerEntry {
    const a = this.#accounts.get(peerId)
    const bytes = a?.heldForThem.get(key)
    if (a !== undefined && bytes !== undefined) {
      a.heldForThem.delete(key)
      a.heldForThemBytes -= bytes
      this.#heldForOthers -= bytes
      a.updatedAt = now
    }
    return this.entry(peerId)
  }

  /** Records that `peerId` holds our `key` of `bytes` bytes. Idempotent. */
  recordHeldBy (peerId: string, key: string, bytes: number, now: number): LedgerEntry {
    checkBytes(bytes)
    const a = this.#account(peerId)
    if (!a.heldByThem.has(key)) {
      a.heldByThem.set(key, bytes)
      a.heldByThemBytes += bytes
      a.updatedAt = now
    }
    return this.entry(peerId)
  }

  /** Forgets that `peerId` holds our `key`. No-op when absent. */
  forgetHeldBy (peerId: string, key: string, now: number): LedgerEntry {
    const a = this.#accounts.get(peerId)
    const bytes = a?.heldByThem.get(key)
    if (a !== undefined && bytes !== undefined) {
      a.heldByThem.delete(key)
      a.heldByThemBytes -= bytes
      a.updatedAt = now
    }
    return this.entry(peerId)
  }
}

/** Most characters of a peer id (libp2p peer ids are about 52). */
const MAX_PEER_ID_CHARS = 1024

/**
 * Checks a peer id argument.
 * @throws TypeError when not a string, RangeError when empty or too long
 */
export function checkPeerId (peerId: unknown, path = 'peerId'): asserts peerId is string {
  if (typeof peerId !== 'string') throw new TypeError(`${path}: expected a string, got ${typeof peerId}`)
  if (peerId.length === 0 || peerId.length > MAX_PEER_ID_CHARS) throw new RangeError(`${path}: expected 1..${MAX_PEER_ID_CHARS} characters, got ${peerId.length}`)
}

function checkBytes (bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`bytes: expected a non-negative integer, got ${String(bytes)}`)
}

/** Components of {@link createMemoryLedger}. */
export interface MemoryLedgerComponents {
  /** Where held shards go. */
  fragments: FragmentStore
  clock?: Clock
}

/**
 * A {@link ReciprocityLedger} in memory over a {@link FragmentStore}: for tests, simulations and
 * borrowed-device mode. `storeFor` writes the shard first and credits only after the write
 * succeeded, so a failed put leaves the ledger unchanged (memory needs no transaction).
 * @example const ledger = createMemoryLedger({ fragments: new MemoryFragmentStore() })
 */
export function createMemoryLedger (components: MemoryLedgerComponents): ReciprocityLedger & { readonly book: LedgerBook } {
  const book = new LedgerBook()
  const clock = components.clock ?? systemClock
  return {
    book,
    async entry (peerId, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      checkPeerId(peerId)
      return book.entry(peerId)
    },
    async entries (options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      return book.entries()
    },
    async totalHeldForOthers (options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      return book.totalHeldForOthers
    },
    async peersHeldFor (tesseraHashHex, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      return book.peersHoldingPrefix(tesseraLedgerPrefix(tesseraHashHex))
    },
    async storeFor (peerId, id, bytes, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      checkPeerId(peerId)
      await components.fragments.put(id, bytes, options)
      return book.storeFor(peerId, fragmentKey(id), bytes.byteLength, clock.now())
    },
    async dropFor (peerId, id, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      checkPeerId(peerId)
      const key = fragmentKey(id)
      if (!book.holdsFor(peerId, key)) return book.entry(peerId)
      const entry = book.dropFor(peerId, key, clock.now())
      // Keep the bytes while another peer's credit still refers to them.
      if (!book.holdsForAnyone(key)) await components.fragments.delete(id, options)
      return entry
    },
    async recordHeldBy (peerId, id, bytes, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      checkPeerId(peerId)
      return book.recordHeldBy(peerId, fragmentKey(id), bytes, clock.now())
    },
    async forgetHeldBy (peerId, id, options: AbortOptions = {}) {
      throwIfAborted(options.signal)
      checkPeerId(peerId)
      return book.forgetHeldBy(peerId, fragmentKey(id), clock.now())
    }
  }
}
