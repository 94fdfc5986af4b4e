/**
 * Striped coding: a stripe is a column range [start, end) across all k + m shards of a payload
 * laid out as in ./layout.ts. Reed-Solomon works column by column, so encoding stripe after
 * stripe gives exactly the parity of encoding whole shards, while memory stays at
 * (k + m) · stripeBytes — 6 MiB for 16+8 and 18 MiB for 48+24 at the default 256 KiB.
 *
 * [Note: Striped coding]
 * Storing: for each stripe, fill the data columns (`loadPayload`, or write the byte ranges of
 * `dataRanges` straight into `columns(i)`), `encodeStripe`, then append each parity column to
 * its shard. Rebuilding: put the present shards' columns in, `reconstructStripe`, append the
 * restored columns. Stripes are independent, so a pool may code different stripes in parallel.
 */
import { shardBytesFor } from './layout.js'
import { ShardSizeMismatchError } from './errors.js'
import type { ReconstructOptions, ReedSolomon, ShardWorkspace } from './reed-solomon.js'

/** Default stripe width: columns (bytes of each shard) per stripe. */
export const DEFAULT_STRIPE_BYTES = 256 * 1024

/**
 * The whole payload, or a synchronous reader that fills `into` with payload bytes
 * [payloadOffset, payloadOffset + into.length) (always within the payload).
 */
export type PayloadSource = Uint8Array | ((payloadOffset: number, into: Uint8Array) => void)

/** Options of {@link createStripedCoder}. */
export interface StripedCoderOptions {
  /** Columns per stripe (bytes of each shard), ≥ 1. Default {@link DEFAULT_STRIPE_BYTES}. */
  stripeBytes?: number
}

/** Where the data of one stripe comes from: payload bytes [payloadStart, payloadEnd) fill the start of data column `shard`; the rest of the column is zero padding. */
export interface StripeDataRange {
  shard: number
  payloadStart: number
  payloadEnd: number
}

/** A coder for one payload, stripe by stripe. Reuses one workspace: not re-entrant. */
export interface StripedCoder {
  /** Payload length in bytes. */
  readonly payloadBytes: number
  /** Shard size S = ceil(payloadBytes / k). */
  readonly shardBytes: number
  /** Columns per stripe (the last stripe may be narrower). */
  readonly stripeBytes: number
  /** Number of stripes, ceil(S / stripeBytes) (0 for an empty payload). */
  readonly stripeCount: number
  /** Column range [start, end) of stripe `index`. */
  stripe: (index: number) => { start: number, end: number }
  /** Payload byte ranges of the data columns of stripe `index`, one per data shard. */
  dataRanges: (index: number) => StripeDataRange[]
  /**
   * The k + m column views of stripe `index` in the coder's workspace (WebAssembly memory when
   * SIMD is used): write data here to avoid copies. Valid until the next call on this coder.
   */
  columns: (index: number) => Uint8Array[]
  /** Fills the data columns of stripe `index` from the payload, zero-padding past its end. */
  loadPayload: (index: number, payload: PayloadSource) => void
  /**
   * Encodes stripe `index` and returns its m parity column views (valid until the next call).
   * @param dataColumns - the k data columns; omit when they were written via `columns`/`loadPayload`
   * @throws {ShardSizeMismatchError} when a column is not the stripe's width
   */
  encodeStripe: (index: number, dataColumns?: readonly Uint8Array[]) => Uint8Array[]
  /**
   * Restores the missing (`undefined`/`null`) columns of stripe `index` and returns all k + m
   * column views (valid until the next call). With `dataOnly`, views of missing parity are
   * left unspecified. Entries that are the coder's own views are not copied.
   * @throws {TooManyErasuresError} when fewer than k columns are present
   * @throws {ShardSizeMismatchError} when a column is not the stripe's width
   */
  reconstructStripe: (index: number, columns: ReadonlyArray<Uint8Array | undefined | null>, options?: ReconstructOptions) => Uint8Array[]
}

/**
 * Creates a {@link StripedCoder} for a payload of `payloadBytes` coded with `rs`.
 * See [Note: Striped coding].
 * @param rs - the Reed-Solomon coder (k, m)
 * @param payloadBytes - payload length in bytes
 * @throws {RangeError} for a negative payload length or a stripe width < 1
 * @example
 * ```ts
 * const sc = createStripedCoder(createReedSolomon(16, 8), payload.length)
 * for (let i = 0; i < sc.stripeCount; i++) {
 *   sc.loadPayload(i, payload)
 *   const parity = sc.encodeStripe(i) // append parity[j] to parity shard j
 * }
 * ```
 */
export function createStripedCoder (rs: ReedSolomon, payloadBytes: number, options: StripedCoderOptions = {}): StripedCoder {
  const k = rs.dataShards
  const n = rs.totalShards
  const shardBytes = shardBytesFor(payloadBytes, k)
  const stripeBytes = options.stripeBytes ?? DEFAULT_STRIPE_BYTES
  if (!Number.isSafeInteger(stripeBytes) || stripeBytes < 1) {
    throw new RangeError(`options.stripeBytes: expected a positive integer, got ${stripeBytes}`)
  }
  const stripeCount = Math.ceil(shardBytes / stripeBytes)
  let ws: ShardWorkspace | undefined
  const workspace = (): ShardWorkspace => (ws ??= rs.createWorkspace(Math.min(stripeBytes, shardBytes)))

  const stripe = (index: number): { start: number, end: number } => {
    if (!Number.isInteger(index) || index < 0 || index >= stripeCount) {
      throw new RangeError(`index: expected an integer in [0, ${stripeCount}), got ${index}`)
    }
    const start = index * stripeBytes
    return { start, end: Math.min(shardBytes, start + stripeBytes) }
  }

  const columns = (index: number): Uint8Array[] => {
    const { start, end } = stripe(index)
    return workspace().shards.map(v => v.subarray(0, end - start))
  }

  const dataRanges = (index: number): StripeDataRange[] => {
    const { start, end } = stripe(index)
    return Array.from({ length: k }, (_, shard) => {
      const base = shard * shardBytes
      const payloadStart = Math.min(payloadBytes, base + start)
      return { shard, payloadStart, payloadEnd: Math.min(payloadBytes, base + end) }
    })
  }

  const loadPayload = (index: number, payload: PayloadSource): void => {
    if (payload instanceof Uint8Array) {
      if (payload.length !== payloadBytes) throw new RangeError(`payload: expected ${payloadBytes} bytes, got ${payload.length}`)
    } else if (typeof payload !== 'function') {
      throw new TypeError('payload: expected a Uint8Array or a reader function')
    }
    const cols = columns(index)
    for (const r of dataRanges(index)) {
      const col = cols[r.shard]
      const len = r.payloadEnd - r.payloadStart
      if (len > 0) {
        if (payload instanceof Uint8Array) col.set(payload.subarray(r.payloadStart, r.payloadEnd))
        else payload(r.payloadStart, col.subarray(0, len))
      }
      if (len < col.length) col.fill(0, len)
    }
  }

  const copyIn = (view: Uint8Array, col: Uint8Array, name: string): void => {
    if (!(col instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array`)
    if (col.length !== view.length) throw new ShardSizeMismatchError(`${name}: expected ${view.length} bytes, got ${col.length}`)
    if (col.buffer !== view.buffer || col.byteOffset !== view.byteOffset) view.set(col)
  }

  const encodeStripe = (index: number, dataColumns?: readonly Uint8Array[]): Uint8Array[] => {
    const cols = columns(index)
    if (dataColumns !== undefined) {
      if (!Array.isArray(dataColumns) || dataColumns.length !== k) {
        throw new RangeError(`dataColumns: expected ${k} columns, got ${Array.isArray(dataColumns) ? dataColumns.length : typeof dataColumns}`)
      }
      dataColumns.forEach((c, i) => copyIn(cols[i], c, `dataColumns[${i}]`))
    }
    workspace().encode(cols[0]?.length ?? 0)
    return cols.slice(k)
  }

  const reconstructStripe = (index: number, given: ReadonlyArray<Uint8Array | undefined | null>, o: ReconstructOptions = {}): Uint8Array[] => {
    if (!Array.isArray(given) || given.length !== n) {
      throw new RangeError(`columns: expected ${n} entries, got ${Array.isArray(given) ? given.length : typeof given}`)
    }
    const cols = columns(index)
    const present = given.map(c => c != null)
    given.forEach((c, i) => { if (c != null) copyIn(cols[i], c, `columns[${i}]`) })
    workspace().reconstruct(present, { dataOnly: o.dataOnly, length: cols[0]?.length ?? 0 })
    return cols
  }

  return { payloadBytes, shardBytes, stripeBytes, stripeCount, stripe, dataRanges, columns, loadPayload, encodeStripe, reconstructStripe }
}
