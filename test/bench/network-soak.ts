/**
 * Soak measurement (a program, not a test): one relay + the app, N+1 browser contexts on the
 * URL; once the measured tab is directly connected to all N others, samples its JS heap and the
 * browser's renderer memory for the given time. Run inside the private network namespace:
 *
 *   npm run build && sh test/netns.sh npx tsx test/bench/network-soak.ts --peers=10 --minutes=30
 */
import { chromium, type Page } from '@playwright/test'
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'

const arg = (name: string, fallback: number): number => Number(process.argv.find(a => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const PEERS = arg('peers', 10)
const MINUTES = arg('minutes', 30)
const PORT = 4195

function guardIce (): void {
  const original = RTCPeerConnection.prototype.addIceCandidate
  RTCPeerConnection.prototype.addIceCandidate = function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | null, ...rest: unknown[]) {
    const address = (candidate?.candidate ?? '').split(' ')[4]
    if (address != null && !/^10\.99\.0\.\d{1,3}$/.test(address)) return Promise.resolve()
    return (original as (...a: unknown[]) => Promise<void>).call(this, candidate, ...rest)
  } as typeof original
}

/** RSS (MB) of every Chromium renderer process. */
function rendererRss (): number[] {
  const out: number[] = []
  for (const pid of readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmd.includes('chromium') || !cmd.includes('--type=renderer')) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (rss != null) out.push(Number(rss[1]) / 1024)
    } catch { /* gone */ }
  }
  return out
}

async function directCount (page: Page): Promise<number> {
  return await page.locator('[data-testid="peer"][data-kind="webrtc"]').count()
}

async function main (): Promise<void> {
  const server = spawn('npx', ['tsx', 'src/relay/serve-app.ts', '--port', String(PORT), '--data-dir', '.tmp/soak-relay'], { stdio: 'ignore', detached: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    for (let i = 0; i < 60; i++) {
      if (await fetch(`http://127.0.0.1:${PORT}/`).then(r => r.ok, () => false)) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    const pages: Page[] = []
    for (let i = 0; i <= PEERS; i++) {
      const ctx = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}` })
      await ctx.addInitScript(guardIce)
      const page = await ctx.newPage()
      await page.goto('/network')
      pages.push(page)
    }
    const measured = pages[0]
    const started = Date.now()
    while (await directCount(measured) < PEERS) {
      if (Date.now() - started > 5 * 60_000) {
        console.log(`! only ${await directCount(measured)} of ${PEERS} peers connected directly after 5 minutes; measuring anyway`)
        break
      }
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
    console.log(`${await directCount(measured)} of ${PEERS} peers direct after ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const cdp = await measured.context().newCDPSession(measured)
    await cdp.send('Performance.enable')
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage').catch(() => {})
      const { metrics } = await cdp.send('Performance.getMetrics')
      return (metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1e6
    }
    const rows: string[] = []
    const sample = async (minute: number): Promise<void> => {
      const rss = rendererRss()
      rows.push(`| ${minute} | ${await directCount(measured)} | ${(await heap()).toFixed(1)} | ${Math.max(...rss).toFixed(0)} | ${(rss.reduce((a, b) => a + b, 0) / rss.length).toFixed(0)} |`)
      console.log(rows[rows.length - 1])
    }
    console.log('| minute | direct peers | measured tab JS heap MB (after GC) | largest renderer RSS MB | mean renderer RSS MB |')
    console.log('| --- | --- | --- | --- | --- |')
    await sample(0)
    for (let m = 1; m <= MINUTES; m++) {
      await new Promise(resolve => setTimeout(resolve, 60_000))
      if (m % 5 === 0 || m === 1 || m === MINUTES) await sample(m)
    }
  } finally {
    await browser.close()
    try { process.kill(-(server.pid as number)) } catch { /* already gone */ }
  }
}

await main()
