/**
 * Translation of native storage failures into port errors (STYLE §4). The store layer defines
 * no error classes of its own: the port errors live in src/core/errors.ts.
 */
import { AbortError, StorageFullError, StoreError, isErrorNamed } from '../core/errors.js'

/** Errors that already speak the port's language and pass through unchanged. */
const PORT_ERRORS = new Set([
  'AbortError', 'StorageFullError', 'StoreError', 'CorruptRecordError', 'WriterClosedError'
])

/**
 * Throws the core {@link AbortError} when `signal` is aborted (not `signal.reason`, which is a
 * DOMException or whatever the caller passed: callers branch on our name and code).
 * @throws AbortError
 */
export function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError()
}

/** True when `err` reports an exhausted quota (DOMException `QuotaExceededError`, any realm). */
export function isQuotaError (err: unknown): boolean {
  return isErrorNamed(err, 'QuotaExceededError')
}

/**
 * Maps any failure of a storage call to a port error, keeping the original as `cause`.
 * - port errors, `TypeError` and `RangeError` from our own argument checks: unchanged;
 *   a `TypeError`/`RangeError` that is a native DOMException is not ours and is wrapped.
 * - `QuotaExceededError` → {@link StorageFullError};
 * - anything else → {@link StoreError}.
 * @param what the operation, for the message: `"putChunk"`
 */
export function toPortError (err: unknown, what: string): Error {
  if (err instanceof Error && PORT_ERRORS.has(err.name) && typeof (err as { code?: unknown }).code === 'string') return err
  if ((err instanceof TypeError || err instanceof RangeError) && !isDomException(err)) return err
  if (isQuotaError(err)) return new StorageFullError(`${what}: storage is full`, { cause: err })
  return new StoreError(`${what}: storage operation failed`, { cause: err })
}

function isDomException (err: unknown): boolean {
  return typeof DOMException !== 'undefined' && err instanceof DOMException
}
