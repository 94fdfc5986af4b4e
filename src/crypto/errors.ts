/**
 * Errors of the crypto layer. Branch on `err.name`/`err.code`, never `instanceof`
 * (see src/core/errors.ts).
 */
import { TesserasError } from '../core/errors.js'

/**
 * Decryption or authentication failed. Deliberately opaque: the same message and code for a
 * wrong key, a flipped bit, a truncated, reordered or duplicated chunk, or a malformed header,
 * so an attacker learns nothing about which check failed.
 */
export class DecryptionError extends TesserasError {
  static override readonly name = 'DecryptionError'
  static readonly code = 'ERR_DECRYPTION_FAILED'
  constructor (options?: { cause?: unknown }) {
    // The cause is kept for local debugging only; it never crosses a worker or the network
    // (toErrorData keeps name, code and this fixed message).
    super('decryption failed', DecryptionError.code, options)
  }
}

/** Which check of a recovery phrase failed. */
export type InvalidPhraseCode = 'ERR_PHRASE_WORD_COUNT' | 'ERR_PHRASE_UNKNOWN_WORD' | 'ERR_PHRASE_CHECKSUM'

/**
 * A recovery phrase could not be parsed. `code` says why, so the UI can help the person:
 * - `ERR_PHRASE_WORD_COUNT`: not 24 words (`wordCount` holds how many were given);
 * - `ERR_PHRASE_UNKNOWN_WORD`: `word` at `position` (0-based) is in no word list;
 *   `suggestion` is the closest valid word when one is close enough;
 * - `ERR_PHRASE_CHECKSUM`: every word is valid but the phrase's checksum does not match
 *   (usually two words swapped or one mistyped into another valid word).
 */
export class InvalidPhraseError extends TesserasError {
  static override readonly name = 'InvalidPhraseError'
  static readonly codes = {
    wordCount: 'ERR_PHRASE_WORD_COUNT',
    unknownWord: 'ERR_PHRASE_UNKNOWN_WORD',
    checksum: 'ERR_PHRASE_CHECKSUM'
  } as const

  declare readonly code: InvalidPhraseCode
  readonly wordCount?: number
  readonly word?: string
  readonly position?: number
  readonly suggestion?: string

  constructor (message: string, code: InvalidPhraseCode, details: { wordCount?: number, word?: string, position?: number, suggestion?: string } = {}, options?: { cause?: unknown }) {
    super(message, code, options)
    if (details.wordCount !== undefined) this.wordCount = details.wordCount
    if (details.word !== undefined) this.word = details.word
    if (details.position !== undefined) this.position = details.position
    if (details.suggestion !== undefined) this.suggestion = details.suggestion
  }
}

/** A manifest's signature does not verify, or it belongs to another vault. */
export class ManifestSignatureError extends TesserasError {
  static override readonly name = 'ManifestSignatureError'
  static readonly code = 'ERR_MANIFEST_SIGNATURE'
  constructor (message = 'manifest signature is invalid', options?: { cause?: unknown }) {
    super(message, ManifestSignatureError.code, options)
  }
}

/** A manifest is malformed: a field is missing, has the wrong type or length, or contradicts another. */
export class ManifestFormatError extends TesserasError {
  static override readonly name = 'ManifestFormatError'
  static readonly code = 'ERR_MANIFEST_FORMAT'
  constructor (message = 'manifest format is invalid', options?: { cause?: unknown }) {
    super(message, ManifestFormatError.code, options)
  }
}

/** A payload sealer was used after it sealed its final chunk. */
export class SealerFinishedError extends TesserasError {
  static override readonly name = 'SealerFinishedError'
  static readonly code = 'ERR_SEALER_FINISHED'
  constructor (message = 'payload sealer already sealed its final chunk') {
    super(message, SealerFinishedError.code)
  }
}
