/**
 * Errors of recovery from the phrase ([Note: Recovery] in ./recovery.ts). Same rules as
 * ./errors.ts (STYLE §4): static and instance `name`, a stable `code`, branch on `name`/`code`.
 */
import { TesserasError } from '../core/errors.js'

/** No holder answered with any manifest of the vault (or every one offered was forged). */
export class VaultNotFoundError extends TesserasError {
  static override readonly name = 'VaultNotFoundError'
  static readonly code = 'ERR_VAULT_NOT_FOUND'
  /** Holders asked for the vault's manifests. */
  readonly asked: number
  /** Manifests dropped because they did not verify against the vault. */
  readonly rejected: number
  constructor (asked: number, rejected: number) {
    super(`no holder has memories of this vault (asked ${asked} holder${asked === 1 ? '' : 's'}${rejected > 0 ? `, ${rejected} forged manifest${rejected === 1 ? '' : 's'} dropped` : ''})`, VaultNotFoundError.code)
    this.asked = asked
    this.rejected = rejected
  }
}

/**
 * Fewer than k verified shards of a tessera could be fetched. The shards already fetched are
 * kept by the recovery session, so a retry fetches only the rest.
 */
export class NotEnoughFragmentsError extends TesserasError {
  static override readonly name = 'NotEnoughFragmentsError'
  static readonly code = 'ERR_NOT_ENOUGH_FRAGMENTS'
  /** Distinct verified shards fetched so far. */
  readonly found: number
  /** Shards needed to rebuild (k). */
  readonly needed: number
  /** Shards that exist (k + m). */
  readonly total: number
  /** Holders asked, in the order they were tried. */
  readonly tried: string[]
  /** Holders that served bytes not matching the manifest. */
  readonly bad: string[]
  constructor (init: { found: number, needed: number, total: number, tried: string[], bad: string[] }) {
    const who = init.tried.length === 0 ? 'no holder was reachable' : `tried ${init.tried.length} holder${init.tried.length === 1 ? '' : 's'}: ${init.tried.join(', ')}`
    super(`not enough fragments: got ${init.found} of the ${init.needed} needed (${init.total} exist); ${who}`, NotEnoughFragmentsError.code)
    this.found = init.found
    this.needed = init.needed
    this.total = init.total
    this.tried = [...init.tried]
    this.bad = [...init.bad]
  }
}
