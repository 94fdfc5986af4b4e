/**
 * Errors of the network adapter. Stable `code`s; callers branch on `name`/`code`.
 */
import { TesserasError } from '../core/index.js'

/** The network configuration (served beside the app, or typed in settings) is invalid. */
export class NetworkConfigError extends TesserasError {
  static override readonly name = 'NetworkConfigError'
  static readonly code = 'ERR_NETWORK_CONFIG'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, NetworkConfigError.code, options)
  }
}

/** The dial budget of this tab is spent, or the peer is still backing off. */
export class DialBudgetError extends TesserasError {
  static override readonly name = 'DialBudgetError'
  static readonly code = 'ERR_DIAL_BUDGET'
  constructor (message: string) {
    super(message, DialBudgetError.code)
  }
}

/**
 * A wire message was malformed, too large, or did not arrive in time, or the stream was reset.
 * `status`, when set, is the wire status the receiving side answers with (e.g. `'BAD_MANIFEST'`).
 */
export class ProtocolError extends TesserasError {
  static override readonly name = 'ProtocolError'
  static readonly code = 'ERR_PROTOCOL'
  readonly status?: string
  constructor (message: string, options?: { cause?: unknown, status?: string }) {
    super(message, ProtocolError.code, options)
    if (options?.status != null) this.status = options.status
  }
}

/** We have no direct (unlimited) connection to the peer: fragments never travel over a relay circuit. */
export class PeerUnreachableError extends TesserasError {
  static override readonly name = 'PeerUnreachableError'
  static readonly code = 'ERR_PEER_UNREACHABLE'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, PeerUnreachableError.code, options)
  }
}

/** Bytes a peer sent do not hash to the content id they were asked for (score the peer down). */
export class ChecksumMismatchError extends TesserasError {
  static override readonly name = 'ChecksumMismatchError'
  static readonly code = 'ERR_CHECKSUM_MISMATCH'
  constructor (message: string) {
    super(message, ChecksumMismatchError.code)
  }
}

/** The peer answered with a status other than OK where the port has no way to return it (fetch: BUSY, BAD_REQUEST, INTERNAL). */
export class PeerRefusedError extends TesserasError {
  static override readonly name = 'PeerRefusedError'
  static readonly code = 'ERR_PEER_REFUSED'
  readonly status: string
  constructor (message: string, status: string) {
    super(message, PeerRefusedError.code)
    this.status = status
  }
}

/**
 * Turns anything thrown by a transport into an Error: the WebSockets transport rejects with a
 * DOM `Event` when a relay is unreachable (../shared/PLATFORM-NOTES.md).
 */
export function toError (err: unknown): Error {
  if (err instanceof Error) return err
  if (typeof Event !== 'undefined' && err instanceof Event) return new Error(`${err.type} event from ${String((err.target as { url?: string } | null)?.url ?? 'transport')}`)
  return new Error(typeof err === 'string' ? err : 'unknown network failure')
}
