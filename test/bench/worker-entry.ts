/**
 * Chromium dedicated-worker entry of the benchmark: runs the suites named in the first message
 * and posts each row back as it is measured, then `{ done: true }`.
 */
import { aeadSuite, hashSuite, rsSuite } from './suites.js'
import type { BenchOptions, BenchRow } from './suites.js'

interface Start { suites: string[], quick: boolean, oracleWasm: Uint8Array, rsConfigs?: string[] }

self.onmessage = async (ev: MessageEvent<Start>) => {
  const { suites, quick, oracleWasm, rsConfigs } = ev.data
  const opts: BenchOptions = { env: 'chromium-worker', quick, oracleWasm, rsConfigs, onRow: (row: BenchRow) => self.postMessage({ row }) }
  try {
    if (suites.includes('rs')) await rsSuite(opts)
    if (suites.includes('aead')) await aeadSuite(opts)
    if (suites.includes('hash')) await hashSuite(opts)
    self.postMessage({ done: true })
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) })
  }
}
