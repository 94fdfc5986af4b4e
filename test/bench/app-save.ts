/**
 * Measures saving a memory through the real app (a program, not a test): builds nothing,
 * serves `dist/` with `vite preview`, opens Debian Chromium, creates a vault and saves one
 * file of each requested size through the UI. Prints time to save, MB/s, the peak memory
 * of the browser's processes (sum of RSS of every Chromium process, sampled every 100 ms) and of
 * the page's JS heap, and the main thread's long tasks (> 50 ms, the 'longtask' entries)
 * during the save: how many, and the longest.
 *
 *   npx vite build && npx tsx test/bench/app-save.ts [--sizes=100,1000] (MB, 10^6 bytes)
 */
import { chromium } from '@playwright/test'
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'
import { createVault, seededBytes } from '../e2e/helpers.js'

const PORT = 4190
const sizes = (process.argv.find(a => a.startsWith('--sizes='))?.slice(8) ?? '100,1000').split(',').map(Number)

/** Sum of RSS (bytes) of processes whose command line mentions the profile dir. */
function browserRss (marker: string): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmd.includes(marker)) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (rss != null) total += Number(rss[1]) * 1024
    } catch { /* process ended */ }
  }
  return total
}

async function writeFixture (path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path)
  const block = seededBytes(8 * 1000 * 1000, 11)
  for (let written = 0; written < bytes; written += block.length) {
    if (!out.write(block.subarray(0, Math.min(block.length, bytes - written)))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

async function main (): Promise<void> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true })
  await new Promise(resolve => setTimeout(resolve, 2500))
  const dir = mkdtempSync(join(tmpdir(), 'tesseras-app-save-'))
  const profile = join(dir, 'profile')
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, baseURL: `http://127.0.0.1:${PORT}` })
  const rows: string[] = []
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage()
    // Every long task from here on, as [start, duration] in the page's clock.
    await page.addInitScript(() => {
      const tasks: Array<[number, number]> = []
      ;(globalThis as unknown as { longTasks: typeof tasks }).longTasks = tasks
      new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push([e.startTime, e.duration]) }).observe({ type: 'longtask', buffered: true })
    })
    await createVault(page)
    const cdp = await ctx.newCDPSession(page)
    await cdp.send('Performance.enable')
    for (const mb of sizes) {
      const path = join(dir, `memory-${mb}MB.bin`)
      await writeFixture(path, mb * 1e6)
      await page.goto('/new')
      await page.locator('input[type=file]').setInputFiles(path)
      await page.getByLabel('Title').fill(`${mb} MB`)
      const base = browserRss(profile)
      let peakRss = base
      let peakHeap = 0
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, browserRss(profile))
        void cdp.send('Performance.getMetrics').then(({ metrics }) => {
          const heap = metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0
          peakHeap = Math.max(peakHeap, heap)
        }, () => {})
      }, 100)
      const pageStart = await page.evaluate(() => performance.now())
      const started = performance.now()
      await page.getByRole('button', { name: 'Save memory' }).click()
      await page.getByRole('heading', { level: 1, name: `${mb} MB` }).waitFor({ timeout: 15 * 60_000 })
      const seconds = (performance.now() - started) / 1000
      clearInterval(sampler)
      const pageEnd = await page.evaluate(() => performance.now())
      const long = await page.evaluate(([from, to]) => (globalThis as unknown as { longTasks: Array<[number, number]> }).longTasks.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms), [pageStart, pageEnd])
      rows.push(`| ${mb} MB | ${seconds.toFixed(1)} s | ${(mb / seconds).toFixed(1)} MB/s | ${((peakRss - base) / 1e6).toFixed(0)} MB over ${(base / 1e6).toFixed(0)} MB | ${(peakHeap / 1e6).toFixed(0)} MB | ${long.length}${long.length > 0 ? ` (longest ${Math.max(...long).toFixed(0)} ms)` : ''} |`)
      rmSync(path)
    }
  } finally {
    await ctx.close()
    process.kill(-(server.pid as number)) // the whole group: npx and the vite it started
    rmSync(dir, { recursive: true, force: true })
  }
  console.log('| memory | save time | rate | browser RSS peak (extra) | page JS heap peak | main-thread tasks > 50 ms |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const r of rows) console.log(r)
}

await main()
