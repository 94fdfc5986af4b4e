/**
 * Periodic background sync of the repair loop ([Note: Background repair] in
 * src/app/background-repair.ts) with the REAL service worker (dist/sw.js) and real
 * `periodicsync` events dispatched through the DevTools protocol
 * (`ServiceWorker.dispatchPeriodicSyncEvent`).
 *  - No vault: nothing registered, the Mesh view says background checks are off.
 *  - With a vault and the permission granted, the app registers the tag and says "on".
 *  (a) App open: the event makes the page run the repair check long before its first-run delay.
 *  (b) No window of the app open: the worker records the due check (and notifies, since
 *      notifications were granted); the app, reopened, checks at once — while the same app
 *      reopened without a wake waits ~a day for its timer (the control).
 */
import { test, expect, type BrowserContext, type CDPSession, type Page } from '@playwright/test'
import { createVault, waitForServiceWorker } from './helpers.js'

const TAG = 'tesseras-repair'
const LAST_RUN_KEY = 'tesseras.repair-last-run'
const HOUR = 60 * 60 * 1000

interface Handle { tesseras?: { mesh?: { repair: { lastRun?: { startedAt: number }, nextRunAt?: number } } } }

/** The periodic sync tags of the page's registration. */
async function tags (page: Page): Promise<string[] | 'no periodicSync'> {
  return await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready as ServiceWorkerRegistration & { periodicSync?: { getTags: () => Promise<string[]> } }
    return reg.periodicSync == null ? 'no periodicSync' : await reg.periodicSync.getTags()
  })
}

/** Waits for the repair loop of the page to run (the network and mesh load after the shell). */
async function waitForMesh (page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as Handle).tesseras?.mesh?.repair != null, undefined, { timeout: 30_000 })
}

/** The due record the worker keeps (undefined when none), read from a page of the origin. */
async function dueRecord (page: Page): Promise<number | undefined> {
  return await page.evaluate(async () => {
    if (!(await indexedDB.databases()).some(d => d.name === 'tesseras-background')) return undefined
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('tesseras-background')
      req.onsuccess = () => { resolve(req.result) }
      req.onerror = () => { reject(req.error) }
    })
    try {
      return await new Promise<number | undefined>((resolve, reject) => {
        const req = db.transaction('wake').objectStore('wake').get('repair-due')
        req.onsuccess = () => { resolve(req.result as number | undefined) }
        req.onerror = () => { reject(req.error) }
      })
    } finally {
      db.close()
    }
  })
}

/** A CDP session on an about:blank page of the context: it outlives the app's pages. */
async function swSession (ctx: BrowserContext): Promise<{ cdp: CDPSession, registrationId: (scope: string) => Promise<string> }> {
  const blank = await ctx.newPage()
  const cdp = await ctx.newCDPSession(blank)
  const registrations = new Map<string, string>()
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => {
    for (const r of list) {
      if (r.isDeleted) registrations.delete(r.scopeURL)
      else registrations.set(r.scopeURL, r.registrationId)
    }
  })
  await cdp.send('ServiceWorker.enable')
  return {
    cdp,
    registrationId: async (scope) => {
      await expect.poll(() => registrations.get(scope), { message: `a service worker registration for ${scope}` }).toBeDefined()
      return registrations.get(scope) as string
    }
  }
}

test('periodic background sync runs the repair check: at once in an open app, and on the next open when closed', async ({ browser, baseURL }) => {
  const origin = new URL(baseURL as string).origin
  const ctx = await browser.newContext()
  try {
    await ctx.grantPermissions(['notifications'])
    const { cdp, registrationId } = await swSession(ctx)
    // Chromium grants 'periodic-background-sync' only to installed, engaged apps, and Playwright
    // does not know the name: the test grants it through the DevTools protocol, for the whole
    // context.
    const { targetInfo } = await cdp.send('Target.getTargetInfo')
    const browserCdp = await browser.newBrowserCDPSession()
    await browserCdp.send('Browser.setPermission', {
      permission: { name: 'periodic-background-sync' }, setting: 'granted', browserContextId: targetInfo.browserContextId
    })
    // Kept attached to the end: detaching the session that set a permission resets the
    // context's permission overrides (Playwright's grants too).
    let page = await ctx.newPage()

    // No vault yet: nothing registered.
    await page.goto('/mesh')
    await waitForServiceWorker(page)
    await expect(page.getByTestId('background-checks')).toHaveAttribute('data-state', 'off')
    expect(await tags(page)).toEqual([])

    // A vault: registered, and the Mesh view says so.
    await createVault(page)
    await expect.poll(async () => await tags(page)).toEqual([TAG])
    await page.goto('/mesh')
    const status = page.getByTestId('background-checks')
    await expect(status).toHaveAttribute('data-state', 'on')
    await expect(status).toContainText(/once a day/)
    const id = await registrationId(`${origin}/`)

    // (a) App open: no check has run, the first is ~a minute away; the wake runs it now.
    await waitForMesh(page)
    const before = await page.evaluate(() => {
      const r = (globalThis as unknown as Handle).tesseras?.mesh?.repair
      return { lastRun: r?.lastRun, nextInMs: (r?.nextRunAt ?? Infinity) - Date.now() }
    })
    expect(before.lastRun).toBeUndefined()
    expect(before.nextInMs).toBeGreaterThan(30_000)
    await expect(page.getByTestId('check-status')).toContainText(/not checked yet/i)
    const wokeAt = Date.now()
    await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin, registrationId: id, tag: TAG })
    await page.waitForFunction(() => (globalThis as unknown as Handle).tesseras?.mesh?.repair.lastRun !== undefined, undefined, { timeout: 20_000 })
    expect(Date.now() - wokeAt).toBeLessThan(20_000)
    await expect(page.getByTestId('check-status')).toContainText(/last check/i)
    await expect.poll(async () => await dueRecord(page), { message: 'the answered wake is cleared' }).toBeUndefined()

    // The last check was 2 h ago: reopening without a wake waits for the timer (~22 h) — the control.
    const twoHoursAgo = Date.now() - 2 * HOUR
    await page.evaluate(([key, at]) => { localStorage.setItem(key, String(at)) }, [LAST_RUN_KEY, twoHoursAgo] as const)
    await page.reload()
    await waitForMesh(page)
    const control = await page.evaluate(() => {
      const r = (globalThis as unknown as Handle).tesseras?.mesh?.repair
      return { lastRun: r?.lastRun, nextInMs: (r?.nextRunAt ?? 0) - Date.now() }
    })
    expect(control.lastRun).toBeUndefined()
    expect(control.nextInMs).toBeGreaterThan(10 * HOUR)

    // (b) No window of the app: the wake is recorded (and notified: notifications were granted).
    await page.close()
    await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin, registrationId: id, tag: TAG })
    // A page of the origin that runs no app code (the page after "forget everything") reads the record.
    const probe = await ctx.newPage()
    await probe.goto('/forgotten')
    await expect.poll(async () => await dueRecord(probe), { message: 'the worker recorded the due check' }).toBeGreaterThan(twoHoursAgo)
    const notifications = await probe.evaluate(async (tag) => {
      const reg = await navigator.serviceWorker.getRegistration('/')
      return (await reg?.getNotifications({ tag }) ?? []).map(n => ({ title: n.title, body: n.body }))
    }, TAG)
    await probe.close()

    // The app, reopened, checks at once instead of in ~22 h.
    const reopenedAt = Date.now()
    page = await ctx.newPage()
    await page.goto('/mesh')
    await waitForMesh(page)
    await page.waitForFunction(() => (globalThis as unknown as Handle).tesseras?.mesh?.repair.lastRun !== undefined, undefined, { timeout: 20_000 })
    const lastRun = await page.evaluate((key) => Number(localStorage.getItem(key)), LAST_RUN_KEY)
    expect(lastRun).toBeGreaterThanOrEqual(reopenedAt)
    await expect(page.getByTestId('check-status')).toContainText(/last check/i)
    await expect.poll(async () => await dueRecord(page)).toBeUndefined()
    expect(notifications).toEqual([{ title: 'Tesseras: a health check is due', body: expect.stringMatching(/open tesseras/i) }])
  } finally {
    await ctx.close()
  }
})
