/**
 * Errors of the core layer. Every error has a stable `code`; callers branch on
 * `err.name`/`err.code`, never `instanceof` (worker hops and duplicate bundles break it).
 * Errors cross worker boundaries as `{ name, code, message }` — see {@link toErrorData}.
 */

/** Base class: a named error with a stable machine-readable code. */
export class TesserasError extends Error {
  static override readonly name: string = 'TesserasError'
  readonly code: string
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = (this.constructor as typeof TesserasError).name
    this.code = code
  }
}

/** The device's storage quota is exhausted; nothing partial was kept. */
export class StorageFullError extends TesserasError {
  static override readonly name = 'StorageFullError'
  static readonly code = 'ERR_STORAGE_FULL'
  constructor(message = 'storage is full', options?: { cause?: unknown }) {
    super(message, StorageFullError.code, options)
  }
}

/** A stored record could not be read or does not have the expected shape. */
export class CorruptRecordError extends TesserasError {
  static override readonly name = 'CorruptRecordError'
  static readonly code = 'ERR_CORRUPT_RECORD'
  constructor(message = 'stored record is corrupt', options?: { cause?: unknown }) {
    super(message, CorruptRecordError.code, options)
  }
}

/** A storage operation failed for a reason other than quota. */
export class StoreError extends TesserasError {
  static override readonly name = 'StoreError'
  static readonly code = 'ERR_STORE'
  constructor(message = 'storage operation failed', options?: { cause?: unknown }) {
    super(message, StoreError.code, options)
  }
}

/** A writer was used after commit/abort. */
export class WriterClosedError extends TesserasError {
  static override readonly name = 'WriterClosedError'
  static readonly code = 'ERR_WRITER_CLOSED'
  constructor(message = 'writer is already committed or aborted') {
    super(message, WriterClosedError.code)
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends TesserasError {
  static override readonly name = 'AbortError'
  static readonly code = 'ABORT_ERR'
  constructor(message = 'the operation was aborted') {
    super(message, AbortError.code)
  }
}

/** A bounded queue is full. */
export class QueueFullError extends TesserasError {
  static override readonly name = 'QueueFullError'
  static readonly code = 'ERR_QUEUE_FULL'
  constructor(message = 'queue is full') {
    super(message, QueueFullError.code)
  }
}

/** A file chosen by the person is empty or cannot be read. */
export class UnreadableFileError extends TesserasError {
  static override readonly name = 'UnreadableFileError'
  static readonly code = 'ERR_UNREADABLE_FILE'
  readonly fileName: string
  constructor(fileName: string, reason: 'empty' | 'unreadable', options?: { cause?: unknown }) {
    super(`${fileName}: ${reason === 'empty' ? 'file is empty (0 bytes)' : 'file cannot be read'}`,
      reason === 'empty' ? 'ERR_EMPTY_FILE' : UnreadableFileError.code, options)
    this.fileName = fileName
  }
}

/** Plain data form of an error, safe for structured clone and postMessage. */
export interface ErrorData {
  name: string
  code: string
  message: string
}

/** Turns any thrown value into {@link ErrorData} without losing name and code. */
export function toErrorData (err: unknown): ErrorData {
  if (err instanceof Error) {
    const code = typeof (err as { code?: unknown }).code === 'string' ? (err as unknown as { code: string }).code : 'ERR_UNKNOWN'
    return { name: err.name, code, message: err.message }
  }
  if (typeof err === 'object' && err != null && 'type' in err) {
    // DOM Events (e.g. a failed WebSocket) are thrown by some APIs.
    return { name: 'Error', code: 'ERR_UNKNOWN', message: `event: ${String((err as { type: unknown }).type)}` }
  }
  return { name: 'Error', code: 'ERR_UNKNOWN', message: typeof err === 'string' ? err : 'unknown error' }
}

/** Rebuilds an Error from {@link ErrorData}, keeping `name` and `code`. */
export function fromErrorData (data: ErrorData): Error & { code: string } {
  const err = new Error(data.message) as Error & { code: string }
  err.name = data.name
  err.code = data.code
  return err
}

/** True when `err` has the given error name (use instead of `instanceof`). */
export function isErrorNamed (err: unknown, name: string): boolean {
  return typeof err === 'object' && err != null && (err as { name?: unknown }).name === name
}

/** A plaintext container or tessera index does not have the expected format. */
export class ContainerFormatError extends TesserasError {
  static override readonly name = 'ContainerFormatError'
  static readonly code = 'ERR_CONTAINER_FORMAT'
  constructor(message = 'container format is invalid', options?: { cause?: unknown }) {
    super(message, ContainerFormatError.code, options)
  }
}
