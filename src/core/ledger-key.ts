/**
 * The reciprocity ledger's fragment keys, shared by every ledger adapter ([Note: Reciprocity]).
 */
import type { FragmentId } from './types.js'

/** The ledger key of a fragment: every field of the id, so distinct ids never collide. */
export function ledgerFragmentKey (id: FragmentId): string {
  return `${id.tesseraHashHex}/${id.index}/${id.shardCount}/${id.checksumHex}`
}

/**
 * The start of the ledger key of every fragment of a tessera ({@link ledgerFragmentKey}).
 * @throws TypeError when `tesseraHashHex` is empty or not a plain string
 */
export function tesseraLedgerPrefix (tesseraHashHex: string): string {
  if (typeof tesseraHashHex !== 'string' || tesseraHashHex.length === 0 || tesseraHashHex.includes('/')) {
    throw new TypeError('tesseraHashHex: expected a tessera hash in hex')
  }
  return `${tesseraHashHex}/`
}
