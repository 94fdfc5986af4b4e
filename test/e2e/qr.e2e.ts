/**
 * The recovery phrase as a QR code ([Note: Phrase QR] in src/ui/qr-code.ts): shown on the
 * device that holds the vault, read on another one from a photo. No network: nothing is sent
 * before the phrase is submitted, and this test stops there.
 */
import { test, expect, chromium } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'
import { encodeQr, qrToPixels } from '../../src/ui/qr-code.js'
import { createVault, expectNoSeriousA11yViolations, tempFile } from './helpers.js'

/** The all-zero-entropy phrase (a BIP39 test vector): 23 × abandon, then art. */
const ZERO_PHRASE = `${'abandon '.repeat(23)}art`

/**
 * One Y4M frame (4:2:0, grey) of `text` as a QR code centred on white, for Chromium's fake
 * camera, which loops the file.
 */
function qrVideo (text: string): Buffer {
  const pixels = qrToPixels(encodeQr(text), 6)
  const width = 640
  const height = 480
  const y = Buffer.alloc(width * height, 235)
  const ox = (width - pixels.width) >> 1
  const oy = (height - pixels.height) >> 1
  for (let r = 0; r < pixels.height; r++) {
    for (let c = 0; c < pixels.width; c++) {
      y[(oy + r) * width + ox + c] = pixels.data[(r * pixels.width + c) * 4] === 0 ? 16 : 235
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128)
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma])
}

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
  await expectNoSeriousA11yViolations(ownerPage, 'storage: phrase QR code shown')
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
  await expectNoSeriousA11yViolations(page, 'recover: code read from a photo')
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

/** Records every stream the page opens, so a test can check that its tracks were stopped. */
const RECORD_STREAMS = (): void => {
  const streams: MediaStream[] = []
  ;(globalThis as unknown as { cameraStreams: MediaStream[] }).cameraStreams = streams
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await open(constraints)
    streams.push(stream)
    return stream
  }
}

/** How many camera tracks the page opened, and how many of them are still live. */
async function cameraTracks (page: import('@playwright/test').Page): Promise<{ opened: number, live: number }> {
  return await page.evaluate(() => {
    const tracks = (globalThis as unknown as { cameraStreams: MediaStream[] }).cameraStreams.flatMap((s) => s.getTracks())
    return { opened: tracks.length, live: tracks.filter((t) => t.readyState === 'live').length }
  })
}

/** A Chromium whose camera is fake: `video` (Y4M) when given, else Chromium's test pattern. */
async function launchWithCamera (video?: string): Promise<import('@playwright/test').Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ...(video != null ? [`--use-file-for-fake-video-capture=${video}`] : [])]
  })
}

test('the camera reads a phrase QR code, fills the form and turns itself off', async ({ baseURL }) => {
  const video = tempFile('phrase-qr.y4m', qrVideo(ZERO_PHRASE))
  const camBrowser = await launchWithCamera(video)
  try {
    const ctx = await camBrowser.newContext({ baseURL, permissions: ['camera'] })
    await ctx.addInitScript(RECORD_STREAMS)
    const page = await ctx.newPage()
    await page.goto('/')
    await page.getByRole('button', { name: /recover my memories/i }).click()
    await page.getByRole('button', { name: 'Scan a QR code' }).click()
    await expect(page.getByTestId('qr-status')).toHaveText(/code read/i)
    await expect(page.getByLabel('Recovery phrase', { exact: true })).toHaveValue(ZERO_PHRASE)
    // Done: the preview is gone and every camera track is stopped.
    await expect(page.getByLabel('Camera view')).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Scan a QR code' })).toBeVisible()
    await expect.poll(() => cameraTracks(page)).toEqual({ opened: 1, live: 0 })
    await expect(page.getByRole('alert')).toHaveCount(0)
    await ctx.close()
  } finally {
    await camBrowser.close()
  }
})

test('leaving the recovery form while scanning turns the camera off', async ({ baseURL }) => {
  const camBrowser = await launchWithCamera()
  try {
    const ctx = await camBrowser.newContext({ baseURL, permissions: ['camera'] })
    await ctx.addInitScript(RECORD_STREAMS)
    const page = await ctx.newPage()
    await page.goto('/')
    await page.getByRole('button', { name: /recover my memories/i }).click()
    await page.getByRole('button', { name: 'Scan a QR code' }).click()
    await expect(page.getByLabel('Camera view')).toBeVisible()
    await expect(page.getByTestId('qr-status')).toHaveText(/point the camera/i)
    await expect.poll(() => cameraTracks(page)).toEqual({ opened: 1, live: 1 })
    await page.getByRole('button', { name: 'Back', exact: true }).click()
    await expect.poll(() => cameraTracks(page)).toEqual({ opened: 1, live: 0 })
    await ctx.close()
  } finally {
    await camBrowser.close()
  }
})
