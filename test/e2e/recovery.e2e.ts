/**
 * persistence-basic, recovery half (issue 6): context A saves a memory (a 10 MB PNG and a text
 * file) while holders are online (4 browser contexts + 3 Node anchors), waits for `Replicated`
 * and closes (all of its storage gone). A fresh context B recovers in borrowed-device mode from
 * the phrase alone: the memory is listed, its photo shows, its files download byte-identical,
 * nothing was written on the way, and after "forget everything" B's IndexedDB, caches, service
 * worker and storage are empty. Also: a wrong phrase is caught before any network work.
 * Runs inside the private network namespace, like replication.e2e.ts.
 */
import { test, expect } from '@playwright/test'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { E2E_RELAY_DIR } from '../../playwright.config.js'
import { guardIce, requireNamespace } from './namespace.js'
import {
  type Anchor, type BrowserPeer, countRows, createVault, enterRecoveryPhrase, expectNoSeriousA11yViolations, makePng, meshPeers, openPeer, peerIdOf, saveMemory, sha256Hex,
  startAnchor, stopAnchor, tempFile, waitForServiceWorker
} from './helpers.js'

const BROWSER_HOLDERS = 4
/** 1800 × 1800 RGB noise: a PNG of about 9.7 MB, so the memory is a 16+8 one of about 10 MB. */
const PHOTO = makePng(1800, 1800, 0x5eed66)
const NOTE = Buffer.from('Grandma’s recipe: 3 eggs, 200 g flour, a pinch of patience.\n', 'utf8')
const TITLE = 'Sunday lunch'

test.describe.configure({ mode: 'serial' })
requireNamespace('test/e2e/recovery.e2e.ts')

const anchors: Anchor[] = []
const peers: BrowserPeer[] = []
/** A's phrase and memory, kept for the later tests. */
let phraseWords: string[] = []
let memoryHash = ''
/** The browser holders of A's memory. */
let holderPeers: BrowserPeer[] = []

test.beforeAll(async () => {
  for (let i = 0; i < 3; i++) anchors.push(await startAnchor(i, E2E_RELAY_DIR))
})

test.afterAll(async () => {
  for (const p of peers) await p.ctx.close().catch(() => {})
  for (const a of anchors) {
    await stopAnchor(a)
    rmSync(a.storeDir, { recursive: true, force: true })
  }
})

test('a wrong phrase is caught by its checksum before any network work', async ({ browser }) => {
  const c = await openPeer(browser, anchors.map(a => a.addr), guardIce, '/')
  peers.push(c)
  const requests: string[] = []
  await enterRecoveryPhrase(c.page, 'abandon '.repeat(24).trim())
  c.page.on('request', r => { requests.push(r.url()) })
  await c.page.getByRole('button', { name: /find my memories/i }).click()
  await expect(c.page.getByRole('alert')).toHaveText(/not a recovery phrase/)
  // A mistyped word is named, with its position and a suggestion.
  await c.page.getByLabel('Recovery phrase').fill(`abandon abandon abandn ${'abandon '.repeat(20)}art`)
  await c.page.getByRole('button', { name: /find my memories/i }).click()
  await expect(c.page.getByRole('alert')).toHaveText(/Word 3 \(“abandn”\) is not in the word list\. Did you mean “abandon”\?/)
  await expectNoSeriousA11yViolations(c.page, 'recover: phrase with an error')
  expect(requests).toEqual([])
  expect(await c.page.evaluate(() => (globalThis as unknown as { tesseras: { recovery: { session?: unknown } } }).tesseras.recovery.session === undefined)).toBe(true)
  await expect(c.page.getByTestId('forget-everything')).toHaveCount(0)
  await c.ctx.close()
})

test('persistence-basic: a memory saved on A comes back on a borrowed B, then B forgets everything', async ({ browser }) => {
  test.setTimeout(360_000)
  const relays = anchors.map(a => a.addr)
  for (let i = 0; i < BROWSER_HOLDERS; i++) peers.push(await openPeer(browser, relays, guardIce, '/mesh'))
  const a = await openPeer(browser, relays, guardIce, '/')
  peers.push(a)
  const words = await createVault(a.page)
  phraseWords = words
  for (const p of peers.slice(-BROWSER_HOLDERS - 1)) p.id = await peerIdOf(p.page)
  const holders = peers.slice(-BROWSER_HOLDERS - 1, -1)
  const expected = [...holders.map(h => `${h.id}:webrtc`), ...anchors.map(x => `${x.id}:websocket`)].sort()
  await expect.poll(async () => (await meshPeers(a.page)).map(p => `${p.id}:${p.kind}`).sort(), { timeout: 60_000, message: 'A sees every holder directly' }).toEqual(expected)

  holderPeers = holders
  memoryHash = await saveMemory(a.page, TITLE, [tempFile('photo.png', PHOTO), tempFile('note.txt', NOTE)])
  await expect(a.page.getByTestId('memory-status')).toHaveAttribute('data-status', 'Replicated', { timeout: 120_000 })
  await a.ctx.close() // A's device is gone, with all of its storage

  // B: a fresh browser. The phrase is pasted with odd spacing, new lines and capitals.
  const b = await openPeer(browser, relays, guardIce, '/')
  peers.push(b)
  await waitForServiceWorker(b.page) // so there is a service worker and a cache for B to forget
  await peerIdOf(b.page)
  const messy = words.map((w, i) => (i % 5 === 0 ? w.toUpperCase() : w)).join(' \n\t  ')
  await enterRecoveryPhrase(b.page, messy)
  await expect(b.page.getByLabel(/borrowed device/i)).toBeChecked()
  const t0 = Date.now()
  await b.page.getByRole('button', { name: /find my memories/i }).click()
  await expect(b.page.getByTestId('forget-everything')).toBeVisible()
  const listed = b.page.getByTestId('recovered-memory')
  await expect(listed).toHaveCount(1, { timeout: 90_000 })
  await expect(listed).toContainText(TITLE)
  await expect(listed).toContainText('2 files')
  const tListed = Date.now()
  await listed.getByRole('button').click()
  const tOpen = Date.now()
  const photo = b.page.getByRole('img', { name: 'photo.png' })
  await expect(photo).toBeVisible({ timeout: 120_000 })
  await expect.poll(async () => await photo.evaluate((el: HTMLImageElement) => el.complete ? el.naturalWidth : 0)).toBe(1800)
  const tPhoto = Date.now()
  console.log(`[measure] phrase entered → memory listed ${tListed - t0} ms, → first photo displayed ${tPhoto - t0} ms (open → photo ${tPhoto - tOpen} ms; 10 MB memory, 16+8 over ${BROWSER_HOLDERS} browser + ${anchors.length} anchor holders, 2 cores)`)
  await expect(b.page.getByRole('region', { name: 'note.txt' })).toHaveText(NOTE.toString('utf8'))
  await expectNoSeriousA11yViolations(b.page, 'recover: opened memory')

  // Files download byte-identical.
  for (const [name, bytes] of [['photo.png', PHOTO], ['note.txt', NOTE]] as const) {
    const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.getByRole('link', { name: `Download ${name}` }).click()])
    expect(download.suggestedFilename()).toBe(name)
    expect(await sha256Hex(readFileSync(await download.path()))).toBe(await sha256Hex(bytes))
  }

  // Borrowed-device mode wrote nothing and holds nothing for others.
  expect(await countRows(b.page, ['vault', 'tesseras', 'chunks', 'fragments', 'manifests', 'replicas'])).toEqual({ vault: 0, tesseras: 0, chunks: 0, fragments: 0, manifests: 0, replicas: 0 })
  expect(await b.page.evaluate(() => (globalThis as unknown as { tesseras: { mesh?: unknown } }).tesseras.mesh === undefined)).toBe(true)
  expect(await b.page.evaluate(async () => (await caches.keys()).length)).toBeGreaterThan(0)

  await b.page.getByTestId('forget-everything').click()
  await b.page.waitForURL(/\/forgotten/, { timeout: 30_000 })
  await expect(b.page.getByTestId('forgotten')).toBeVisible()
  await expectNoSeriousA11yViolations(b.page, 'forgotten')
  const left = await b.page.evaluate(async () => ({
    databases: (await indexedDB.databases()).map(d => d.name),
    caches: await caches.keys(),
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length
  }))
  expect(left).toEqual({ databases: [], caches: [], serviceWorkers: 0, localStorage: 0, sessionStorage: 0 })
})

test('make this my device: the keys are stored and the memory joins the local library', async ({ browser }) => {
  test.setTimeout(180_000)
  expect(phraseWords).toHaveLength(24)
  const c = await openPeer(browser, anchors.map(a => a.addr), guardIce, '/')
  peers.push(c)
  await waitForServiceWorker(c.page)
  await peerIdOf(c.page)
  await enterRecoveryPhrase(c.page, phraseWords.join(' '))
  await c.page.getByLabel(/make this my device/i).check()
  await c.page.getByRole('button', { name: /find my memories/i }).click()
  await expect(c.page.getByRole('heading', { level: 1, name: /^memories$/i })).toBeVisible({ timeout: 120_000 })
  await expect(c.page.getByTestId('memory-card')).toHaveCount(1)
  await expect(c.page.getByTestId('memory-card')).toContainText(TITLE)
  await expect(c.page.getByTestId('forget-everything')).toHaveCount(0)
  expect(await countRows(c.page, ['vault', 'tesseras'])).toEqual({ vault: 1, tesseras: 1 })
  // The holders that served it are known (at least k rows), so they are not sent it again.
  expect((await countRows(c.page, ['replicas'])).replicas).toBeGreaterThanOrEqual(16)
  // Opened from this device's own copy now (the service worker decrypts it from IndexedDB).
  await c.page.getByTestId('memory-card').getByRole('link').first().click()
  const photo = c.page.getByRole('img', { name: 'photo.png' })
  await expect.poll(async () => await photo.evaluate((el: HTMLImageElement) => el.complete ? el.naturalWidth : 0), { timeout: 60_000 }).toBe(1800)
  await c.ctx.close()
})

test('too few holders: the exact shortfall and who was tried; Retry asks again', async ({ browser }) => {
  test.setTimeout(240_000)
  expect(memoryHash).toMatch(/^[0-9a-f]{64}$/)
  // Where each shard is: anchors on disk, browsers in IndexedDB (a shard may have two holders:
  // the device made "mine" above pushes the shards nobody served it, and may have done so).
  const shardsOf = new Map<string, number[]>()
  for (const a of anchors) {
    const dir = join(a.storeDir, 'fragments', memoryHash)
    shardsOf.set(a.id, existsSync(dir) ? readdirSync(dir).map(f => Number(f.split('-')[0])) : [])
  }
  for (const h of holderPeers) {
    shardsOf.set(h.id, await h.page.evaluate(async (hash) => (await (globalThis as unknown as { tesseras: { stores: { fragments: { list: (h: string) => Promise<Array<{ index: number }>> } } } }).tesseras.stores.fragments.list(hash)).map(f => f.index), memoryHash))
  }
  expect([...new Set([...shardsOf.values()].flat())].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i))

  // Anchors 1 and 2 stop; then browser holders leave
  // until fewer than 16 shards are reachable.
  const stopped = [anchors[1], anchors[2]]
  for (const x of stopped) await stopAnchor(x)
  const gone = new Set(stopped.map(x => x.id))
  const reachable = (): number => new Set([...shardsOf].filter(([id]) => !gone.has(id)).flatMap(([, s]) => s)).size
  for (const h of holderPeers) {
    if (reachable() < 16) break
    await h.ctx.close()
    gone.add(h.id)
  }
  const found = reachable()
  expect(found).toBeLessThan(16)

  const d = await openPeer(browser, [anchors[0].addr], guardIce, '/')
  peers.push(d)
  await peerIdOf(d.page)
  await enterRecoveryPhrase(d.page, phraseWords.join(' '))
  await d.page.getByRole('button', { name: /find my memories/i }).click()
  await d.page.getByTestId('recovered-memory').getByRole('button').click({ timeout: 90_000 })
  const error = d.page.getByTestId('recover-error')
  const shortfall = new RegExp(`^Not enough fragments: got ${found} of the 16 needed \\(24 exist\\)\\. Tried holders: .+\\.$`)
  await expect(error).toHaveText(shortfall, { timeout: 120_000 })
  // Every reachable holder was tried (ids are shown by their last 8 characters).
  const tried = (await error.textContent() ?? '').split('Tried holders: ')[1]
  expect([...shardsOf].filter(([id, s]) => !gone.has(id) && s.length > 0).map(([id]) => `…${id.slice(-8)}`).filter(id => !tried.includes(id))).toEqual([])

  // Retry asks again and keeps what it has: the same shortfall, no photo, nothing lost.
  // (That a retry completes once holders return is covered by the unit test over SimWorld:
  // a restarted anchor was not reliably found again by the browser's DHT lookup, see the report.)
  await d.page.getByRole('button', { name: 'Retry' }).click()
  await expect(error).toHaveText(shortfall, { timeout: 120_000 })
  await expect(d.page.getByRole('img', { name: 'photo.png' })).toHaveCount(0)
})
