/**
 * Structural validation of what the stores keep: tessera records, vault secrets, fragment ids.
 * This checks shape only (types, byte lengths, ranges). It does not verify signatures or hashes:
 * that is src/crypto's job and the store must not depend on it.
 */
import { CorruptRecordError, toErrorData } from '../core/errors.js'
import type { BrokenRecord, ReplicaRecord, TesseraRecord, VaultSecret } from '../core/ports.js'
import type { FragmentId, Manifest } from '../core/types.js'
import { HASH_HEX, asBytes, bytesToHex, isBytes } from './bytes.js'

/** What is wrong with a value: `type` for a wrong type, `range` for a wrong length or range. */
export interface Problem {
  kind: 'type' | 'range'
  message: string
}

const TIERS = new Set(['small', 'medium', 'large'])
const LANGUAGES = new Set(['en', 'pt'])
/** Reed-Solomon over GF(2^8) has at most 256 shards. */
const MAX_SHARDS = 256

type Check = (value: unknown, path: string) => Problem | undefined

const isRecordObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v)

function typeProblem (path: string, expected: string, value: unknown): Problem {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : isBytes(value) ? 'Uint8Array' : typeof value
  return { kind: 'type', message: `${path}: expected ${expected}, got ${got}` }
}

const bytes = (length?: number): Check => (v, path) => {
  if (!isBytes(v)) return typeProblem(path, 'Uint8Array', v)
  if (length !== undefined && v.length !== length) return { kind: 'range', message: `${path}: expected ${length} bytes, got ${v.length}` }
  return undefined
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v, path) => {
  if (typeof v !== 'number') return typeProblem(path, 'number', v)
  if (!Number.isSafeInteger(v) || v < min || v > max) return { kind: 'range', message: `${path}: expected an integer in [${min}, ${max}], got ${v}` }
  return undefined
}

const finite: Check = (v, path) => {
  if (typeof v !== 'number') return typeProblem(path, 'number', v)
  if (!Number.isFinite(v)) return { kind: 'range', message: `${path}: expected a finite number, got ${v}` }
  return undefined
}

const hashHex: Check = (v, path) => {
  if (typeof v !== 'string') return typeProblem(path, 'string', v)
  if (!HASH_HEX.test(v)) return { kind: 'range', message: `${path}: expected 64 lowercase hex characters, got ${v.length} characters` }
  return undefined
}

const oneOf = (allowed: Set<unknown>): Check => (v, path) =>
  allowed.has(v) ? undefined : { kind: typeof v === 'string' ? 'range' : 'type', message: `${path}: expected one of ${[...allowed].join(', ')}, got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}` }

function checkFields (value: Record<string, unknown>, path: string, fields: Record<string, Check>): Problem | undefined {
  for (const [key, check] of Object.entries(fields)) {
    const problem = check(value[key], `${path}.${key}`)
    if (problem !== undefined) return problem
  }
  return undefined
}

const MANIFEST_FIELDS: Record<keyof Manifest, Check> = {
  formatVersion: (v, path) => v === 1 ? undefined : { kind: typeof v === 'number' ? 'range' : 'type', message: `${path}: expected 1, got ${String(v)}` },
  tesseraHash: bytes(32),
  size: int(0),
  chunkSize: int(1),
  tier: oneOf(TIERS),
  k: int(1, MAX_SHARDS),
  m: int(0, MAX_SHARDS),
  shardSize: int(0),
  shardChecksums: (v, path) => Array.isArray(v) ? undefined : typeProblem(path, 'array', v),
  wrappedKey: bytes(),
  encryptedMetadata: bytes(),
  createdAt: finite,
  vaultPublicKey: bytes(32),
  signature: bytes(64)
}

function checkManifest (v: unknown, path: string): Problem | undefined {
  if (!isRecordObject(v)) return typeProblem(path, 'object', v)
  const problem = checkFields(v, path, MANIFEST_FIELDS)
  if (problem !== undefined) return problem
  const m = v as unknown as Manifest
  if (m.k + m.m > MAX_SHARDS) return { kind: 'range', message: `${path}: k + m must be at most ${MAX_SHARDS}, got ${m.k + m.m}` }
  if (m.shardChecksums.length !== m.k + m.m) {
    return { kind: 'range', message: `${path}.shardChecksums: expected ${m.k + m.m} checksums (k + m), got ${m.shardChecksums.length}` }
  }
  for (let i = 0; i < m.shardChecksums.length; i++) {
    const p = bytes(32)(m.shardChecksums[i], `${path}.shardChecksums[${i}]`)
    if (p !== undefined) return p
  }
  return undefined
}

const RECORD_FIELDS: Record<keyof TesseraRecord, Check> = {
  hashHex,
  manifest: checkManifest,
  payloadHeader: bytes(),
  chunkCount: int(0),
  thumbnail: (v, path) => v === undefined ? undefined : bytes()(v, path),
  savedAt: finite
}

/**
 * Finds the first structural problem of a {@link TesseraRecord}, or undefined when it is well formed.
 * Also checks that `hashHex` is the hex of `manifest.tesseraHash`.
 */
export function checkTesseraRecord (value: unknown, path = 'record'): Problem | undefined {
  if (!isRecordObject(value)) return typeProblem(path, 'object', value)
  const problem = checkFields(value, path, RECORD_FIELDS)
  if (problem !== undefined) return problem
  const r = value as unknown as TesseraRecord
  if (bytesToHex(r.manifest.tesseraHash) !== r.hashHex) {
    return { kind: 'range', message: `${path}.hashHex: does not match manifest.tesseraHash` }
  }
  return undefined
}

/** Throws the problem as `TypeError` or `RangeError` (argument checks, STYLE §4). */
export function throwProblem (problem: Problem): never {
  throw problem.kind === 'range' ? new RangeError(problem.message) : new TypeError(problem.message)
}

/**
 * Checks a record given to `commit`.
 * @throws TypeError for a wrong type, RangeError for a wrong length or range
 */
export function assertTesseraRecord (value: unknown): asserts value is TesseraRecord {
  const problem = checkTesseraRecord(value)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * Turns a stored value into a {@link TesseraRecord}: validates it, normalises byte fields to
 * Uint8Array of this realm and drops adapter-internal fields (such as the writer id).
 * @throws CorruptRecordError when the value is malformed or stored under another key
 */
export function readTesseraRecord (stored: unknown, hashHexKey: string): TesseraRecord {
  const normal = normaliseBytes(stored)
  const problem = checkTesseraRecord(normal)
  if (problem !== undefined) throw new CorruptRecordError(`tessera ${hashHexKey}: ${problem.message}`)
  const r = normal as TesseraRecord
  if (r.hashHex !== hashHexKey) throw new CorruptRecordError(`tessera ${hashHexKey}: stored under another key (${r.hashHex})`)
  const record: TesseraRecord = {
    hashHex: r.hashHex,
    manifest: r.manifest,
    payloadHeader: r.payloadHeader,
    chunkCount: r.chunkCount,
    savedAt: r.savedAt
  }
  if (r.thumbnail !== undefined) record.thumbnail = r.thumbnail
  return record
}

/** The {@link BrokenRecord} reported by `list` for a record that `readTesseraRecord` rejected. */
export function brokenRecord (hashHexKey: string, err: unknown): BrokenRecord {
  return { hashHex: hashHexKey, error: toErrorData(err) }
}

/** Replaces byte-like values (ArrayBuffer, foreign-realm views) by Uint8Array, recursively. */
function normaliseBytes (value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value
  const b = asBytes(value)
  if (b !== undefined) return b
  if (Array.isArray(value)) return value.map(v => normaliseBytes(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = normaliseBytes(v, depth + 1)
  return out
}

const VAULT_FIELDS: Record<keyof VaultSecret, Check> = {
  entropy: bytes(32),
  language: oneOf(LANGUAGES),
  createdAt: finite
}

/** Finds the first structural problem of a {@link VaultSecret}. */
export function checkVaultSecret (value: unknown, path = 'secret'): Problem | undefined {
  if (!isRecordObject(value)) return typeProblem(path, 'object', value)
  return checkFields(value, path, VAULT_FIELDS)
}

/**
 * Turns a stored value into a {@link VaultSecret}.
 * @throws CorruptRecordError when malformed
 */
export function readVaultSecret (stored: unknown): VaultSecret {
  const normal = normaliseBytes(stored)
  const problem = checkVaultSecret(normal)
  if (problem !== undefined) throw new CorruptRecordError(`vault: ${problem.message}`)
  const s = normal as VaultSecret
  return { entropy: s.entropy, language: s.language, createdAt: s.createdAt }
}

const FRAGMENT_ID_FIELDS: Record<keyof FragmentId, Check> = {
  tesseraHashHex: hashHex,
  index: int(0, MAX_SHARDS - 1),
  shardCount: int(1, MAX_SHARDS),
  checksumHex: hashHex
}

/**
 * Checks a {@link FragmentId} argument.
 * @throws TypeError for a wrong type, RangeError for a wrong length or range (also index ≥ shardCount)
 */
export function assertFragmentId (value: unknown, path = 'id'): asserts value is FragmentId {
  if (!isRecordObject(value)) throwProblem(typeProblem(path, 'object', value))
  const problem = checkFields(value, path, FRAGMENT_ID_FIELDS)
  if (problem !== undefined) throwProblem(problem)
  const id = value as unknown as FragmentId
  if (id.index >= id.shardCount) throw new RangeError(`${path}.index: expected less than shardCount ${id.shardCount}, got ${id.index}`)
}

/**
 * Checks a hash hex argument (`hashHex`, `tesseraHashHex`).
 * @throws TypeError when not a string, RangeError when not 64 lowercase hex characters
 */
export function assertHashHex (value: unknown, path: string): asserts value is string {
  const problem = hashHex(value, path)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * Checks a byte argument.
 * @throws TypeError when not a Uint8Array
 */
export function assertBytes (value: unknown, path: string): asserts value is Uint8Array {
  const problem = bytes()(value, path)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * Checks a chunk index argument.
 * @throws TypeError when not a number, RangeError when not a safe non-negative integer
 */
export function assertChunkIndex (value: unknown, path = 'index'): asserts value is number {
  const problem = int(0)(value, path)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * The `savedAt` to sort by: the stored number, or -Infinity when there is none (such broken
 * records go last).
 */
export function savedAtOf (held: unknown): number {
  const savedAt = (held as { savedAt?: unknown } | null | undefined)?.savedAt
  return typeof savedAt === 'number' && !Number.isNaN(savedAt) ? savedAt : Number.NEGATIVE_INFINITY
}

/** Newest first; ties by hashHex descending, so every adapter lists in the same order. */
export function sortNewestFirst<T extends { hashHex: string }> (items: Array<{ savedAt: number, item: T }>): T[] {
  return items
    .sort((a, b) => b.savedAt - a.savedAt || (a.item.hashHex < b.item.hashHex ? 1 : a.item.hashHex > b.item.hashHex ? -1 : 0))
    .map(x => x.item)
}

/**
 * Checks a manifest given to a `ManifestStore.put` (shape only; the signature is the
 * replication service's job).
 * @throws TypeError for a wrong type, RangeError for a wrong length or range
 */
export function assertManifest (value: unknown, path = 'manifest'): asserts value is Manifest {
  const problem = checkManifest(value, path)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * Turns a stored value into a {@link Manifest} (bytes normalised, unknown fields dropped).
 * @throws CorruptRecordError when malformed or stored under another key
 */
export function readManifest (stored: unknown, hashHexKey: string): Manifest {
  const normal = normaliseBytes(stored)
  const problem = checkManifest(normal, 'manifest')
  if (problem !== undefined) throw new CorruptRecordError(`manifest ${hashHexKey}: ${problem.message}`)
  const m = normal as Manifest
  if (bytesToHex(m.tesseraHash) !== hashHexKey) throw new CorruptRecordError(`manifest ${hashHexKey}: stored under another key`)
  const out = {} as Record<string, unknown>
  for (const key of Object.keys(MANIFEST_FIELDS)) out[key] = (m as unknown as Record<string, unknown>)[key]
  return out as unknown as Manifest
}

const KINDS = new Set(['webrtc', 'websocket', 'relayed'])

const optional = (check: Check): Check => (v, path) => v === undefined ? undefined : check(v, path)

const nonEmptyString: Check = (v, path) => {
  if (typeof v !== 'string') return typeProblem(path, 'string', v)
  if (v.length === 0 || v.length > 1024) return { kind: 'range', message: `${path}: expected 1..1024 characters, got ${v.length}` }
  return undefined
}

const RECEIPT_FIELDS: Record<string, Check> = {
  fragment: (v, path) => {
    if (!isRecordObject(v)) return typeProblem(path, 'object', v)
    return checkFields(v, path, FRAGMENT_ID_FIELDS)
  },
  holderId: nonEmptyString,
  storedAt: finite,
  nonce: bytes(),
  signature: bytes()
}

const REPLICA_FIELDS: Record<keyof ReplicaRecord, Check> = {
  tesseraHashHex: hashHex,
  index: int(0, MAX_SHARDS - 1),
  holderId: nonEmptyString,
  kind: oneOf(KINDS),
  storedAt: finite,
  lastProofAt: finite,
  failingSince: optional(finite),
  receipt: optional((v, path) => isRecordObject(v) ? checkFields(v, path, RECEIPT_FIELDS) : typeProblem(path, 'object', v))
}

/** Finds the first structural problem of a {@link ReplicaRecord}. */
export function checkReplicaRecord (value: unknown, path = 'record'): Problem | undefined {
  if (!isRecordObject(value)) return typeProblem(path, 'object', value)
  return checkFields(value, path, REPLICA_FIELDS)
}

/**
 * Checks a record given to `ReplicaStore.put`.
 * @throws TypeError for a wrong type, RangeError for a wrong length or range
 */
export function assertReplicaRecord (value: unknown): asserts value is ReplicaRecord {
  const problem = checkReplicaRecord(value)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * A clean copy of a replica record (stored or given): known fields only, bytes normalised.
 * @throws CorruptRecordError when malformed
 */
export function readReplicaRecord (stored: unknown): ReplicaRecord {
  const normal = normaliseBytes(stored)
  const problem = checkReplicaRecord(normal)
  if (problem !== undefined) throw new CorruptRecordError(`replica: ${problem.message}`)
  const r = normal as ReplicaRecord
  const out: ReplicaRecord = {
    tesseraHashHex: r.tesseraHashHex,
    index: r.index,
    holderId: r.holderId,
    kind: r.kind,
    storedAt: r.storedAt,
    lastProofAt: r.lastProofAt
  }
  if (r.failingSince !== undefined) out.failingSince = r.failingSince
  if (r.receipt !== undefined) {
    const f = r.receipt.fragment
    out.receipt = {
      fragment: { tesseraHashHex: f.tesseraHashHex, index: f.index, shardCount: f.shardCount, checksumHex: f.checksumHex },
      holderId: r.receipt.holderId,
      storedAt: r.receipt.storedAt,
      nonce: r.receipt.nonce.slice(),
      signature: r.receipt.signature.slice()
    }
  }
  return out
}

/**
 * Checks a peer id argument (libp2p peer id text).
 * @throws TypeError when not a string, RangeError when empty or longer than 1024 characters
 */
export function assertPeerId (value: unknown, path = 'peerId'): asserts value is string {
  const problem = nonEmptyString(value, path)
  if (problem !== undefined) throwProblem(problem)
}

/**
 * Checks a byte count argument.
 * @throws TypeError when not a number, RangeError when not a safe non-negative integer
 */
export function assertByteCount (value: unknown, path = 'bytes'): asserts value is number {
  const problem = int(0)(value, path)
  if (problem !== undefined) throwProblem(problem)
}
