/**
 * Command-line options shared by `src/relay/main.ts` and `src/relay/serve-app.ts`.
 */
import { join } from 'node:path'
import { STORE_DIR } from './relay.js'

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/**
 * Parses a byte count: `1073741824`, `512M`, `1G`, `1.5g`.
 * @throws RangeError for anything else
 */
export function parseBytes (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text)
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()]
  const n = m == null || unit === undefined ? NaN : Math.floor(Number(m[1]) * unit)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a byte count such as 1G or 512M, got "${text}"`)
  return n
}

/** Bytes for people: "1 GiB", "512 MiB". */
export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses a duration: `24h`, `90m`, `30s`, `1d`, `1.5h`, `500ms`; a bare number is milliseconds.
 * @returns milliseconds
 * @throws RangeError for anything else
 */
export function parseDuration (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text)
  const unit = DURATION_UNITS[(m?.[2] ?? 'ms').toLowerCase()]
  const n = m == null || unit === undefined ? NaN : Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a duration such as 24h, 90m or 30s, got "${text}"`)
  return n
}

/**
 * The relay's `anchor` option from `--store-dir`, `--storage`, `--no-storage`,
 * `--repair-interval` (at least 1 s) and `--holder-grace`; exits with status 2 on a bad value.
 */
export function anchorOptions (dataDir: string, storeDir: string | undefined, storage: string | undefined, noStorage: boolean,
  repairInterval?: string, holderGrace?: string): { storeDir: string, offeredStorageBytes?: number, repairIntervalMs?: number, holderGraceMs?: number } {
  let offered: number | undefined
  try {
    offered = noStorage ? 0 : storage === undefined ? undefined : parseBytes(storage)
  } catch (err) {
    console.error(`--storage: ${(err as Error).message}`)
    process.exit(2)
  }
  let repairIntervalMs: number | undefined
  try {
    repairIntervalMs = repairInterval === undefined ? undefined : parseDuration(repairInterval)
    if (repairIntervalMs !== undefined && repairIntervalMs < 1000) throw new RangeError(`expected at least 1s, got "${String(repairInterval)}"`)
  } catch (err) {
    console.error(`--repair-interval: ${(err as Error).message}`)
    process.exit(2)
  }
  let holderGraceMs: number | undefined
  try {
    holderGraceMs = holderGrace === undefined ? undefined : parseDuration(holderGrace)
  } catch (err) {
    console.error(`--holder-grace: ${(err as Error).message}`)
    process.exit(2)
  }
  return { storeDir: storeDir ?? join(dataDir, STORE_DIR), offeredStorageBytes: offered, repairIntervalMs, holderGraceMs }
}
