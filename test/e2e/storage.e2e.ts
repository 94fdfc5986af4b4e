import { test, expect, chromium } from '@playwright/test'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'
import { countRows, createVault, makePng, saveMemory, seededBytes, sha256Hex, tempFile, waitForServiceWorker } from './helpers.js'

test('a Range request for the middle of a 20 MB file returns exactly those bytes', async ({ page }) => {
  await createVault(page)
  await waitForServiceWorker(page)
  const big = seededBytes(20 * 1000 * 1000, 42)
  const hash = await saveMemory(page, 'Long recording', [tempFile('recording.bin', big)])
  const start = 9_876_543
  const end = 11_234_566 // inclusive: spans two 1 MiB chunk boundaries
  const got = await page.evaluate(async ({ hash, start, end }) => {
    const res = await fetch(`/vault-files/${hash}/0`, { headers: { Range: `bytes=${start}-${end}` } })
    const body = new Uint8Array(await res.arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
    return {
      status: res.status,
      contentRange: res.headers.get('content-range'),
      length: body.length,
      sha: Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
    }
  }, { hash, start, end })
  expect(got.status).toBe(206)
  expect(got.contentRange).toBe(`bytes ${start}-${end}/${big.length}`)
  expect(got.length).toBe(end - start + 1)
  expect(got.sha).toBe(await sha256Hex(big.subarray(start, end + 1)))

  const tail = await page.evaluate(async (hash) => {
    const res = await fetch(`/vault-files/${hash}/0`, { headers: { Range: 'bytes=-5' } })
    return { status: res.status, bytes: Array.from(new Uint8Array(await res.arrayBuffer())) }
  }, hash)
  expect(tail.status).toBe(206)
  expect(tail.bytes).toEqual(Array.from(big.subarray(big.length - 5)))

  const beyond = await page.evaluate(async (hash) => (await fetch(`/vault-files/${hash}/0`, { headers: { Range: 'bytes=30000000-' } })).status, hash)
  expect(beyond).toBe(416)
})

test('a full disk shows the storage error, leaves no partial memory, and saving works once space is back', async ({ baseURL }) => {
  // Chromium's quota override (Storage.overrideQuotaForOrigin) does not reach IndexedDB in this
  // build, so the profile lives on a small tmpfs: the disk really fills up (needs root, as CI).
  const disk = mkdtempSync(join(tmpdir(), 'tesseras-small-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', disk])
  let ctx = await chromium.launchPersistentContext(join(disk, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, baseURL })
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage()
    await createVault(page)
    await page.getByRole('link', { name: 'New memory' }).click()
    await page.locator('input[type=file]').setInputFiles(tempFile('video.bin', seededBytes(48 * 1000 * 1000, 3)))
    await page.getByLabel('Title').fill('Too big for this device')
    await page.getByRole('button', { name: 'Save memory' }).click()
    await expect(page.getByRole('alert')).toContainText('not enough storage space', { timeout: 60_000 })
    await expect(page.getByRole('heading', { level: 1, name: 'New memory' })).toBeVisible()
    expect(await countRows(page, ['tesseras', 'chunks', 'pending'])).toEqual({ tesseras: 0, chunks: 0, pending: 0 })

    // Space is back: in the next browser session (Chromium keeps its disk-space estimate for
    // the life of the process) the same memory saves.
    await ctx.close()
    execFileSync('mount', ['-o', 'remount,size=400m', disk])
    ctx = await chromium.launchPersistentContext(join(disk, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, baseURL })
    const again = ctx.pages()[0] ?? await ctx.newPage()
    await again.goto('/new')
    await again.locator('input[type=file]').setInputFiles(tempFile('video.bin', seededBytes(48 * 1000 * 1000, 3)))
    await again.getByLabel('Title').fill('Too big for this device')
    await again.getByRole('button', { name: 'Save memory' }).click()
    await expect(again.getByRole('heading', { level: 1, name: 'Too big for this device' })).toBeVisible({ timeout: 90_000 })
  } finally {
    await ctx.close()
    execFileSync('umount', [disk])
  }
})

test('saving shows progress and can be cancelled without leaving anything behind', async ({ page }) => {
  await createVault(page)
  await page.getByRole('link', { name: 'New memory' }).click()
  await page.locator('input[type=file]').setInputFiles(tempFile('film.bin', seededBytes(120 * 1000 * 1000, 9)))
  await page.getByLabel('Title').fill('Cancelled')
  await page.getByRole('button', { name: 'Save memory' }).click()
  const bar = page.getByRole('progressbar', { name: /encrypting and saving/i })
  await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0)
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByRole('alert')).toContainText('cancelled')
  await expect.poll(async () => await countRows(page, ['tesseras', 'chunks', 'pending'])).toEqual({ tesseras: 0, chunks: 0, pending: 0 })
})

test('an empty file is refused with a clear message', async ({ page }) => {
  await createVault(page)
  await page.getByRole('link', { name: 'New memory' }).click()
  await page.locator('input[type=file]').setInputFiles([{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }])
  await page.getByLabel('Title').fill('Nothing')
  await page.getByRole('button', { name: 'Save memory' }).click()
  await expect(page.getByRole('alert')).toContainText('“empty.txt” is empty (0 bytes)')
  expect(await countRows(page, ['tesseras', 'chunks'])).toEqual({ tesseras: 0, chunks: 0 })
})

test('a corrupted record shows an error on that memory only; delete releases its space', async ({ page }) => {
  await createVault(page)
  await saveMemory(page, 'Healthy', [{ name: 'a.png', mimeType: 'image/png', buffer: makePng(30, 30, 1) }])
  const broken = await saveMemory(page, 'Will break', [{ name: 'b.png', mimeType: 'image/png', buffer: makePng(30, 30, 2) }])
  await page.evaluate(async (hash) => {
    const db = await new Promise<IDBDatabase>((resolve) => { const r = indexedDB.open('tesseras'); r.onsuccess = () => { resolve(r.result) } })
    const tx = db.transaction('tesseras', 'readwrite')
    const store = tx.objectStore('tesseras')
    const rec = await new Promise<any>((resolve) => { const r = store.get(hash); r.onsuccess = () => { resolve(r.result) } })
    rec.manifest.wrappedKey = new Uint8Array(3) // damaged bytes
    store.put(rec)
    await new Promise((resolve) => { tx.oncomplete = resolve })
    db.close()
  }, broken)
  await page.goto('/')
  const cards = page.getByTestId('memory-card')
  await expect(cards).toHaveCount(2)
  await expect(cards.filter({ hasText: 'Healthy' })).toHaveCount(1)
  await expect(cards.filter({ hasText: 'cannot be read on this device' })).toHaveCount(1)

  const before = await countRows(page, ['chunks'])
  await page.getByRole('link', { name: /Healthy/ }).click()
  await page.getByRole('button', { name: 'Delete memory' }).click()
  await expect(page.getByRole('dialog')).toContainText('Delete “Healthy”?')
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Memories' })).toBeVisible()
  await expect(page.getByTestId('memory-card')).toHaveCount(1)
  const after = await countRows(page, ['chunks', 'tesseras'])
  expect(after.tesseras).toBe(1)
  expect(after.chunks).toBeLessThan(before.chunks)
})

test('a tab closed in the middle of a save leaves nothing behind once the app opens again', async ({ context }) => {
  const page = await context.newPage()
  await createVault(page)
  await page.getByRole('link', { name: 'New memory' }).click()
  await page.locator('input[type=file]').setInputFiles(tempFile('film.bin', seededBytes(150 * 1000 * 1000, 13)))
  await page.getByLabel('Title').fill('Interrupted')
  await page.getByRole('button', { name: 'Save memory' }).click()
  const bar = page.getByRole('progressbar', { name: /encrypting and saving/i })
  await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(5)
  const partial = await countRows(page, ['chunks', 'pending'])
  expect(partial.pending).toBe(1)
  expect(partial.chunks).toBeGreaterThan(0)
  await page.close() // the "crash": no abort, no cleanup code runs

  const again = await context.newPage()
  await again.goto('/')
  await expect(again.getByRole('heading', { level: 1, name: 'Memories' })).toBeVisible()
  await expect(again.getByTestId('memory-card')).toHaveCount(0)
  await expect.poll(async () => await countRows(again, ['tesseras', 'chunks', 'pending'])).toEqual({ tesseras: 0, chunks: 0, pending: 0 })
})
