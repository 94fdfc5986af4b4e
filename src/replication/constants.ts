/**
 * Replication defaults (seed 000 `ReplicationConfig`, ../shared/DESIGN.md "Replication").
 * Units are in the names.
 */
import { DEFAULT_REPLICAS } from '../core/constants.js'

/** One mebibyte, for readable byte constants. */
export const MIB = 1024 * 1024
/** One gibibyte. */
export const GIB = 1024 * MIB
/** One second in ms. */
export const SECOND_MS = 1000
/** One hour in ms. */
export const HOUR_MS = 60 * 60 * SECOND_MS

/** Holders (r) wanted per tessera; the floor of round-robin placement. */
export const DEFAULT_REPLICATION_FACTOR = DEFAULT_REPLICAS
/**
 * Most replicas of one tessera on institutional nodes: ceil(r / 3.5) (2 for r = 7), so a
 * single institution's policy change cannot take a memory below tolerance.
 */
export const institutionalCap = (replicas: number): number => Math.ceil(replicas / 3.5)
/** Largest share of a tessera's holders inside one /24 (IPv4) or /48 (IPv6) subnet. */
export const DEFAULT_MAX_SUBNET_SHARE = 0.25
/** Fallback holders listed per shard after the chosen one. */
export const DEFAULT_FALLBACK_HOLDERS = 3

/** A sender may owe us this much (we hold for it more than it holds for us) before we refuse. */
export const DEFAULT_DEFICIT_ALLOWANCE_BYTES = 256 * MIB
/** Most bytes we hold for one peer. */
export const DEFAULT_PER_PEER_LIMIT_BYTES = 1 * GIB
/** Storage this node offers to others ("Storage I give"); the app lowers it on small devices. */
export const DEFAULT_OFFERED_STORAGE_BYTES = 1 * GIB
/** Free space the node always keeps for its owner: refuse shards below it (seed: 1 GB on disk nodes). */
export const DEFAULT_MIN_FREE_BYTES = 1 * GIB
/** On devices with less room, the share of (free + held for others) kept free instead: a 400 MB phone still gives 300 MB. */
export const DEFAULT_MIN_FREE_FRACTION = 0.25

/** Repair interval (seed: 24 h). */
export const DEFAULT_REPAIR_INTERVAL_MS = 24 * HOUR_MS
/** Repair jitter, ± this much (seed: 2 h). */
export const DEFAULT_REPAIR_JITTER_MS = 2 * HOUR_MS
/** Concurrent transfers (seed: 4). */
export const DEFAULT_CONCURRENCY = 4
/** A holder that has not proved possession for this long counts as lost (no repair storms on churn). */
export const DEFAULT_HOLDER_GRACE_MS = 72 * HOUR_MS

/** Random ranges per attestation challenge. */
export const DEFAULT_ATTEST_RANGES = 4
/** Bytes per attestation range. */
export const DEFAULT_ATTEST_RANGE_BYTES = 64
/** Most ranges a holder accepts in one challenge. */
export const MAX_ATTEST_RANGES = 64
/** Most range bytes a holder reads for one challenge (the `whole` mode aside). */
export const MAX_ATTEST_RANGE_TOTAL_BYTES = 64 * 1024
/** Bytes of an attestation nonce (the BLAKE3 key). */
export const ATTEST_NONCE_BYTES = 32
/** Bytes of a receipt nonce. */
export const RECEIPT_NONCE_BYTES = 16
/** Largest receipt nonce accepted. */
export const MAX_RECEIPT_NONCE_BYTES = 64

/** First retry delay. */
export const DEFAULT_RETRY_INITIAL_MS = 1 * SECOND_MS
/** Longest retry delay. */
export const DEFAULT_RETRY_MAX_MS = 60 * SECOND_MS
/** Attempts of a retried operation, the first included. */
export const DEFAULT_RETRY_ATTEMPTS = 5
/** Most queued jobs of a bounded queue before {@link QueueFullError}. */
export const DEFAULT_QUEUE_MAX_LENGTH = 1024

/** Longest wait for one shard push and its receipt when the caller gave no signal (a 22 MiB shard over a slow WebRTC link). */
export const DEFAULT_SEND_TIMEOUT_MS = 5 * 60 * SECOND_MS
/** After a peer connects, wait this long for others before retrying queued tesseras (one run per burst). */
export const DEFAULT_PEER_SETTLE_MS = 2 * SECOND_MS
/** Most tesseras waiting for peers; past it the oldest stays queued and new ones are refused with QueueFullError. */
export const DEFAULT_MAX_PENDING_TESSERAS = 1024

/** Longest one repair run may take before it is aborted (the next run picks up the rest). */
export const DEFAULT_REPAIR_RUN_TIMEOUT_MS = 2 * HOUR_MS
/** Tesseras checked per run at most (rate limit); the next run continues where this one stopped. */
export const DEFAULT_REPAIR_MAX_TESSERAS_PER_RUN = 256
/** Share of attestation challenges that also hash the whole shard ([Note: Attestation] strength). */
export const DEFAULT_WHOLE_CHALLENGE_RATE = 1 / 8
/** Longest wait for one attestation answer; no answer counts as a miss. */
export const DEFAULT_ATTEST_TIMEOUT_MS = 60 * SECOND_MS
/** Longest wait for one shard fetched back for keyless repair. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5 * 60 * SECOND_MS
/** Most shard bytes a keyless repair holds in memory (k fetched shards plus one rebuilt). */
export const DEFAULT_KEYLESS_MAX_BYTES = 512 * MIB
/** Most requests a keyless watcher sends per tessera and run to find holders it does not know. */
export const DEFAULT_DISCOVERY_MAX_REQUESTS = 512
/** Delay of the repair loop's first run when the time of the last run is unknown. */
export const DEFAULT_REPAIR_FIRST_RUN_DELAY_MS = 60 * SECOND_MS

/**
 * Half-life of a peer's misbehaviour score ([Note: Peer score]): a strike weighs half as much a
 * day later, so an old mistake fades while a burst of them counts in full.
 */
export const DEFAULT_PEER_SCORE_HALF_LIFE_MS = 24 * HOUR_MS
/**
 * A peer whose decayed score reaches this is banned. With strikes of weight 1 and a 24 h
 * half-life, any 3 strikes within one day reach it (the oldest still weighs ≥ 0.5), while 2
 * strikes at once (2) do not; a ban from 3 strikes at once lasts log2(3 / 2.5) · 24 h ≈ 6.3 h,
 * longer with every further strike.
 */
export const DEFAULT_PEER_BAN_THRESHOLD = 2.5
/** Most peers a peer score remembers; past it the least recently struck is forgotten (LRU). */
export const DEFAULT_PEER_SCORE_MAX_PEERS = 4096
/**
 * Weight of one strike of each kind ([Note: Peer score]). Every kind is a check no honest peer
 * fails by accident (senders check shards before pushing, the transport checksums frames, a
 * holder's repair loop rebuilds its own rotten shards), so each weighs a full strike.
 */
export const DEFAULT_STRIKE_WEIGHTS = {
  /** A shard pushed to us whose bytes do not match its id and manifest (`BAD_CHECKSUM`). */
  BAD_SHARD_PUSHED: 1,
  /** A pushed manifest whose signature fails, or that claims a tessera of another vault (`BAD_MANIFEST`). */
  BAD_MANIFEST: 1,
  /** An attestation answered `OK` with a proof that does not match our bytes (`WRONG_PROOF`). */
  WRONG_PROOF: 1,
  /** A shard served on fetch whose bytes fail the manifest checksum. */
  BAD_SHARD_SERVED: 1
} as const
