/**
 * Issue 6's closing measurements with a full holder set (a measurement, not a test: it prints
 * `[measure]` lines): a 10 MB memory, 16+8, on 24 distinct holders (Node anchors: 24 browser
 * contexts with WebRTC do not fit 2 cores), plus spare anchors.
 *  1. The owner saves through the UI: time to `Replicated`.
 *  2. 8 holders vanish with their disks; the owner's "Check now" (grace 0): time until all 24
 *     shards live again on the disks of the remaining anchors.
 *  3. The owner's device is gone; a borrowed browser enters the phrase: time to the list and to
 *     the first photo displayed.
 * Run: `npm run bench:holders` (builds, then runs inside the private network namespace).
 * HOLDERS / SPARES in the environment change the counts.
 */
import { test, expect } from '@playwright/test'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { E2E_RELAY_DIR } from '../../playwright.config.js'
import { guardIce, requireNamespace } from '../e2e/namespace.js'
import {
  type Anchor, type BrowserPeer, createVault, enterRecoveryPhrase, makePng, openPeer, peerIdOf, saveMemory, startAnchor, stopAnchor, tempFile
} from '../e2e/helpers.js'

const HOLDERS = Number(process.env.HOLDERS ?? 24)
const SPARES = Number(process.env.SPARES ?? 8)
const VANISH = 8
const SHARDS = 24
/** 1800 × 1800 RGB noise: a PNG of about 9.7 MB, a 16+8 memory. */
const PHOTO = makePng(1800, 1800, 0x5eed24)
/** Anchors check rarely here: the owner's "Check now" is what is measured. */
const ANCHOR_ARGS = ['--repair-interval', '1h']

requireNamespace('test/bench/holders.bench.ts')

const anchors: Anchor[] = []
const peers: BrowserPeer[] = []

test.afterAll(async () => {
  for (const p of peers) await p.ctx.close().catch(() => {})
  for (const a of anchors) {
    await stopAnchor(a)
    rmSync(a.storeDir, { recursive: true, force: true })
  }
})

const alive = (): Anchor[] => anchors.filter(a => a.proc.exitCode == null && a.proc.signalCode == null)

/** Shard indices on each live anchor's disk. */
function shardsOnDisk (hash: string): Map<string, number[]> {
  return new Map(alive().map(a => {
    const dir = join(a.storeDir, 'fragments', hash)
    return [a.id, existsSync(dir) ? readdirSync(dir).filter(f => f.endsWith('.shard')).map(f => Number(f.split('-')[0])) : []]
  }))
}
const liveShards = (hash: string): number => new Set([...shardsOnDisk(hash).values()].flat()).size

test('10 MB memory on 24 holders: save, 8 vanish and are repaired, then recovered by the phrase', async ({ browser }) => {
  const tStart = Date.now()
  for (let i = 0; i < HOLDERS + SPARES; i++) anchors.push(await startAnchor(i, E2E_RELAY_DIR, undefined, ANCHOR_ARGS))
  console.log(`[measure] ${anchors.length} anchors started in ${Date.now() - tStart} ms`)
  const relays = anchors.map(a => a.addr)

  const owner = await openPeer(browser, relays, guardIce, '/', { 'tesseras.holder-grace-ms': '0' })
  peers.push(owner)
  const words = await createVault(owner.page)
  await peerIdOf(owner.page)
  await expect.poll(async () => await owner.page.evaluate(() => (globalThis as unknown as { tesseras: { mesh?: { network: { peers: () => unknown[] } } } }).tesseras.mesh?.network.peers().length ?? 0),
    { timeout: 120_000, message: 'the owner reaches every anchor' }).toBeGreaterThanOrEqual(HOLDERS + SPARES)

  const tSave = Date.now()
  const hash = await saveMemory(owner.page, 'Twenty-four holders', [tempFile('photo.png', PHOTO)])
  await expect(owner.page.getByTestId('memory-status')).toHaveAttribute('data-status', 'Replicated', { timeout: 600_000 })
  const tReplicated = Date.now()
  const before = shardsOnDisk(hash)
  const holders = [...before].filter(([, idx]) => idx.length > 0)
  console.log(`[measure] save → Replicated ${tReplicated - tSave} ms (${(PHOTO.length / 1e6).toFixed(1)} MB photo, 16+8, ${holders.length} holders, ${liveShards(hash)} live shards)`)

  // 8 holders vanish with their disks; "Check now" re-places their shards.
  const victims = anchors.filter(a => holders.some(([id]) => id === a.id)).slice(-VANISH)
  for (const v of victims) {
    await stopAnchor(v)
    rmSync(v.storeDir, { recursive: true, force: true })
  }
  expect(liveShards(hash)).toBe(SHARDS - VANISH)
  await owner.page.goto('/mesh')
  const tRepair = Date.now()
  await owner.page.getByTestId('check-now').click()
  await expect(owner.page.getByTestId('check-status')).toHaveAttribute('data-running', 'false', { timeout: 600_000 })
  await expect.poll(() => liveShards(hash), { timeout: 600_000 }).toBe(SHARDS)
  console.log(`[measure] repair after ${VANISH} of ${holders.length} holders vanished: ${Date.now() - tRepair} ms to ${SHARDS} live shards (owner online, "Check now")`)
  await owner.ctx.close() // the owner's device is gone

  // A borrowed browser: the phrase alone.
  const b = await openPeer(browser, alive().map(a => a.addr), guardIce, '/')
  peers.push(b)
  await peerIdOf(b.page)
  await enterRecoveryPhrase(b.page, words.join(' '))
  const t0 = Date.now()
  await b.page.getByRole('button', { name: /find my memories/i }).click()
  const listed = b.page.getByTestId('recovered-memory')
  await expect(listed).toHaveCount(1, { timeout: 300_000 })
  const tListed = Date.now()
  await listed.getByRole('button').click()
  const photo = b.page.getByRole('img', { name: 'photo.png' })
  await expect.poll(async () => await photo.evaluate((el: HTMLImageElement) => el.complete ? el.naturalWidth : 0).catch(() => 0), { timeout: 300_000 }).toBe(1800)
  console.log(`[measure] phrase entered → memory listed ${tListed - t0} ms, → first photo displayed ${Date.now() - t0} ms (10 MB, 16+8, ${alive().length} live anchors holding 24 shards)`)
})
