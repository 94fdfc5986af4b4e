/**
 * `npm run bench [-- --quick] [-- --json] [-- --trace=out.json] [-- --suites=rs,aead,hash,pipeline] [-- --env=node,chromium]
 *   [-- --rs-configs=16+8,48+24] [-- --pipeline-sizes=256] [-- --pipeline-rows=store-2w-memory,store-2w-idb]
 *   [-- --page-console]`
 *
 * Measures in Node (this process, plus @ronomon/reed-solomon) and in a dedicated Worker in
 * headless Debian Chromium (bundle built with vite's build API, served on 127.0.0.1, driven by
 * playwright-core). Prints a table with ratios to peers measured in the same run, or with
 * `--json` one JSON object per line. In Node 20, relaxed SIMD needs
 * `--experimental-wasm-relaxed-simd`: the Node part re-runs itself with that flag.
 */
import { createServer } from 'node:http'
import { readFileSync, readdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { Worker as NodeWorker } from 'node:worker_threads'
import type { AddressInfo } from 'node:net'
import { aeadSuite, hashSuite, measure, rsSuite } from './suites.js'
import type { BenchOptions, BenchRow } from './suites.js'
import { pipelineSuite } from './pipeline.js'
import type { WorkerLike } from '../../src/codec/worker-client.js'
import { MemoryTesseraStore, MemoryVaultStore } from '../../src/store/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const json = args.includes('--json')
const childMode = args.includes('--node-child')
const suites = (args.find(a => a.startsWith('--suites='))?.slice(9) ?? 'rs,aead,hash,pipeline').split(',')
const envs = (args.find(a => a.startsWith('--env='))?.slice(6) ?? 'node,chromium').split(',')
const listArg = (name: string): string[] | undefined => args.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',')
/** Subsets: RS configs ("k+m"), pipeline payload sizes (MiB) and pipeline store rows. */
const rsConfigs = listArg('rs-configs')
const pipelineSizes = listArg('pipeline-sizes')?.map(Number)
const pipelineRows = listArg('pipeline-rows')
const pageConsole = args.includes('--page-console')
/** `--trace=path`: a Chromium trace (every thread of the renderer) of the pipeline suite, for chrome://tracing or test/bench/trace-busy.ts. */
const tracePath = args.find(a => a.startsWith('--trace='))?.slice(8)
/** `--cpu-profile=path`: a V8 CPU profile of the page's main thread during the pipeline suite (.cpuprofile, for DevTools). */
const cpuProfilePath = args.find(a => a.startsWith('--cpu-profile='))?.slice(14)
const oracleWasm = new Uint8Array(readFileSync(require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm')))

const rows: BenchRow[] = []
function emit (row: BenchRow): void {
  rows.push(row)
  if (json || childMode) process.stdout.write(JSON.stringify(row) + '\n')
  else process.stderr.write(`  ${row.env} ${row.suite} ${row.impl} ${row.config}: ${fmt(row.encodeMBps)} / ${fmt(row.decodeMBps)} MB/s${row.ratio !== undefined ? ` (AEAD alone ${fmt(row.aeadMBps ?? null)}, ${(row.ratio * 100).toFixed(0)}%, file read alone ${fmt(row.readMBps ?? null)}, store write alone ${fmt(row.storeWriteMBps ?? null)},${row.bound !== undefined ? ` ${row.bound.cores}-core save bound ${fmt(row.bound.MBps)} (BLAKE3 ${fmt(row.bound.hashMBps)} MB/s, RS ${fmt(row.bound.parityMBps)} MB/s, AEAD ${row.bound.aeadCpuMsPerMB.toFixed(2)} CPU ms/MB; ${(row.encodeMBps ?? 0) / row.bound.MBps * 100 | 0}% of it),` : ''}${row.passMs !== undefined ? ` seal pass ${row.passMs.seal} ms + ${row.passMs.rest} ms,` : ''} peak extra ${fmt(row.peakExtraMB ?? null)} MB${row.aeadPeakExtraMB !== undefined ? ` (AEAD alone ${fmt(row.aeadPeakExtraMB)} MB)` : ''}${row.peakSealMB !== undefined ? `, ${fmt(row.peakSealMB)} MB of it by the end of the seal pass` : ''})` : ''}\n`)
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
    const res = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--node-child', ...args.filter(a => a !== '--json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
    if (res.status !== 0) throw new Error(`node child exited with ${res.status}`)
    for (const line of res.stdout.split('\n')) if (line.trim().startsWith('{')) emit(JSON.parse(line) as BenchRow)
    return
  }
  const opts: BenchOptions = { env: 'node', quick, oracleWasm, onRow: emit, rsConfigs }
  if (suites.includes('rs')) { await rsSuite(opts); await ronomonRows() }
  if (suites.includes('aead')) await aeadSuite(opts)
  if (suites.includes('hash')) await hashSuite(opts)
  if (suites.includes('pipeline')) await nodePipeline()
}

/** A codec worker in a worker thread, adapted to the pool's WorkerLike. */
function nodeCodecWorker (): WorkerLike {
  // Loader hooks from --import do not apply to a worker's .ts entry in Node 20: register tsx first.
  const entry = new URL('./node-codec-worker.ts', import.meta.url).href
  const w = new NodeWorker(`import('tsx/esm/api').then(m => { m.register(); return import(${JSON.stringify(entry)}) })`, { eval: true, execArgv: [] })
  return {
    postMessage: (msg, transfer) => { w.postMessage(msg, (transfer ?? []) as any) },
    addEventListener: (type: 'message' | 'error', fn: (ev: any) => void) => {
      if (type === 'message') w.on('message', data => { fn({ data }) })
      else w.on('error', err => { fn({ message: err.message }) })
    },
    terminate: () => { void w.terminate() }
  } as WorkerLike
}

async function nodePipeline (): Promise<void> {
  let stored = 0
  let baseline = 0
  let peak = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const sample = (): void => { peak = Math.max(peak, process.memoryUsage().rss - baseline - stored) }
  await pipelineSuite({
    env: 'node',
    quick,
    createWorker: nodeCodecWorker,
    cores: availableParallelism(),
    storeKinds: ['memory'],
    sizesMiB: pipelineSizes,
    rows: pipelineRows,
    makeStores: async () => {
      const tesseras = new MemoryTesseraStore()
      const begin = tesseras.begin.bind(tesseras)
      tesseras.begin = async (o) => {
        const writer = await begin(o)
        const put = writer.putChunk.bind(writer)
        writer.putChunk = async (i, bytes, o2) => { await put(i, bytes, o2); stored += bytes.length }
        return writer
      }
      stored = 0
      return { tesseras, vault: new MemoryVaultStore(), storedBytes: () => stored, close: async () => {} }
    },
    memoryStart: async () => {
      (globalThis as any).gc?.()
      stored = 0
      baseline = process.memoryUsage().rss
      peak = 0
      timer = setInterval(sample, 10)
    },
    memoryStop: async () => { clearInterval(timer); sample(); return peak },
    cpuSeconds: async () => { const { user, system } = process.cpuUsage(); return (user + system) / 1e6 },
    onRow: emit
  })
}

/**
 * Pids of the renderer processes below this process (the page and its workers). Found once per
 * measurement: walking all of /proc every 20 ms cost the machine ~15% of a core during a save,
 * time the pipeline lost and the AEAD-alone run (not sampled) did not.
 */
function rendererPids (): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch { /* the process exited meanwhile */ }
  }
  const out: number[] = []
  const stack = [...(children.get(process.pid) ?? [])]
  while (stack.length > 0) {
    const pid = stack.pop() as number
    stack.push(...(children.get(pid) ?? []))
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) out.push(pid)
    } catch { /* exited */ }
  }
  return out
}

/** Resident bytes of `pids`. */
function rssOf (pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m != null) total += Number(m[1]) * 1024
    } catch { /* exited */ }
  }
  return total
}

/** CPU seconds used so far by `pids`, all their threads (/proc/<pid>/stat utime + stime, in USER_HZ = 100 ticks per second on Linux). */
function cpuOf (pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch { /* exited */ }
  }
  return ticks / 100
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
        lib: {
          entry: { worker: join(here, 'worker-entry.ts'), page: join(here, 'pipeline-page.ts'), codec: join(here, '../../workers/codec.worker.ts') },
          formats: ['es'],
          fileName: (_format, name) => `${name}.js`
        }
      }
    })
    const page = '<!doctype html><meta charset="utf-8"><title>bench</title><input type="file" id="bench-file" aria-label="bench file">'
    const server = createServer((req, res) => {
      const file = join(outDir, (req.url ?? '/').split('?')[0])
      if (req.url !== '/' && file.startsWith(outDir) && existsSync(file)) {
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' }); res.end(readFileSync(file))
      } else { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page) }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // Extra flags for profiling runs, e.g. BENCH_CHROMIUM_ARGS='--js-flags=--perf-basic-prof' with `perf record`.
        ...(process.env.BENCH_CHROMIUM_ARGS?.split(' ').filter(a => a !== '') ?? [])]
    })
    try {
      const p = await browser.newPage()
      await p.exposeFunction('benchRow', (row: BenchRow) => emit(row))
      if (pageConsole) p.on('console', msg => { process.stderr.write(`  [page] ${msg.text()}\n`) })
      await p.goto(`http://127.0.0.1:${port}/`)
      const result = await p.evaluate(async ({ suites, quick, oracle, rsConfigs }) => await new Promise<string>((resolve) => {
        const w = new Worker('/worker.js', { type: 'module' })
        w.onmessage = (ev) => {
          const d = ev.data
          if (d.row !== undefined) void (globalThis as any).benchRow(d.row)
          else if (d.done === true) resolve('ok')
          else if (d.error !== undefined) resolve(String(d.error))
        }
        w.onerror = (ev) => resolve(`worker error: ${ev.message}`)
        w.postMessage({ suites, quick, oracleWasm: new Uint8Array(oracle), rsConfigs })
      }), { suites: suites.filter(s => s !== 'pipeline'), quick, oracle: Array.from(oracleWasm), rsConfigs })
      if (result !== 'ok') throw new Error(`chromium worker: ${result}`)
      if (suites.includes('pipeline')) {
        let baseline = 0
        let peak = 0
        let timer: ReturnType<typeof setInterval> | undefined
        let pids: number[] = []
        await p.exposeFunction('memStart', () => { pids = rendererPids(); baseline = rssOf(pids); peak = 0; timer = setInterval(() => { peak = Math.max(peak, rssOf(pids) - baseline) }, 20) })
        await p.exposeFunction('memPeek', () => Math.max(peak, rssOf(pids) - baseline))
        // Files as a person picks them: on disk (a Blob built in the page would live in the
        // browser's blob memory, whose slices are copied and which refuses reads past its limit).
        await p.exposeFunction('benchFile', async (mib: number, seed: number) => {
          const path = join(outDir, `bench-${mib}-${seed}.bin`)
          const data = new Uint8Array(mib * 1024 * 1024)
          let x = seed | 1
          const words = new Uint32Array(data.buffer)
          for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x }
          writeFileSync(path, data)
          await p.setInputFiles('#bench-file', path)
        })
        await p.exposeFunction('memStop', () => { clearInterval(timer); peak = Math.max(peak, rssOf(pids) - baseline); return peak })
        await p.exposeFunction('cpuSeconds', () => cpuOf(rendererPids()))
        if (tracePath !== undefined) await browser.startTracing(p, { path: tracePath, categories: ['devtools.timeline', 'blink.user_timing', 'toplevel', 'v8', 'disabled-by-default-v8.cpu_profiler'] })
        const cdp = cpuProfilePath !== undefined ? await p.context().newCDPSession(p) : undefined
        if (cdp !== undefined) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start') }
        const res = await p.evaluate(async (opts) => {
          const mod = await import('/page.js' as string)
          return await mod.runPipeline(opts) as string
        }, { quick, sizesMiB: pipelineSizes, rows: pipelineRows })
        if (tracePath !== undefined) await browser.stopTracing()
        if (cdp !== undefined && cpuProfilePath !== undefined) writeFileSync(cpuProfilePath, JSON.stringify((await cdp.send('Profiler.stop')).profile))
        if (res !== 'ok') throw new Error(`chromium pipeline: ${res}`)
      }
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
  /** The peer library each suite's rows are compared with (same env and config, same run). */
  const PEERS: Partial<Record<BenchRow['suite'], string>> = { rs: 'rse-wasm', hash: 'hash-wasm-blake3' }
  const peer = (r: BenchRow): BenchRow | undefined => rows.find(p => p.env === r.env && p.config === r.config && p.impl === PEERS[r.suite])
  const ron = rows.find(p => p.impl === 'ronomon-native' && p.encodeMBps !== null)
  const head = ['suite', 'env', 'config', 'impl', 'encode MB/s', 'decode MB/s', 'vs peer (rse-wasm / hash-wasm)', 'vs ronomon enc/dec', 'AEAD alone MB/s', 'vs AEAD', 'save bound MB/s', 'vs bound', 'store write alone MB/s', 'peak extra MB (AEAD alone)']
  const body = rows.map(r => {
    const pr = peer(r)
    const ratio = (a: number | null, b: number | null | undefined): string => (a === null || b == null ? '-' : `${(a / b).toFixed(2)}×`)
    const vsRse = pr === undefined || pr === r ? '' : r.suite === 'hash' ? ratio(r.encodeMBps, pr.encodeMBps) : `${ratio(r.encodeMBps, pr.encodeMBps)} / ${ratio(r.decodeMBps, pr.decodeMBps)}`
    const vsRon = r.suite === 'rs' && r.config === '10+4' && ron !== undefined && r.impl !== 'ronomon-native' ? `${ratio(r.encodeMBps, ron.encodeMBps)} / ${ratio(r.decodeMBps, ron.decodeMBps)}` : ''
    const pipe = r.suite === 'pipeline'
      ? [fmt(r.aeadMBps ?? null), r.ratio !== undefined ? `${(r.ratio * 100).toFixed(0)}%` : '', r.bound !== undefined ? fmt(r.bound.MBps) : '', r.bound !== undefined ? `${((r.encodeMBps ?? 0) / r.bound.MBps * 100).toFixed(0)}%` : '', r.storeWriteMBps !== undefined ? fmt(r.storeWriteMBps) : '', r.peakExtraMB !== undefined ? `${fmt(r.peakExtraMB)}${r.aeadPeakExtraMB !== undefined ? ` (AEAD alone ${fmt(r.aeadPeakExtraMB)})` : ''}` : '']
      : ['', '', '', '', '', '']
    return [r.suite, r.env, r.config, r.impl, fmt(r.encodeMBps), fmt(r.decodeMBps), vsRse, vsRon, ...pipe]
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
