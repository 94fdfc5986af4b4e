/// <reference lib="webworker" />
/**
 * Service worker: precached app shell, offline navigation, update prompt, and the memory
 * file route ([see src/app/file-route.ts]) that streams decrypted files from IndexedDB, and
 * the repair loop's periodic background sync ([Note: Background repair] in
 * src/app/background-repair.ts).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'
import { openIdbStores } from '../src/store/index.js'
import { createFileRoute, FILES_PATH } from '../src/app/file-route.js'
import { idbWakeStore, onPeriodicWake, REPAIR_NOTIFICATION_TAG, REPAIR_NOTIFICATION_URL, REPAIR_SYNC_TAG } from '../src/app/background-repair.js'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string, revision: string | null }> }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

let stores: ReturnType<typeof openIdbStores> | undefined
function getStores (): ReturnType<typeof openIdbStores> {
  stores ??= openIdbStores({ onBlocked: () => { stores = undefined } })
  return stores
}

let handler: ((request: Request) => Promise<Response>) | undefined
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(FILES_PATH),
  async ({ request }) => {
    if (handler == null) {
      const s = await getStores()
      handler = createFileRoute({ tesseras: s.tesseras, vault: s.vault })
    }
    return await handler(request)
  },
  'GET'
)

registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), {
  denylist: [new RegExp(`^${FILES_PATH}`)]
}))

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})

/** The Periodic Background Sync event (Chromium; not in TypeScript's WebWorker lib). */
interface PeriodicSyncEvent extends ExtendableEvent { readonly tag: string }

;(self as EventTarget).addEventListener('periodicsync', (e) => {
  const event = e as PeriodicSyncEvent
  if (event.tag !== REPAIR_SYNC_TAG) return
  event.waitUntil(onPeriodicWake({
    wakes: idbWakeStore(),
    clients: self.clients,
    notificationPermission: () => (globalThis as { Notification?: { permission: string } }).Notification?.permission,
    showNotification: async (title, options) => { await self.registration.showNotification(title, options) },
    now: () => Date.now()
  }).catch((err: unknown) => { console.warn('background check: wake failed', err) }))
})

self.addEventListener('notificationclick', (event) => {
  if (event.notification.tag !== REPAIR_NOTIFICATION_TAG) return
  event.notification.close()
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    const open = windows[0]
    if (open !== undefined) await open.focus()
    else await self.clients.openWindow(REPAIR_NOTIFICATION_URL)
  })())
})

clientsClaim()
