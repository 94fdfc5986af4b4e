/**
 * Shared steps of the end-to-end tests: onboarding, saving memories, fixtures, IndexedDB probes.
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { deflateSync, crc32 } from 'node:zlib'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function seededBytes (length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let x = (seed >>> 0) || 0x9e3779b9
  let i = 0
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    out.writeUInt32LE(x, i)
  }
  for (; i < length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}

/** A small valid PNG (RGB, 8 bit) with seeded noise. */
export function makePng (width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  const noise = seededBytes(width * 3 * height, seed)
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0
    noise.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3)
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td) >>> 0)
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))
  ])
}

/** Writes a temp file (large fixtures go by path, not through the protocol as a buffer). */
export function tempFile (name: string, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'tesseras-e2e-'))
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** Creates a vault through the UI; returns the 24 words shown. */
export async function createVault (page: Page): Promise<string[]> {
  await page.goto('/')
  await page.getByRole('button', { name: /start my vault|criar meu cofre/i }).click()
  const words = page.getByTestId('vault-phrase')
  await expect(words).toHaveCount(24)
  const list = await words.allTextContents()
  await page.getByRole('button', { name: /written them down|já anotei/i }).click()
  const inputs = page.getByRole('textbox')
  const count = await inputs.count()
  for (let i = 0; i < count; i++) {
    const input = inputs.nth(i)
    const name = await input.getAttribute('name')
    const position = Number(name?.split('-')[1])
    await input.fill(list[position - 1])
  }
  await page.getByRole('button', { name: /confirm and open|confirmar e abrir/i }).click()
  await expect(page.getByRole('heading', { level: 1, name: /memories|memórias/i })).toBeVisible()
  return list
}

/** Waits until the service worker is activated and controls the page. */
export async function waitForServiceWorker (page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.ready
    return reg.active?.state === 'activated' && navigator.serviceWorker.controller != null
  }, undefined, { timeout: 30_000 })
}

export interface FixtureFile { name: string, mimeType: string, buffer: Buffer }

/** Fills the new-memory form and saves; resolves on the memory's own page. @returns tessera hash */
export async function saveMemory (page: Page, title: string, files: Array<FixtureFile | string>): Promise<string> {
  await page.getByRole('link', { name: /^new memory$|^nova memória$/i }).click()
  await page.locator('input[type=file]').setInputFiles(files as never)
  await page.getByLabel(/^title$|^título$/i).fill(title)
  await page.getByRole('button', { name: /save memory|salvar memória/i }).click()
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible({ timeout: 90_000 })
  const hash = /\/memory\/([0-9a-f]{64})/.exec(page.url())?.[1]
  expect(hash).toBeDefined()
  return hash as string
}

/** Counts rows of IndexedDB stores of the app's database (probe for leftovers). */
export async function countRows (page: Page, stores: string[]): Promise<Record<string, number>> {
  return await page.evaluate(async (names) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('tesseras')
      req.onsuccess = () => { resolve(req.result) }
      req.onerror = () => { reject(req.error) }
    })
    const out: Record<string, number> = {}
    for (const name of names) {
      out[name] = await new Promise<number>((resolve, reject) => {
        const req = db.transaction(name).objectStore(name).count()
        req.onsuccess = () => { resolve(req.result) }
        req.onerror = () => { reject(req.error) }
      })
    }
    db.close()
    return out
  }, stores)
}

/** SHA-256 hex of bytes. */
export async function sha256Hex (bytes: Uint8Array): Promise<string> {
  const { createHash } = await import('node:crypto')
  return createHash('sha256').update(bytes).digest('hex')
}

/** One relay/anchor process of a multi-peer suite. */
export interface Anchor { proc: ChildProcess, dataDir: string, storeDir: string, addr: string, id: string }

/**
 * Starts relay/anchor process `i` on ports 4184 + 2i (WebSockets) and +1 (HTTP); the first one
 * (`dataDir` = the relay dir the app server reads) is the relay the app's /network.json lists.
 * Given the `storeDir` of a stopped anchor, it comes back with the same id and fragments;
 * `extraArgs` go to src/relay/main.ts as they are.
 */
export async function startAnchor (i: number, relayDir: string, storeDir = mkdtempSync(join(tmpdir(), `tesseras-anchor-${i}-`)), extraArgs: string[] = []): Promise<Anchor> {
  const port = 4184 + i * 2
  const dataDir = i === 0 ? relayDir : `.tmp/e2e-anchor-${i}`
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/relay/main.ts', '--port', String(port), '--http-port', String(port + 1),
    '--data-dir', dataDir, '--store-dir', storeDir, ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] })
  // Drained always (a full pipe would stall the anchor); shown with E2E_ANCHOR_LOG=1.
  proc.stdout?.on('data', (chunk: Buffer) => {
    if (process.env.E2E_ANCHOR_LOG === '1') process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[anchor${i}] `))
  })
  await expect.poll(async () => await fetch(`http://127.0.0.1:${port + 1}/healthz`).then(r => r.status, () => 0), { timeout: 30_000 }).toBe(200)
  const config = JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8')) as { relays: string[] }
  const addr = config.relays[0]
  return { proc, dataDir, storeDir, addr, id: addr.split('/p2p/')[1] }
}

/** Stops an anchor process and waits for it to exit. */
export async function stopAnchor (a: Anchor): Promise<void> {
  if (a.proc.exitCode != null) return
  const exited = new Promise(resolve => a.proc.once('exit', resolve))
  a.proc.kill('SIGTERM')
  await exited
}

/** A browser peer: its own context (own IndexedDB), one page. */
export interface BrowserPeer { ctx: BrowserContext, page: Page, id: string }

/**
 * Opens a peer in a fresh context with the ICE guard and `relays` in its relay settings (set
 * on every app page, except the page shown after "forget everything", which must stay empty),
 * plus any other `settings` (localStorage keys, e.g. the holder grace knob).
 */
export async function openPeer (browser: Browser, relays: string[], guard: () => void, path = '/network', settings: Record<string, string> = {}): Promise<BrowserPeer> {
  const ctx = await browser.newContext()
  await ctx.addInitScript(guard)
  await ctx.addInitScript((entries) => {
    if (location.pathname === '/forgotten') return
    for (const [k, v] of entries) localStorage.setItem(k, v)
  }, [['tesseras.relays', relays.join('\n')], ...Object.entries(settings)])
  const page = await ctx.newPage()
  await page.goto(path)
  return { ctx, page, id: '' }
}

/** The page's libp2p peer id, once the network has loaded. */
export async function peerIdOf (page: Page): Promise<string> {
  return await page.waitForFunction(() => (globalThis as unknown as { tesseras?: { network?: { peerId: string } } }).tesseras?.network?.peerId, undefined, { timeout: 30_000 })
    .then(async h => await h.jsonValue() as string)
}

/** Holder candidates the page's replication service sees. */
export async function meshPeers (page: Page): Promise<Array<{ id: string, kind: string }>> {
  return await page.evaluate(() => {
    const mesh = (globalThis as unknown as { tesseras?: { mesh?: { network: { peers: () => Array<{ id: string, kind: string }> } } } }).tesseras?.mesh
    return (mesh?.network.peers() ?? []).map(p => ({ id: p.id, kind: p.kind }))
  })
}

/** Fails with the list of serious or critical axe-core violations on the page, if any. */
export async function expectNoSeriousA11yViolations (page: Page, screen: string): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright')
  const results = await new AxeBuilder({ page }).analyze()
  const serious = results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map(v => `${screen}: ${v.id} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)).toEqual([])
}

/** From Welcome to "Recover my memories", then types `phrase` into the phrase field (nothing submitted). */
export async function enterRecoveryPhrase (page: Page, phrase: string): Promise<void> {
  await page.getByRole('button', { name: /recover my memories|recuperar minhas memórias/i }).click()
  await expect(page.getByRole('heading', { level: 1, name: /recover my memories|recuperar minhas memórias/i })).toBeVisible()
  await page.getByLabel(/^recovery phrase$|^frase de recuperação$/i).fill(phrase)
}

/**
 * Debugging aid (E2E_TRACE=1 in the suites that use it): prints every replication and repair
 * event of `peer`'s mesh as `[label] {…}`, across reloads and navigations.
 */
export async function traceMeshEvents (peer: BrowserPeer, label: string): Promise<void> {
  peer.page.on('console', m => { if (m.text().startsWith('trace ')) console.log(`[${label}] ${m.text().slice(6)}`) })
  const subscribe = (): void => {
    type Mesh = { service: { subscribe: (l: (e: unknown) => void) => void }, repair: { subscribe: (l: (e: unknown) => void) => void } }
    const seen = new WeakSet<object>()
    setInterval(() => {
      const mesh = (globalThis as unknown as { tesseras?: { mesh?: Mesh } }).tesseras?.mesh
      if (mesh === undefined || seen.has(mesh)) return
      seen.add(mesh)
      const log = (e: unknown): void => { console.log(`trace ${JSON.stringify(e)}`) }
      mesh.service.subscribe(log)
      mesh.repair.subscribe(log)
    }, 200)
  }
  await peer.ctx.addInitScript(subscribe)
  await peer.page.evaluate(subscribe)
}
