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

/** The relay's `anchor` option from `--store-dir`, `--storage` and `--no-storage`; exits with status 2 on a bad value. */
export function anchorOptions (dataDir: string, storeDir: string | undefined, storage: string | undefined, noStorage: boolean): { storeDir: string, offeredStorageBytes?: number } {
  let offered: number | undefined
  try {
    offered = noStorage ? 0 : storage === undefined ? undefined : parseBytes(storage)
  } catch (err) {
    console.error(`--storage: ${(err as Error).message}`)
    process.exit(2)
  }
  return { storeDir: storeDir ?? join(dataDir, STORE_DIR), offeredStorageBytes: offered }
}
