/**
 * `npm run bench [-- --quick] [-- --json] [-- --suites=rs,aead,hash] [-- --env=node,chromium]`
 *
 * Measures in Node (this process, plus @ronomon/reed-solomon) and in a dedicated Worker in
 * headless Debian Chromium (bundle built with vite's build API, served on 127.0.0.1, driven by
 * playwright-core). Prints a table with ratios to peers measured in the same run, or with
 * `--json` one JSON object per line. In Node 20, relaxed SIMD needs
 * `--experimental-wasm-relaxed-simd`: the Node part re-runs itself with that flag.
 */
import { createServer } from 'node:http'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { aeadSuite, hashSuite, measure, rsSuite } from './suites.js'
import type { BenchOptions, BenchRow } from './suites.js'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const json = args.includes('--json')
const childMode = args.includes('--node-child')
const suites = (args.find(a => a.startsWith('--suites='))?.slice(9) ?? 'rs,aead,hash').split(',')
const envs = (args.find(a => a.startsWith('--env='))?.slice(6) ?? 'node,chromium').split(',')
const oracleWasm = new Uint8Array(readFileSync(require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm')))

const rows: BenchRow[] = []
function emit (row: BenchRow): void {
  rows.push(row)
  if (json || childMode) process.stdout.write(JSON.stringify(row) + '\n')
  else process.stderr.write(`  ${row.env} ${row.suite} ${row.impl} ${row.config}: ${fmt(row.encodeMBps)} / ${fmt(row.decodeMBps)} MB/s\n`)
}
function fmt (x: number | null): string { return x === null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1) }

/** @ronomon/reed-solomon (native, Cauchy matrix: speed only, parity not compatible). */
async function ronomonRows (): Promise<void> {
  let rs: any
  try { rs = require('@ronomon/reed-solomon') } catch (err) {
    emit({ suite: 'rs', impl: 'ronomon-native', env: 'node', config: '10+4', bytes: 0, encodeMBps: null, decodeMBps: null, note: `failed to load: ${(err as Error).message}` })
    return
  }
  const k = 10; const m = 4; const s = 256 * 1024
  const ctx = rs.create(k, m)
  const buffer = Buffer.alloc(k * s)
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 2654435761) >>> 24
  const parity = Buffer.alloc(m * s)
  const run = (sources: number, targets: number) => async () => await new Promise<void>((resolve, reject) => {
    rs.encode(ctx, sources, targets, buffer, 0, k * s, parity, 0, m * s, (err: Error | undefined) => err ? reject(err) : resolve())
  })
  let data = 0; for (let i = 0; i < k; i++) data |= 1 << i
  let par = 0; for (let i = k; i < k + m; i++) par |= 1 << i
  const enc = await measure(k * s, run(data, par), quick)
  let lost = 0; for (let i = 0; i < m; i++) lost |= 1 << i
  const dec = await measure(k * s, run(((data | par) & ~lost) >>> 0, lost), quick)
  emit({ suite: 'rs', impl: 'ronomon-native', env: 'node', config: '10+4', bytes: k * s, encodeMBps: enc, decodeMBps: dec, note: 'native addon, threadpool callback; its max is k 24, m 6' })
}

async function nodeRows (): Promise<void> {
  const hasRelaxedFlag = process.execArgv.includes('--experimental-wasm-relaxed-simd')
  if (!childMode && !hasRelaxedFlag) {
    // Re-run the Node part with relaxed SIMD enabled; collect its JSON lines.
    const res = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', fileURLToPath(import.meta.url), '--node-child', ...args.filter(a => a !== '--json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
    if (res.status !== 0) throw new Error(`node child exited with ${res.status}`)
    for (const line of res.stdout.split('\n')) if (line.trim().startsWith('{')) emit(JSON.parse(line) as BenchRow)
    return
  }
  const opts: BenchOptions = { env: 'node', quick, oracleWasm, onRow: emit }
  if (suites.includes('rs')) { await rsSuite(opts); await ronomonRows() }
  if (suites.includes('aead')) await aeadSuite(opts)
  if (suites.includes('hash')) await hashSuite(opts)
}

async function chromiumRows (): Promise<void> {
  const { build } = await import('vite')
  const outDir = mkdtempSync(join(tmpdir(), 'tesseras-bench-'))
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        minify: false,
        target: 'esnext',
        lib: { entry: join(here, 'worker-entry.ts'), formats: ['es'], fileName: () => 'worker.js' }
      }
    })
    const page = '<!doctype html><meta charset="utf-8"><title>bench</title>'
    const server = createServer((req, res) => {
      if (req.url === '/worker.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(readFileSync(join(outDir, 'worker.js')))
      } else { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page) }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
    try {
      const p = await browser.newPage()
      await p.exposeFunction('benchRow', (row: BenchRow) => emit(row))
      await p.goto(`http://127.0.0.1:${port}/`)
      const result = await p.evaluate(async ({ suites, quick, oracle }) => await new Promise<string>((resolve) => {
        const w = new Worker('/worker.js', { type: 'module' })
        w.onmessage = (ev) => {
          const d = ev.data
          if (d.row !== undefined) void (globalThis as any).benchRow(d.row)
          else if (d.done === true) resolve('ok')
          else if (d.error !== undefined) resolve(String(d.error))
        }
        w.onerror = (ev) => resolve(`worker error: ${ev.message}`)
        w.postMessage({ suites, quick, oracleWasm: new Uint8Array(oracle) })
      }), { suites, quick, oracle: Array.from(oracleWasm) })
      if (result !== 'ok') throw new Error(`chromium worker: ${result}`)
    } finally {
      await browser.close()
      server.close()
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

function table (): string {
  const lines: string[] = []
  const peer = (r: BenchRow): BenchRow | undefined => rows.find(p => p.env === r.env && p.config === r.config && p.impl === 'rse-wasm')
  const ron = rows.find(p => p.impl === 'ronomon-native' && p.encodeMBps !== null)
  const head = ['suite', 'env', 'config', 'impl', 'encode MB/s', 'decode MB/s', 'vs rse-wasm enc/dec', 'vs ronomon enc/dec']
  const body = rows.map(r => {
    const pr = r.suite === 'rs' ? peer(r) : undefined
    const ratio = (a: number | null, b: number | null | undefined): string => (a === null || b == null ? '-' : `${(a / b).toFixed(2)}×`)
    const vsRse = pr !== undefined && r.impl !== 'rse-wasm' ? `${ratio(r.encodeMBps, pr.encodeMBps)} / ${ratio(r.decodeMBps, pr.decodeMBps)}` : ''
    const vsRon = r.suite === 'rs' && r.config === '10+4' && ron !== undefined && r.impl !== 'ronomon-native' ? `${ratio(r.encodeMBps, ron.encodeMBps)} / ${ratio(r.decodeMBps, ron.decodeMBps)}` : ''
    return [r.suite, r.env, r.config, r.impl, fmt(r.encodeMBps), fmt(r.decodeMBps), vsRse, vsRon]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)))
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |'
  lines.push(line(head), '| ' + widths.map(w => '-'.repeat(w)).join(' | ') + ' |', ...body.map(line))
  return lines.join('\n')
}

async function main (): Promise<void> {
  if (envs.includes('node') || childMode) await nodeRows()
  if (childMode) return
  if (envs.includes('chromium')) await chromiumRows()
  if (!json) {
    process.stdout.write(table() + '\n')
    process.stdout.write('MB = 10^6 bytes of payload; decode = reconstruct after losing m data shards (AEAD: decrypt; hash: one column).\n')
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
