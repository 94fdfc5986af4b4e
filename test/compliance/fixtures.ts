/**
 * Test data for the compliance suites. Portable: runs in Node and in a browser (no Node APIs).
 */
import type { TesseraRecord } from '../../src/core/ports.js'
import type { FragmentId } from '../../src/core/types.js'

/** `n` random bytes. */
export function randomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  return out
}

/** Lowercase hex. */
export function hex (bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

/** A well-formed record (structurally; nothing is really signed). */
export function makeRecord (init: { savedAt?: number, chunkCount?: number, thumbnailBytes?: number } = {}): TesseraRecord {
  const tesseraHash = randomBytes(32)
  const record: TesseraRecord = {
    hashHex: hex(tesseraHash),
    manifest: {
      formatVersion: 1,
      tesseraHash,
      size: 4096,
      chunkSize: 1024 * 1024,
      tier: 'small',
      k: 1,
      m: 0,
      shardSize: 4096,
      shardChecksums: [randomBytes(32)],
      wrappedKey: randomBytes(72),
      encryptedMetadata: randomBytes(100),
      createdAt: 1_700_000_000_000,
      vaultPublicKey: randomBytes(32),
      signature: randomBytes(64)
    },
    payloadHeader: randomBytes(24),
    chunkCount: init.chunkCount ?? 2,
    savedAt: init.savedAt ?? 1_700_000_000_000
  }
  if (init.thumbnailBytes !== undefined) record.thumbnail = randomBytes(init.thumbnailBytes)
  return record
}

/** Bytes of binary data in a record (what quota-accounting harnesses count). */
export function recordBytes (record: TesseraRecord): number {
  const m = record.manifest
  return m.tesseraHash.length + m.shardChecksums.reduce((n, c) => n + c.length, 0) + m.wrappedKey.length +
    m.encryptedMetadata.length + m.vaultPublicKey.length + m.signature.length +
    record.payloadHeader.length + (record.thumbnail?.length ?? 0)
}

/** A well-formed fragment id for `bytes` (the checksum is random: stores don't verify it). */
export function makeFragmentId (init: { tesseraHashHex?: string, index?: number, shardCount?: number } = {}): FragmentId {
  return {
    tesseraHashHex: init.tesseraHashHex ?? hex(randomBytes(32)),
    index: init.index ?? 0,
    shardCount: init.shardCount ?? 24,
    checksumHex: hex(randomBytes(32))
  }
}

/** An AbortSignal that is already aborted. */
export function abortedSignal (): AbortSignal {
  const controller = new AbortController()
  controller.abort()
  return controller.signal
}

/** Awaits `promise` and returns what it rejected with; fails when it resolves. */
export async function rejection (promise: Promise<unknown>): Promise<Error & { code?: string, cause?: unknown }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** Options every harness `setup` accepts. */
export interface HarnessOptions {
  /**
   * Bytes of binary data (Uint8Array values) the store may accept before a write fails with a
   * quota error. Harnesses count the bytes of every write from setup on; deletes do not give
   * bytes back, so quota tests only write fresh data.
   */
  quotaBytes?: number
}

/** How a compliance suite creates and destroys what it tests. */
export interface SuiteOptions<H> {
  /** Called before each test (and again, with options, by quota tests). */
  setup(options?: HarnessOptions): Promise<H>
  teardown(harness: H): Promise<void>
}
