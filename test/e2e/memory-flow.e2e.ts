import { test, expect } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { createVault, makePng, saveMemory, waitForServiceWorker } from './helpers.js'

test('new vault, a memory of 3 photos and a note, offline reload, view and byte-exact download @phone', async ({ page, context }) => {
  const words = await createVault(page)
  expect(new Set(words).size).toBeGreaterThan(12)
  await waitForServiceWorker(page)

  const photos = [1, 2, 3].map(i => ({ name: `photo-${i}.png`, mimeType: 'image/png', buffer: makePng(80 + i * 10, 60, i) }))
  const note = { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('Grandma’s kitchen, summer 1987.\nThe smell of bread.\n') }
  await saveMemory(page, 'Summer at grandma’s', [...photos, note])

  await page.getByRole('link', { name: /back to memories/i }).click()
  const card = page.getByTestId('memory-card')
  await expect(card).toHaveCount(1)
  await expect(card).toContainText('Summer at grandma’s')
  await expect.poll(async () => await card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)

  await context.setOffline(true)
  await page.reload()
  await expect(page.getByTestId('memory-card')).toHaveCount(1)
  await expect(page.getByText(/you are offline/i)).toBeVisible()
  await page.getByTestId('memory-card').getByRole('link').click()
  await expect(page.getByRole('heading', { level: 1, name: 'Summer at grandma’s' })).toBeVisible()
  const images = page.locator('.media img')
  await expect(images).toHaveCount(3)
  for (let i = 0; i < 3; i++) {
    await expect.poll(async () => await images.nth(i).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(80 + (i + 1) * 10)
  }
  await expect(page.getByText('The smell of bread.')).toBeVisible()

  // Deep link while offline: the shell comes from the precache, the memory from IndexedDB.
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Summer at grandma’s' })).toBeVisible()

  for (const file of [photos[1], note]) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: `Download ${file.name}` }).click()
    ])
    expect(download.suggestedFilename()).toBe(file.name)
    const bytes = await readFile(await download.path())
    expect(bytes.length, `downloaded ${bytes.subarray(0, 80).toString()}`).toBe(file.buffer.length)
    expect(Buffer.compare(bytes, file.buffer)).toBe(0)
  }
  await context.setOffline(false)
})
