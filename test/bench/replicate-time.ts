/**
 * Replication measurement (a program, not a test): the relay/anchor + app, N browser holders
 * and one owner on the URL; the owner saves a memory of the given size through the UI and the
 * program prints the time from "Save" to `Replicated`, then each holder tab's JS heap and
 * IndexedDB usage. Run inside the private network namespace:
 *
 *   npm run build && sh test/netns.sh npx tsx test/bench/replicate-time.ts --peers=8 --mb=100
 */
import { chromium, type Page } from '@playwright/test'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'
import { guardIce } from '../e2e/namespace.js'
import { createVault, seededBytes } from '../e2e/helpers.js'

const arg = (name: string, fallback: number): number => Number(process.argv.find(a => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const PEERS = arg('peers', 8)
const MB = arg('mb', 10)
const PORT = 4197
const TIMEOUT_MS = 15 * 60_000

async function until (what: string, check: () => Promise<boolean>, ms = TIMEOUT_MS): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

async function meshPeerCount (page: Page): Promise<number> {
  return await page.evaluate(() => (globalThis as unknown as { tesseras?: { mesh?: { network: { peers: () => unknown[] } } } }).tesseras?.mesh?.network.peers().length ?? 0)
}

async function main (): Promise<void> {
  const server = spawn('npx', ['tsx', 'src/relay/serve-app.ts', '--port', String(PORT), '--data-dir', mkdtempSync(join(tmpdir(), 'tesseras-rt-'))], { stdio: 'ignore', detached: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    await until('the app server', async () => await fetch(`http://127.0.0.1:${PORT}/`).then(r => r.ok, () => false), 60_000)
    const open = async (path: string): Promise<Page> => {
      const ctx = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}` })
      await ctx.addInitScript(guardIce)
      const page = await ctx.newPage()
      await page.goto(path)
      return page
    }
    const holders: Page[] = []
    for (let i = 0; i < PEERS; i++) holders.push(await open('/mesh'))
    const owner = await open('/')
    await createVault(owner)
    await until(`the owner sees ${PEERS} browsers + the anchor`, async () => await meshPeerCount(owner) >= PEERS + 1, 5 * 60_000)
    const file = join(mkdtempSync(join(tmpdir(), 'tesseras-rt-')), 'memory.bin')
    writeFileSync(file, seededBytes(MB * 1_000_000, 0x5eed00 + MB))
    await owner.getByRole('link', { name: /^new memory$/i }).click()
    await owner.locator('input[type=file]').setInputFiles(file)
    await owner.getByLabel(/^title$/i).fill(`${MB} MB`)
    const t0 = Date.now()
    await owner.getByRole('button', { name: /save memory/i }).click()
    await owner.getByRole('heading', { level: 1, name: `${MB} MB` }).waitFor({ timeout: TIMEOUT_MS })
    const saved = Date.now() - t0
    const status = owner.getByTestId('memory-status')
    await until('Replicated', async () => await status.getAttribute('data-status') === 'Replicated')
    const replicated = Date.now() - t0
    const sentence = await status.textContent()
    console.log(`| ${MB} MB | ${PEERS} browsers + 1 anchor | save ${(saved / 1000).toFixed(1)} s | save → Replicated ${(replicated / 1000).toFixed(1)} s | ${sentence?.replace(/\s+/g, ' ').trim() ?? ''} |`)
    for (const [i, h] of holders.entries()) {
      const cdp = await h.context().newCDPSession(h)
      await cdp.send('HeapProfiler.collectGarbage')
      const { metrics } = await cdp.send('Performance.getMetrics').catch(async () => { await cdp.send('Performance.enable'); return await cdp.send('Performance.getMetrics') })
      const heap = metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0
      const usage = await h.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)
      console.log(`holder ${i}: JS heap ${(heap / 1e6).toFixed(1)} MB, origin storage ${(usage / 1e6).toFixed(1)} MB`)
    }
  } finally {
    await browser.close()
    try { process.kill(-(server.pid as number)) } catch { /* gone */ }
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
