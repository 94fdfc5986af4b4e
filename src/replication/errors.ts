/**
 * Errors of the replication layer (STYLE §4). Every class has a static and instance `name` and
 * a stable `code`; callers branch on `err.name`/`err.code`, never `instanceof`. Remote peers
 * never see these: they get a status enum ({@link ReplicateStatus}, {@link AttestStatus}).
 */
import { TesserasError } from '../core/errors.js'
import type { AttestStatus, ReplicateStatus } from '../core/ports.js'

/** A holder answered a replicate request with a status other than `OK`. */
export class ReplicateRefusedError extends TesserasError {
  static override readonly name = 'ReplicateRefusedError'
  static readonly code = 'ERR_REPLICATE_REFUSED'
  /** The holder's status. */
  readonly status: ReplicateStatus
  readonly holderId: string
  constructor (holderId: string, status: ReplicateStatus) {
    super(`holder ${holderId} refused the shard: ${status}`, ReplicateRefusedError.code)
    this.holderId = holderId
    this.status = status
  }
}

/** A receipt's signature, holder, fragment or nonce does not match what was asked. */
export class InvalidReceiptError extends TesserasError {
  static override readonly name = 'InvalidReceiptError'
  static readonly code = 'ERR_INVALID_RECEIPT'
  constructor (message = 'receipt is invalid', options?: { cause?: unknown }) {
    super(message, InvalidReceiptError.code, options)
  }
}

/** A holder did not prove possession: wrong proof, or a status other than `OK`. */
export class AttestationFailedError extends TesserasError {
  static override readonly name = 'AttestationFailedError'
  static readonly code = 'ERR_ATTESTATION_FAILED'
  /** The holder's status; `'OK'` when it answered with a wrong proof. */
  readonly status: AttestStatus
  constructor (message: string, status: AttestStatus) {
    super(message, AttestationFailedError.code)
    this.status = status
  }
}

/**
 * The verifier cannot compute the expected answer of a challenge: it has neither the shard,
 * the payload, nor k other shards. [Note: Attestation] explains why a checksum is not enough.
 */
export class ExpectedAnswerUnavailableError extends TesserasError {
  static override readonly name = 'ExpectedAnswerUnavailableError'
  static readonly code = 'ERR_EXPECTED_ANSWER_UNAVAILABLE'
  constructor (message = 'cannot compute the expected answer: no copy of the shard or of k others', options?: { cause?: unknown }) {
    super(message, ExpectedAnswerUnavailableError.code, options)
  }
}

/** Every attempt of a retried operation failed; `cause` is the last failure. */
export class RetriesExhaustedError extends TesserasError {
  static override readonly name = 'RetriesExhaustedError'
  static readonly code = 'ERR_RETRIES_EXHAUSTED'
  readonly attempts: number
  constructor (attempts: number, options?: { cause?: unknown }) {
    super(`gave up after ${attempts} attempts`, RetriesExhaustedError.code, options)
    this.attempts = attempts
  }
}

/** The service is not running (before `start()` or after `stop()`). */
export class ServiceStoppedError extends TesserasError {
  static override readonly name = 'ServiceStoppedError'
  static readonly code = 'ERR_SERVICE_STOPPED'
  constructor (message = 'the replication service is not running') {
    super(message, ServiceStoppedError.code)
  }
}

/** No local copy of the tessera to replicate. */
export class TesseraNotFoundError extends TesserasError {
  static override readonly name = 'TesseraNotFoundError'
  static readonly code = 'ERR_TESSERA_NOT_FOUND'
  constructor (hashHex: string) {
    super(`no local copy of tessera ${hashHex}`, TesseraNotFoundError.code)
  }
}

/** A shard regenerated from the local copy does not match the manifest: never pushed. */
export class CorruptLocalShardError extends TesserasError {
  static override readonly name = 'CorruptLocalShardError'
  static readonly code = 'ERR_CORRUPT_LOCAL_SHARD'
  readonly index: number
  constructor (hashHex: string, index: number) {
    super(`local shard ${index} of tessera ${hashHex} does not match its manifest checksum`, CorruptLocalShardError.code)
    this.index = index
  }
}

/** Every candidate holder of a shard refused or failed. */
export class NoHolderError extends TesserasError {
  static override readonly name = 'NoHolderError'
  static readonly code = 'ERR_NO_HOLDER'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, NoHolderError.code, options)
  }
}

/**
 * Fewer than k distinct shards of a tessera can be found (held here, or proven by a live
 * holder): nothing can be regenerated, so the repair stops before writing or pushing anything.
 */
export class NotEnoughShardsError extends TesserasError {
  static override readonly name = 'NotEnoughShardsError'
  static readonly code = 'ERR_NOT_ENOUGH_SHARDS'
  /** Distinct shards available. */
  readonly available: number
  /** Shards needed (k). */
  readonly needed: number
  constructor (hashHex: string, available: number, needed: number) {
    super(`tessera ${hashHex}: only ${available} of the ${needed} shards needed can be found`, NotEnoughShardsError.code)
    this.available = available
    this.needed = needed
  }
}

/** A keyless repair would hold more shard bytes in memory than allowed ([Note: Keyless repair]). */
export class RepairTooLargeError extends TesserasError {
  static override readonly name = 'RepairTooLargeError'
  static readonly code = 'ERR_REPAIR_TOO_LARGE'
  constructor (hashHex: string, bytes: number, limit: number) {
    super(`tessera ${hashHex}: keyless repair needs ${bytes} bytes of shards in memory, over the ${limit}-byte limit`, RepairTooLargeError.code)
  }
}
