/**
 * Leaving a borrowed session without "forget everything" ([Note: Wipe on leave] in
 * src/app/leave-wipe.ts), in real Chromium with the real service worker and IndexedDB:
 *  - a device without a vault: closing the tab deletes the service worker, caches, databases
 *    and storage (one marker key stays, so a crash is finished at the next start — checked too);
 *  - a device with its own vault lends itself: "make this my device" is not offered, and
 *    closing the borrowed session's tab leaves the device's vault as it was.
 * No holders are needed: a phrase nobody saved with finds nothing, which is enough to start a session.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test'
import { createVault, waitForServiceWorker } from './helpers.js'

const MARK = 'tesseras.borrowed-session'
/** A valid phrase (checksum and all) of a vault nobody saved anything with. */
const STRANGER = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art'

/** What the origin stores, read from the page shown after "forget everything" (it writes nothing). */
async function originState (ctx: BrowserContext): Promise<{ databases: string[], caches: string[], serviceWorkers: number, localStorage: string[], page: Page }> {
  const page = await ctx.newPage()
  await page.goto('/forgotten')
  const state = await page.evaluate(async () => ({
    databases: (await indexedDB.databases()).flatMap(d => d.name != null ? [d.name] : []).sort(),
    caches: await caches.keys(),
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
    localStorage: Object.keys(localStorage)
  }))
  return { ...state, page }
}

/** Starts a borrowed session with {@link STRANGER} from the recovery form of `page`. */
async function borrow (page: Page): Promise<void> {
  await page.getByLabel(/^recovery phrase$/i).fill(STRANGER)
  await expect(page.getByLabel(/borrowed device/i)).toBeChecked()
  await page.getByRole('button', { name: /find my memories/i }).click()
  await expect(page.getByTestId('forget-everything')).toBeVisible()
}

test('a device without a vault: closing the borrowed tab leaves nothing but the marker, and the next start finishes the wipe', async ({ browser }) => {
  test.setTimeout(120_000)
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto('/')
  await waitForServiceWorker(page) // so there is a worker and a precache to delete
  await page.getByRole('button', { name: /recover my memories/i }).click()
  await borrow(page)
  await page.close({ runBeforeUnload: true })

  await expect.poll(async () => {
    const { page: probe, ...state } = await originState(ctx)
    await probe.close()
    return state
  }, { timeout: 20_000, message: 'the origin is empty after the tab closed' }).toEqual({ databases: [], caches: [], serviceWorkers: 0, localStorage: [MARK] })

  // A crash leaves the marker and everything else: the next start wipes before opening anything.
  const again = await ctx.newPage()
  await again.goto('/')
  await waitForServiceWorker(again)
  await again.evaluate((mark) => { localStorage.setItem(mark, '1'); localStorage.setItem('left-behind', 'x') }, MARK)
  await again.reload()
  await expect(again.getByRole('button', { name: /recover my memories/i })).toBeVisible()
  expect(await again.evaluate(() => Object.keys(localStorage))).not.toContain('left-behind')
  expect(await again.evaluate((mark) => localStorage.getItem(mark), MARK)).toBeNull()
  await ctx.close()
})

test('a device with its own vault lends itself: no "make this my device", and its vault survives the borrowed tab', async ({ browser }) => {
  test.setTimeout(120_000)
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await createVault(page)
  await waitForServiceWorker(page)
  const guest = await ctx.newPage()
  await guest.goto('/recover')
  await expect(guest.getByLabel(/make this my device/i)).toBeDisabled()
  await expect(guest.getByText(/already has a vault of its own/i)).toBeVisible()
  await borrow(guest)
  await guest.close({ runBeforeUnload: true })
  await page.close()

  const { page: probe, ...state } = await originState(ctx)
  await probe.close()
  expect(state.databases).toContain('tesseras')
  expect(state.serviceWorkers).toBe(1)
  expect(state.localStorage).not.toContain(MARK)
  const owner = await ctx.newPage()
  await owner.goto('/')
  await expect(owner.getByRole('heading', { level: 1 })).not.toHaveText(/welcome|bem-vindo/i)
  await expect(owner.getByRole('button', { name: /start my vault/i })).toHaveCount(0)
  await ctx.close()
})
