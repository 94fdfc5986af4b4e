/**
 * Errors of the codec layer. Branch on `err.name`/`err.code`, never `instanceof`.
 */
import { TesserasError } from '../core/errors.js'

/** More shards are missing than the parity can restore (more than m of k+m). */
export class TooManyErasuresError extends TesserasError {
  static override readonly name = 'TooManyErasuresError'
  static readonly code = 'ERR_TOO_MANY_ERASURES'
  /** Shards present. */
  readonly present: number
  /** Shards needed (k). */
  readonly needed: number
  constructor (present: number, needed: number) {
    super(`too many erasures: ${present} shards present, ${needed} needed`, TooManyErasuresError.code)
    this.present = present
    this.needed = needed
  }
}

/** Shards (or stripe columns) given together do not all have the same length. */
export class ShardSizeMismatchError extends TesserasError {
  static override readonly name = 'ShardSizeMismatchError'
  static readonly code = 'ERR_SHARD_SIZE_MISMATCH'
  constructor (message: string) {
    super(message, ShardSizeMismatchError.code)
  }
}

/** k < 1, m < 0, k + m > 256, or a non-integer shard count. */
export class InvalidCodingParametersError extends TesserasError {
  static override readonly name = 'InvalidCodingParametersError'
  static readonly code = 'ERR_INVALID_CODING_PARAMETERS'
  constructor (message: string) {
    super(message, InvalidCodingParametersError.code)
  }
}
