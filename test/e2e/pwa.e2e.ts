import { test, expect, chromium } from '@playwright/test'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js'
import { createVault, waitForServiceWorker } from './helpers.js'

test('the app passes Chromium’s installability check (manifest + controlling service worker)', async ({ baseURL }) => {
  // Normal contexts report `in-incognito`; a persistent profile is what a person has.
  const profile = mkdtempSync(join(tmpdir(), 'tesseras-profile-'))
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage()
    await page.goto(baseURL as string)
    await waitForServiceWorker(page)
    const cdp = await ctx.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    expect(installabilityErrors).toEqual([])
    const manifest = await cdp.send('Page.getAppManifest') as { errors: unknown[], data?: string }
    expect(manifest.errors).toEqual([])
    const m = JSON.parse(manifest.data ?? '{}') as { name: string, short_name: string, display: string, start_url: string, theme_color: string, icons: Array<{ sizes: string, purpose?: string }> }
    expect(m.name).toContain('Tesseras')
    expect(m.short_name).toBe('Tesseras')
    expect(m.display).toBe('standalone')
    expect(m.start_url).toBe('/')
    expect(m.theme_color).toMatch(/^#/)
    expect(m.icons.map(i => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(m.icons.some(i => i.purpose === 'maskable')).toBe(true)
  } finally {
    await ctx.close()
  }
})

test('when a new version is deployed, a prompt offers to reload', async ({ page }) => {
  await createVault(page)
  await waitForServiceWorker(page)
  const swPath = join(process.cwd(), 'dist', 'sw.js')
  const original = readFileSync(swPath, 'utf8')
  try {
    writeFileSync(swPath, `${original}\n// deployed ${Date.now()}\n`)
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update() })
    const prompt = page.getByRole('alertdialog')
    await expect(prompt).toContainText('A new version of Tesseras is ready')
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload' }).click()])
    await expect(page.getByRole('heading', { level: 1, name: 'Memories' })).toBeVisible()
    await expect(page.getByRole('alertdialog')).toHaveCount(0)
  } finally {
    writeFileSync(swPath, original)
  }
})
