/**
 * persistence-basic (issue 5): real relay/anchor processes, several browser contexts, real
 * WebRTC. One browser saves a 10 MB and a 300 KB memory; within a bounded time every fragment
 * sits at a holder as placed, every receipt verifies, the UI says `Replicated` with its loss
 * tolerance, and no holder's IndexedDB nor any anchor's store directory contains a 32-byte run
 * of either plaintext. One browser holder gives only 0.5 MB ("Storage I give"): it refuses the
 * 10 MB memory's fragments and the owner places them elsewhere.
 *
 * Holders: 4 browsers + 3 Node anchors (the `npm start` relay and two more relays listed in
 * each browser's relay settings) = 7, the number of copies a small memory wants. Runs inside
 * the private network namespace, like network.e2e.ts (whose relay/ICE guard patterns it copies).
 */
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { E2E_RELAY_DIR } from '../../playwright.config.js'
import { guardIce, requireNamespace } from './namespace.js'
import { verifyReceipt } from '../../src/replication/receipt.js'
import { createVault, seededBytes } from './helpers.js'

const BROWSER_HOLDERS = 4
const MEDIUM_BYTES = 10 * 1024 * 1024
const SMALL_BYTES = 300 * 1024
const MEDIUM_SEED = 0x5eed10
const SMALL_SEED = 0x5eed03
/** Bound on save → Replicated for each memory. */
const REPLICATED_WITHIN_MS = 90_000

test.describe.configure({ mode: 'serial' })
requireNamespace('test/e2e/replication.e2e.ts')

interface Anchor { proc: ChildProcess, dataDir: string, storeDir: string, addr: string, id: string }
interface Peer { ctx: BrowserContext, page: Page, id: string }

const anchors: Anchor[] = []
const holders: Peer[] = []
let owner: Peer | undefined

/** Starts one relay/anchor process (the first one is the relay the app's /network.json lists). */
async function startAnchor (i: number): Promise<Anchor> {
  const port = 4184 + i * 2
  const dataDir = i === 0 ? E2E_RELAY_DIR : `.tmp/e2e-anchor-${i}`
  const storeDir = mkdtempSync(join(tmpdir(), `tesseras-anchor-${i}-`))
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/relay/main.ts', '--port', String(port), '--http-port', String(port + 1),
    '--data-dir', dataDir, '--store-dir', storeDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  await expect.poll(async () => await fetch(`http://127.0.0.1:${port + 1}/healthz`).then(r => r.status, () => 0), { timeout: 30_000 }).toBe(200)
  const config = JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8')) as { relays: string[] }
  const addr = config.relays[0]
  return { proc, dataDir, storeDir, addr, id: addr.split('/p2p/')[1] }
}

async function stopAnchor (a: Anchor): Promise<void> {
  if (a.proc.exitCode != null) return
  const exited = new Promise(resolve => a.proc.once('exit', resolve))
  a.proc.kill('SIGTERM')
  await exited
}

async function openPeer (browser: Browser, relays: string[], path = '/network'): Promise<Peer> {
  const ctx = await browser.newContext()
  await ctx.addInitScript(guardIce)
  await ctx.addInitScript((list) => { localStorage.setItem('tesseras.relays', list) }, relays.join('\n'))
  const page = await ctx.newPage()
  await page.goto(path)
  return { ctx, page, id: '' }
}

/** The peer id, once the network has loaded. */
async function peerIdOf (page: Page): Promise<string> {
  return await page.waitForFunction(() => (globalThis as unknown as { tesseras?: { network?: { peerId: string } } }).tesseras?.network?.peerId, undefined, { timeout: 30_000 })
    .then(async h => await h.jsonValue() as string)
}

/** Holder candidates the page's replication service sees. */
async function meshPeers (page: Page): Promise<Array<{ id: string, kind: string }>> {
  return await page.evaluate(() => {
    const mesh = (globalThis as unknown as { tesseras?: { mesh?: { network: { peers: () => Array<{ id: string, kind: string }> } } } }).tesseras?.mesh
    return (mesh?.network.peers() ?? []).map(p => ({ id: p.id, kind: p.kind }))
  })
}

/**
 * A scanner for plaintext runs: true when `bytes` contains a 16-byte window of `plain` that
 * starts at a multiple of 16 in `plain` — which every 32-byte run of `plain` does.
 * Runs in the page too (self-contained: it regenerates the plaintext from its seed).
 */
function scanSource (): string {
  return `(${(function makeScanner (specs: Array<{ length: number, seed: number }>) {
    const plains = specs.map(({ length, seed }) => {
      const out = new Uint8Array(length)
      const view = new DataView(out.buffer)
      let x = (seed >>> 0) || 0x9e3779b9
      let i = 0
      for (; i + 4 <= length; i += 4) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; view.setUint32(i, x, true) }
      for (; i < length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
      return out
    })
    const index = new Map<number, Array<[number, number]>>()
    plains.forEach((p, pi) => {
      const v = new DataView(p.buffer)
      for (let off = 0; off + 16 <= p.length; off += 16) {
        const key = v.getUint32(off, true)
        const list = index.get(key)
        if (list === undefined) index.set(key, [[pi, off]]); else list.push([pi, off])
      }
    })
    return (bytes: Uint8Array): boolean => {
      if (bytes.length < 16) return false
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      for (let i = 0; i + 16 <= bytes.length; i++) {
        const hits = index.get(v.getUint32(i, true))
        if (hits === undefined) continue
        for (const [pi, off] of hits) {
          const p = plains[pi]
          let same = true
          for (let j = 4; j < 16 && same; j++) same = p[off + j] === bytes[i + j]
          if (same) return true
        }
      }
      return false
    }
  }).toString()})`
}

const SPECS = [{ length: MEDIUM_BYTES, seed: MEDIUM_SEED }, { length: SMALL_BYTES, seed: SMALL_SEED }]

test.beforeAll(async () => {
  for (let i = 0; i < 3; i++) anchors.push(await startAnchor(i))
})

test.afterAll(async () => {
  for (const p of [...holders, ...(owner != null ? [owner] : [])]) await p.ctx.close().catch(() => {})
  for (const a of anchors) {
    await stopAnchor(a)
    rmSync(a.storeDir, { recursive: true, force: true })
  }
})

test('persistence-basic: a 10 MB and a 300 KB memory reach 7 holders, verified, with no plaintext anywhere', async ({ browser }) => {
  test.setTimeout(240_000)
  const relays = anchors.map(a => a.addr)
  // Holders: no vault, the Mesh view open. The owner: a vault, memories.
  for (let i = 0; i < BROWSER_HOLDERS; i++) holders.push(await openPeer(browser, relays, '/mesh'))
  owner = await openPeer(browser, relays, '/')
  await createVault(owner.page)
  for (const p of [...holders, owner]) p.id = await peerIdOf(p.page)

  // Everyone sees everyone: 4 browsers over WebRTC and 3 anchors over WebSockets.
  const expected = [...holders.map(h => `${h.id}:webrtc`), ...anchors.map(a => `${a.id}:websocket`)].sort()
  await expect.poll(async () => (await meshPeers(owner!.page)).map(p => `${p.id}:${p.kind}`).sort(), { timeout: 60_000, message: 'the owner sees every holder directly' }).toEqual(expected)
  await expect(owner.page.getByTestId('node-state')).toHaveText('ACTIVE')

  // One browser holder gives only 0.5 MB: too little for any shard of the 10 MB memory.
  const limited = holders[0]
  await expect(limited.page.getByTestId('offered-storage')).toBeEnabled({ timeout: 30_000 })
  await limited.page.getByLabel('Storage I give (MB)').fill('0.5')
  await limited.page.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(limited.page.getByText('Saved: this device gives 500 kB.')).toBeVisible()

  await owner.page.evaluate(() => {
    const g = globalThis as unknown as { events: unknown[], tesseras: { mesh: { service: { subscribe: (f: (e: unknown) => void) => void } } } }
    g.events = []
    g.tesseras.mesh.service.subscribe((e) => { g.events.push(e) })
  })

  const saveAndTime = async (title: string, name: string, buffer: Buffer): Promise<{ hash: string, ms: number }> => {
    const page = owner!.page
    await page.getByRole('link', { name: /^new memory$/i }).click()
    await page.locator('input[type=file]').setInputFiles({ name, mimeType: 'application/octet-stream', buffer })
    await page.getByLabel(/^title$/i).fill(title)
    const t0 = Date.now()
    await page.getByRole('button', { name: /save memory/i }).click()
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible({ timeout: 90_000 })
    const hash = /\/memory\/([0-9a-f]{64})/.exec(page.url())?.[1] as string
    const status = page.getByTestId('memory-status')
    await expect(status).toHaveAttribute('data-status', 'Replicated', { timeout: REPLICATED_WITHIN_MS })
    const ms = Date.now() - t0
    await expect(status).toContainText(/Replicated Safe: survives \d+ holders? vanishing/)
    return { hash, ms }
  }
  const medium = await saveAndTime('Ten megabytes', 'video.bin', seededBytes(MEDIUM_BYTES, MEDIUM_SEED))
  const small = await saveAndTime('A small note', 'note.bin', seededBytes(SMALL_BYTES, SMALL_SEED))
  console.log(`[measure] save → Replicated: 10 MB ${medium.ms} ms, 300 KB ${small.ms} ms (4 browser + 3 anchor holders, 2 cores)`)

  // The fragment map lists every holder row; the gallery badge agrees.
  await expect(owner.page.getByTestId('fragment-row')).toHaveCount(7)
  await owner.page.getByRole('link', { name: /back to memories/i }).click()
  await expect(owner.page.getByTestId('card-status')).toHaveCount(2)
  for (const badge of await owner.page.getByTestId('card-status').all()) await expect(badge).toHaveAttribute('data-status', 'Replicated')
  await expect(owner.page.getByTestId('node-state')).toHaveText('ACTIVE')

  // The holder map and receipts, read from the owner's IndexedDB.
  interface Row { index: number, holderId: string, kind: string, receipt: { fragment: { tesseraHashHex: string, index: number, shardCount: number, checksumHex: string }, holderId: string, storedAt: number, nonce: number[], signature: number[] } }
  const read = async (hash: string): Promise<{ k: number, m: number, rows: Row[] }> => await owner!.page.evaluate(async (h) => {
    const stores = (globalThis as unknown as { tesseras: { stores: { replicas: { list: (h: string) => Promise<Array<Record<string, any>>> }, tesseras: { get: (h: string) => Promise<{ manifest: { k: number, m: number } }> } } } }).tesseras.stores
    const record = await stores.tesseras.get(h)
    const rows = await stores.replicas.list(h)
    return {
      k: record.manifest.k,
      m: record.manifest.m,
      rows: rows.map(r => ({ index: r.index, holderId: r.holderId, kind: r.kind, receipt: { ...r.receipt, nonce: [...r.receipt.nonce], signature: [...r.receipt.signature] } }))
    }
  }, hash)
  const mediumMap = await read(medium.hash)
  const smallMap = await read(small.hash)
  expect(mediumMap.k + mediumMap.m).toBe(24)
  expect(smallMap.k + smallMap.m).toBe(1)
  const allHolders = new Set([...holders.map(h => h.id), ...anchors.map(a => a.id)])
  // 10 MB: each of the 24 shards on exactly one holder, spread over every holder that accepts (6).
  expect(mediumMap.rows.map(r => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i))
  const mediumHolders = new Set(mediumMap.rows.map(r => r.holderId))
  expect(mediumHolders.has(limited.id)).toBe(false)
  expect(mediumHolders.size).toBe(6)
  for (const h of mediumHolders) expect(mediumMap.rows.filter(r => r.holderId === h).length).toBeLessThanOrEqual(Math.ceil(24 / 7) + 2)
  // 300 KB: 7 whole copies on 7 distinct holders (the limited one fits this one).
  expect(smallMap.rows.map(r => r.holderId).sort()).toEqual([...allHolders].sort())
  for (const r of [...mediumMap.rows, ...smallMap.rows]) {
    expect(allHolders.has(r.holderId)).toBe(true)
    expect(r.kind).toBe(anchors.some(a => a.id === r.holderId) ? 'websocket' : 'webrtc')
    const publicKey = peerIdFromString(r.holderId).publicKey?.raw as Uint8Array
    expect(() => { verifyReceipt({ ...r.receipt, nonce: Uint8Array.from(r.receipt.nonce), signature: Uint8Array.from(r.receipt.signature) }, { publicKey, holderId: r.holderId, fragment: r.receipt.fragment, nonce: Uint8Array.from(r.receipt.nonce) }) }).not.toThrow()
  }

  // The limited holder refused and those shards went elsewhere.
  const refused = await owner.page.evaluate(() => (globalThis as unknown as { events: Array<{ type: string, detail: { holderId?: string, status?: string, index?: number, hashHex?: string } }> }).events
    .filter(e => e.type === 'replicate:fragment:refused').map(e => e.detail))
  const limitedRefusals = refused.filter(r => r.holderId === limited.id && r.hashHex === medium.hash)
  // Rendezvous placement asks the limited holder first for some of the 24 shards in all but
  // ~2.5% of runs ((6/7)^24); when it was never asked, there is nothing to refuse.
  if (limitedRefusals.length === 0) console.log('[note] the limited holder was never asked for a 10 MB shard in this run (placement)')
  expect(limitedRefusals.every(r => r.status === 'REFUSED_CAPACITY')).toBe(true)
  for (const r of limitedRefusals) expect(mediumMap.rows.find(row => row.index === r.index)?.holderId).not.toBe(limited.id)

  // Every holder really has its bytes: browsers in IndexedDB, anchors on disk.
  for (const r of [...mediumMap.rows, ...smallMap.rows]) {
    const anchor = anchors.find(a => a.id === r.holderId)
    const id = r.receipt.fragment
    if (anchor != null) {
      expect(existsSync(join(anchor.storeDir, 'fragments', id.tesseraHashHex, `${id.index}-${id.shardCount}-${id.checksumHex}.shard`))).toBe(true)
    } else {
      const holder = holders.find(h => h.id === r.holderId) as Peer
      expect(await holder.page.evaluate(async (f) => await (globalThis as unknown as { tesseras: { stores: { fragments: { has: (f: unknown) => Promise<boolean> } } } }).tesseras.stores.fragments.has(f), id)).toBe(true)
    }
  }
  const ledger = holders[1].page
  await expect.poll(async () => await ledger.getByTestId('ledger-row').count(), { timeout: 15_000 }).toBeGreaterThan(0)

  // No plaintext: every value in each holder's IndexedDB, every file in each anchor's store.
  const source = scanSource()
  for (const h of holders) {
    const found = await h.page.evaluate(async ({ source, specs }) => {
      const contains = (0, eval)(source)(specs) as (b: Uint8Array) => boolean
      const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open('tesseras'); r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
      const hits: string[] = []
      let scanned = 0
      const walk = async (v: unknown, where: string): Promise<void> => {
        if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
          const b = v instanceof ArrayBuffer ? new Uint8Array(v) : v
          scanned += b.length
          if (contains(b)) hits.push(where)
        } else if (v instanceof Blob) {
          await walk(new Uint8Array(await v.arrayBuffer()), where)
        } else if (Array.isArray(v)) {
          for (const [i, x] of v.entries()) await walk(x, `${where}[${i}]`)
        } else if (v != null && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) await walk(x, `${where}.${k}`)
        }
      }
      for (const name of [...db.objectStoreNames]) {
        const values = await new Promise<unknown[]>((resolve, reject) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
        await walk(values, name)
      }
      db.close()
      return { hits, scanned }
    }, { source, specs: SPECS })
    expect(found.hits, `plaintext in holder ${h.id}'s IndexedDB`).toEqual([])
    expect(found.scanned).toBeGreaterThan(0)
  }
  const contains = (0, eval)(source)(SPECS) as (b: Uint8Array) => boolean
  // The scanner itself: an unaligned 32-byte run of each plaintext, inside noise, is found.
  expect(contains(Buffer.concat([seededBytes(1000, 9), seededBytes(MEDIUM_BYTES, MEDIUM_SEED).subarray(1_000_003, 1_000_035), seededBytes(1000, 10)]))).toBe(true)
  expect(contains(Buffer.concat([seededBytes(77, 11), seededBytes(SMALL_BYTES, SMALL_SEED).subarray(5_001, 5_033)]))).toBe(true)
  expect(contains(seededBytes(1 << 20, 12))).toBe(false)
  const files = (dir: string): string[] => readdirSync(dir).flatMap(n => statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)])
  let anchorBytes = 0
  for (const a of anchors) {
    for (const f of files(a.storeDir)) {
      const bytes = readFileSync(f)
      anchorBytes += bytes.length
      expect(contains(bytes), `plaintext in ${f}`).toBe(false)
    }
  }
  expect(anchorBytes).toBeGreaterThan(0)
})
