/**
 * The recovery phrase as a QR code ([Note: Phrase QR] in src/ui/qr-code.ts): shown on the
 * device that holds the vault, read on another one from a photo. No network: nothing is sent
 * before the phrase is submitted, and this test stops there.
 */
import { test, expect } from '@playwright/test'
import { createVault, tempFile } from './helpers.js'

test('a phrase shown as a QR code fills the recovery form of another browser from a photo', async ({ browser }) => {
  const owner = await browser.newContext()
  const ownerPage = await owner.newPage()
  const words = await createVault(ownerPage)
  await ownerPage.getByRole('link', { name: 'Storage' }).click()
  await ownerPage.getByRole('button', { name: 'Show my recovery phrase' }).click()
  // Hidden by default: the code appears only on request, with its warning.
  await expect(ownerPage.getByTestId('phrase-qr')).toHaveCount(0)
  const showQr = ownerPage.getByRole('button', { name: 'Show as QR code' })
  await expect(showQr).toHaveAttribute('aria-expanded', 'false')
  await showQr.click()
  const qr = ownerPage.getByRole('img', { name: 'QR code of your recovery phrase' })
  await expect(qr).toBeVisible()
  await expect(ownerPage.getByText(/anyone who sees or photographs this code can read all your memories/i)).toBeVisible()
  const png = await qr.screenshot()
  await ownerPage.getByRole('button', { name: 'Hide QR code' }).click()
  await expect(ownerPage.getByTestId('phrase-qr')).toHaveCount(0)
  await owner.close()

  const other = await browser.newContext()
  const page = await other.newPage()
  await page.goto('/')
  await page.getByRole('button', { name: /recover my memories/i }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Recover my memories' })).toBeVisible()
  const requests: string[] = []
  page.on('request', (r) => { requests.push(r.url()) })
  await page.getByLabel('or pick a photo of the code').setInputFiles(tempFile('phrase-qr.png', png))
  await expect(page.getByTestId('qr-status')).toHaveText(/code read/i)
  await expect(page.getByLabel('Recovery phrase', { exact: true })).toHaveValue(words.join(' '))
  await expect(page.getByRole('button', { name: 'Find my memories' })).toBeEnabled()
  await expect(page.getByRole('alert')).toHaveCount(0)
  // Reading the code fetched nothing but the app's own decoder chunk.
  expect(requests.filter((u) => !u.includes('/assets/'))).toEqual([])
  await other.close()
})

test('a refused or missing camera says so and keeps the typed path', async ({ browser }) => {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto('/')
  await page.getByRole('button', { name: /recover my memories/i }).click()
  await page.getByRole('button', { name: 'Scan a QR code' }).click()
  await expect(page.getByTestId('qr-status')).toHaveText(/camera was not allowed|no camera is available|camera could not be started/i)
  await expect(page.getByRole('button', { name: 'Scan a QR code' })).toBeVisible()
  await page.getByLabel('Recovery phrase', { exact: true }).fill('abandon '.repeat(24).trim())
  await page.getByRole('button', { name: 'Find my memories' }).click()
  await expect(page.getByRole('alert')).toHaveText(/not a recovery phrase/)
  await ctx.close()
})
