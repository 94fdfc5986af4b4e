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
