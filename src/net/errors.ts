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

/** A wire message was malformed, too large, or did not arrive in time. */
export class ProtocolError extends TesserasError {
  static override readonly name = 'ProtocolError'
  static readonly code = 'ERR_PROTOCOL'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, ProtocolError.code, options)
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
