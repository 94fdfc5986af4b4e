/// <reference lib="webworker" />
/**
 * Service worker: precached app shell, offline navigation, update prompt, and the memory
 * file route ([see src/app/file-route.ts]) that streams decrypted files from IndexedDB.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'
import { openIdbStores } from '../src/store/index.js'
import { createFileRoute, FILES_PATH } from '../src/app/file-route.js'

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

clientsClaim()
