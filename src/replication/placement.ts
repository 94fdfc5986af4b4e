/**
 * Holder selection ([Note: Placement]; ../shared/DESIGN.md "A tessera on disk and on the wire"
 * §4 and "Replication").
 *
 * [Note: Placement]
 * - Weight of peer p for shard i of tessera h: the first 8 bytes of BLAKE3(h ‖ u32be(i) ‖ utf8(p)),
 *   compared as a big-endian number; ties (never seen in practice) break by peer id. The
 *   tessera-level weight uses the sentinel index 0xFFFFFFFF (shard indices are < 256).
 * - Eligible: connected directly (not `'relayed'`: fragments never cross a limited circuit),
 *   not the owner, not excluded by the caller.
 * - Slots: an erasure-coded tessera (k + m shards) has one slot per shard; a Small tessera
 *   (k = 1, m = 0) has r slots, copies of its one shard, each on a different holder.
 * - Holder set: eligible peers in tessera-weight order, taken while the caps allow, until there
 *   are as many holders as slots. Caps: at most `institutionalCap(r)` institutional holders
 *   (hard: a policy), at most `max(1, floor(share · target))` holders per /24 IPv4 or /48 IPv6
 *   subnet where an address is known (soft: when too few peers remain, a second pass fills the
 *   set ignoring subnets and the result says `subnetRelaxed`).
 * - Assignment: when there are as many holders as slots each shard gets its own holder
 *   ("distinct"); otherwise shards are spread round-robin, each holder at most ceil(slots/H).
 *   Pairs (shard, holder) are taken in global weight order (highest weight wins), so a peer
 *   joining or leaving moves only the few shards whose winning pair involves it.
 * - Fallbacks per shard: eligible peers outside the holder set by shard weight (institutional
 *   ones only while the cap allows), then other holders; used when the chosen one refuses.
 */
import { blake3 } from '../crypto/hash.js'
import { concatBytes, utf8Encode } from '../core/hex.js'
import type { PeerInfo } from '../core/ports.js'
import { DEFAULT_FALLBACK_HOLDERS, DEFAULT_MAX_SUBNET_SHARE, DEFAULT_REPLICATION_FACTOR, institutionalCap } from './constants.js'

/** What to place. */
export interface PlacementRequest {
  /** 32-byte tessera hash. */
  tesseraHash: Uint8Array
  /** Data shards (1 for Small). */
  k: number
  /** Parity shards (0 for Small). */
  m: number
  /** Peer id of the owner (never a holder). */
  ownerId: string
  /** Connected peers (the owner and relayed peers are filtered out here). */
  peers: readonly PeerInfo[]
}

/** Settings of {@link placeShards}. */
export interface PlacementInit {
  /** r: holders of a Small tessera and the floor of round-robin. Default {@link DEFAULT_REPLICATION_FACTOR}. */
  replicas?: number
  /** Largest share of holders in one subnet, in (0, 1]. Default {@link DEFAULT_MAX_SUBNET_SHARE}. */
  maxSubnetShare?: number
  /** Fallback holders listed per shard. Default {@link DEFAULT_FALLBACK_HOLDERS}. */
  fallbacks?: number
  /** Peer ids never chosen (e.g. holders that just refused, or peers scored down). */
  exclude?: ReadonlySet<string>
}

/** The holders of one shard. */
export interface ShardAssignment {
  index: number
  /** Chosen holders: one for an erasure-coded shard, up to r for a Small tessera's copies. */
  holders: string[]
  /** Next best peers, best first, to try when a chosen holder refuses or fails. */
  fallbacks: string[]
}

/** Result of {@link placeShards}. */
export interface Placement {
  /** `'distinct'`: one holder per slot; `'round-robin'`: fewer holders than slots; `'none'`: no eligible peer. */
  mode: 'distinct' | 'round-robin' | 'none'
  /** One entry per shard, by index. */
  assignments: ShardAssignment[]
  /** Distinct holders in tessera-weight order. */
  holders: string[]
  /** True when the subnet cap had to be ignored to fill the holder set. */
  subnetRelaxed: boolean
}

/** Sentinel shard index of the tessera-level weight. */
const TESSERA_INDEX = 0xFFFFFFFF

/**
 * Rendezvous weight of `peerId` for shard `index` of `tesseraHash`: 8 bytes, compare with
 * {@link compareWeights}. Exported for tests and for the repair loop.
 * @throws RangeError when `tesseraHash` is not 32 bytes or `index` not a u32
 */
export function rendezvousWeight (tesseraHash: Uint8Array, index: number, peerId: string): Uint8Array {
  if (!(tesseraHash instanceof Uint8Array)) throw new TypeError('tesseraHash: expected Uint8Array')
  if (tesseraHash.length !== 32) throw new RangeError(`tesseraHash: expected 32 bytes, got ${tesseraHash.length}`)
  if (!Number.isInteger(index) || index < 0 || index > 0xFFFFFFFF) throw new RangeError(`index: expected a u32, got ${String(index)}`)
  const idx = new Uint8Array(4)
  new DataView(idx.buffer).setUint32(0, index)
  return blake3(concatBytes(tesseraHash, idx, utf8Encode(peerId))).subarray(0, 8)
}

/** Orders weights descending (highest first), then peer ids ascending. */
function byWeight (a: { w: Uint8Array, id: string }, b: { w: Uint8Array, id: string }): number {
  return compareWeights(b.w, a.w) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Compares two weights as big-endian unsigned numbers. */
export function compareWeights (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/**
 * The diversity key of an IP literal: `"v4:a.b.c"` for its /24, `"v6:x:x:x"` for its /48;
 * IPv4-mapped IPv6 counts as IPv4. @returns undefined for text that is not an IP literal
 */
export function subnetOf (address: string): string | undefined {
  const v4 = parseIpv4(address)
  if (v4 !== undefined) return `v4:${v4.slice(0, 3).join('.')}`
  const v6 = parseIpv6(address)
  if (v6 === undefined) return undefined
  if (v6.slice(0, 5).every(g => g === 0) && v6[5] === 0xffff) {
    return `v4:${v6[6] >> 8}.${v6[6] & 0xff}.${v6[7] >> 8}`
  }
  return `v6:${v6.slice(0, 3).map(g => g.toString(16)).join(':')}`
}

function parseIpv4 (s: string): number[] | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out.push(n)
  }
  return out
}

function parseIpv6 (s: string): number[] | undefined {
  let text = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  if (!text.includes(':')) return undefined
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail)
    if (v4 === undefined) return undefined
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string): number[] | undefined => {
    if (h === '') return []
    const out: number[] = []
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      out.push(parseInt(g, 16))
    }
    return out
  }
  const head = groups(halves[0])
  const rest = halves.length === 2 ? groups(halves[1]) : []
  if (head === undefined || rest === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const fill = 8 - head.length - rest.length
  if (fill < 1) return undefined
  return [...head, ...new Array<number>(fill).fill(0), ...rest]
}

function subnetsOf (peer: PeerInfo): string[] {
  const out = new Set<string>()
  for (const a of peer.addresses) {
    const s = subnetOf(a)
    if (s !== undefined) out.add(s)
  }
  return [...out]
}

function checkRequest (request: PlacementRequest, replicas: number, share: number, fallbacks: number): void {
  if (!(request.tesseraHash instanceof Uint8Array)) throw new TypeError('tesseraHash: expected Uint8Array')
  if (request.tesseraHash.length !== 32) throw new RangeError(`tesseraHash: expected 32 bytes, got ${request.tesseraHash.length}`)
  if (!Number.isSafeInteger(request.k) || request.k < 1) throw new RangeError(`k: expected an integer ≥ 1, got ${String(request.k)}`)
  if (!Number.isSafeInteger(request.m) || request.m < 0) throw new RangeError(`m: expected an integer ≥ 0, got ${String(request.m)}`)
  if (request.k + request.m > 256) throw new RangeError(`k + m: expected ≤ 256, got ${request.k + request.m}`)
  if (typeof request.ownerId !== 'string') throw new TypeError('ownerId: expected a string')
  if (!Array.isArray(request.peers)) throw new TypeError('peers: expected an array')
  if (!Number.isSafeInteger(replicas) || replicas < 1) throw new RangeError(`replicas: expected an integer ≥ 1, got ${String(replicas)}`)
  if (!(share > 0 && share <= 1)) throw new RangeError(`maxSubnetShare: expected a number in (0, 1], got ${share}`)
  if (!Number.isSafeInteger(fallbacks) || fallbacks < 0) throw new RangeError(`fallbacks: expected an integer ≥ 0, got ${String(fallbacks)}`)
}

/**
 * Chooses holders for every shard of a tessera ([Note: Placement]). Pure and deterministic:
 * the same request gives the same placement on every device.
 * @example
 * const p = placeShards({ tesseraHash, k: 16, m: 8, ownerId: self, peers: network.peers() })
 * p.assignments[3].holders[0] // peer that gets shard 3
 * lossTolerance(p.assignments.map(a => a.holders), 16).survives // 8 with ≥ 24 peers
 * @throws TypeError/RangeError for a malformed request or settings
 */
export function placeShards (request: PlacementRequest, init: PlacementInit = {}): Placement {
  const replicas = init.replicas ?? DEFAULT_REPLICATION_FACTOR
  const share = init.maxSubnetShare ?? DEFAULT_MAX_SUBNET_SHARE
  const fallbackCount = init.fallbacks ?? DEFAULT_FALLBACK_HOLDERS
  checkRequest(request, replicas, share, fallbackCount)
  const { tesseraHash, k, m, ownerId } = request
  const shardCount = k + m
  const small = shardCount === 1
  const slots = small ? replicas : shardCount

  const seen = new Set<string>()
  const eligible: PeerInfo[] = []
  for (const p of request.peers) {
    if (p.id === ownerId || p.kind === 'relayed' || init.exclude?.has(p.id) === true || seen.has(p.id)) continue
    seen.add(p.id)
    eligible.push(p)
  }
  const byId = new Map(eligible.map(p => [p.id, p]))
  const ranked = eligible
    .map(p => ({ id: p.id, w: rendezvousWeight(tesseraHash, TESSERA_INDEX, p.id) }))
    .sort(byWeight)
    .map(r => byId.get(r.id) as PeerInfo)

  const instCap = institutionalCap(replicas)
  const institutionalAvailable = Math.min(instCap, ranked.filter(p => p.institutional).length)
  const target = Math.min(slots, ranked.filter(p => !p.institutional).length + institutionalAvailable)
  const subnetCap = Math.max(1, Math.floor(share * target))

  const chosen: PeerInfo[] = []
  const chosenIds = new Set<string>()
  const subnetCounts = new Map<string, number>()
  let institutional = 0
  const take = (p: PeerInfo): void => {
    chosen.push(p)
    chosenIds.add(p.id)
    if (p.institutional) institutional++
    for (const s of subnetsOf(p)) subnetCounts.set(s, (subnetCounts.get(s) ?? 0) + 1)
  }
  for (const p of ranked) {
    if (chosen.length >= target) break
    if (p.institutional && institutional >= instCap) continue
    if (subnetsOf(p).some(s => (subnetCounts.get(s) ?? 0) >= subnetCap)) continue
    take(p)
  }
  let subnetRelaxed = false
  for (const p of ranked) {
    if (chosen.length >= target) break
    if (chosenIds.has(p.id) || (p.institutional && institutional >= instCap)) continue
    subnetRelaxed = true
    take(p)
  }
  // Keep tessera-weight order for the holder list.
  const holders = ranked.filter(p => chosenIds.has(p.id)).map(p => p.id)
  const H = holders.length

  const assigned: string[][] = Array.from({ length: shardCount }, () => [])
  if (H > 0) {
    const pairs: Array<{ index: number, id: string, w: Uint8Array }> = []
    for (let index = 0; index < shardCount; index++) {
      for (const id of holders) pairs.push({ index, id, w: rendezvousWeight(tesseraHash, index, id) })
    }
    pairs.sort((a, b) => byWeight(a, b) || a.index - b.index)
    if (small) {
      // Copies of the one shard: every holder gets one, in weight order.
      for (const p of pairs) assigned[0].push(p.id)
    } else {
      const perHolder = Math.ceil(shardCount / H)
      const load = new Map<string, number>()
      for (const p of pairs) {
        if (assigned[p.index].length > 0) continue
        const l = load.get(p.id) ?? 0
        if (l >= perHolder) continue
        assigned[p.index].push(p.id)
        load.set(p.id, l + 1)
      }
    }
  }

  const assignments: ShardAssignment[] = assigned.map((hs, index) => {
    const outside = eligible
      .filter(p => !chosenIds.has(p.id) && !(p.institutional && institutional >= instCap))
      .map(p => ({ id: p.id, w: rendezvousWeight(tesseraHash, index, p.id) }))
      .sort(byWeight)
    const inside = small
      ? []
      : holders.filter(id => !hs.includes(id)).map(id => ({ id, w: rendezvousWeight(tesseraHash, index, id) })).sort(byWeight)
    return { index, holders: hs, fallbacks: [...outside, ...inside].slice(0, fallbackCount).map(r => r.id) }
  })

  const mode = H === 0 ? 'none' : H >= slots ? 'distinct' : 'round-robin'
  return { mode, assignments, holders, subnetRelaxed }
}

/** How many holders may vanish before a tessera cannot be rebuilt. */
export interface LossTolerance {
  /** Distinct holders with at least one shard. */
  holders: number
  /** Shards with at least one holder. */
  availableShards: number
  /** Shards needed to rebuild (k). */
  neededShards: number
  /** True when at least k shards are available now. */
  recoverable: boolean
  /**
   * Holders that may vanish, whichever they are, with the tessera still recoverable ("survives
   * N holders vanishing"); 0 when not recoverable or when any single loss is fatal.
   */
  survives: number
}

/**
 * The loss tolerance of a placement ("survives N holders vanishing"): the largest t such that
 * losing any t holders leaves at least k shards. Exact when every shard has at most one holder
 * (the worst case removes the most loaded holders) and for a single shard held in copies
 * (holders − 1); otherwise a greedy worst case, which may overstate tolerance by a little.
 * @param holdersByIndex - for each shard index, the peer ids holding it (live holders only)
 * @param k - shards needed to rebuild
 * @example lossTolerance(Array.from({ length: 24 }, (_, i) => [`p${i}`]), 16).survives // 8
 * @example lossTolerance([['a', 'b', 'c', 'd', 'e', 'f', 'g']], 1).survives // 6
 * @throws RangeError when k is not in 1..holdersByIndex.length
 */
export function lossTolerance (holdersByIndex: ReadonlyArray<readonly string[]>, k: number): LossTolerance {
  if (!Array.isArray(holdersByIndex)) throw new TypeError('holdersByIndex: expected an array')
  if (!Number.isSafeInteger(k) || k < 1 || k > holdersByIndex.length) {
    throw new RangeError(`k: expected an integer in 1..${holdersByIndex.length}, got ${String(k)}`)
  }
  const sets = holdersByIndex.map(hs => new Set<string>(hs))
  const all = new Set<string>()
  for (const s of sets) for (const h of s) all.add(h)
  const available = sets.filter(s => s.size > 0).length
  const base = { holders: all.size, availableShards: available, neededShards: k }
  if (available < k) return { ...base, recoverable: false, survives: 0 }
  const spare = available - k

  if (sets.every(s => s.size <= 1)) {
    const loads = new Map<string, number>()
    for (const s of sets) for (const h of s) loads.set(h, (loads.get(h) ?? 0) + 1)
    const sorted = [...loads.values()].sort((a, b) => b - a)
    let lost = 0
    let t = 0
    while (t < sorted.length && lost + sorted[t] <= spare) lost += sorted[t++]
    return { ...base, recoverable: true, survives: t }
  }

  // Greedy adversary: repeatedly remove the holder whose loss makes the most shards unavailable.
  const remaining = sets.map(s => new Set<string>(s))
  const live = new Set(all)
  let lostShards = 0
  let t = 0
  while (live.size > 0) {
    let worst: string | undefined
    let worstLoss = -1
    let worstTouch = -1
    for (const h of [...live].sort()) {
      let loss = 0
      let touch = 0
      for (const s of remaining) {
        if (!s.has(h)) continue
        touch++
        if (s.size === 1) loss++
      }
      if (loss > worstLoss || (loss === worstLoss && touch > worstTouch)) {
        worst = h
        worstLoss = loss
        worstTouch = touch
      }
    }
    if (worst === undefined || lostShards + worstLoss > spare) break
    lostShards += worstLoss
    live.delete(worst)
    for (const s of remaining) s.delete(worst)
    t++
  }
  return { ...base, recoverable: true, survives: t }
}
