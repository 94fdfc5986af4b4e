/**
 * Browser composition root: builds the adapters (IndexedDB stores, codec worker pool),
 * injects them into the Library, mounts the UI and registers the service worker.
 */
import { mount } from 'svelte'
import { Workbox } from 'workbox-window'
import App from '../ui/App.svelte'
import { AppState } from '../ui/state/app.svelte.js'
import { i18n } from '../ui/state/i18n.svelte.js'
import { createCodecPool } from '../codec/worker-client.js'
import { openIdbStores } from '../store/index.js'
import { Library } from './library.js'
import { makeThumbnail } from './thumbnail.js'
import '../ui/app.css'

async function start (): Promise<void> {
  i18n.set(i18n.lang)
  let app: AppState | undefined
  const stores = await openIdbStores({
    onBlocked: () => { app?.say('Tesseras was updated in another tab. Reload this page.') }
  })
  const codec = createCodecPool({
    createWorker: () => new Worker(new URL('../../workers/codec.worker.ts', import.meta.url), { type: 'module', name: 'codec' })
  })
  const library = new Library({
    codec,
    tesseras: stores.tesseras,
    vault: stores.vault,
    makeThumbnail,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => { URL.revokeObjectURL(url) }
  })
  app = new AppState(library)
  mount(App, { target: document.getElementById('app') as HTMLElement, props: { app } })

  // Crash recovery: drop chunks of saves that never committed.
  await stores.tesseras.sweepIncomplete().catch((err: unknown) => { console.warn('sweep failed', err) })
  app.hasVault = await library.load()
  if (app.hasVault) await app.refresh()
  app.ready = true
  app.go(app.parseLocation(), true)
  registerServiceWorker(app)
  ;(globalThis as { tesseras?: unknown }).tesseras = { app, library, stores }
}

function registerServiceWorker (app: AppState): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  const wb = new Workbox('/sw.js', { scope: '/', type: 'classic' })
  wb.addEventListener('waiting', () => {
    app.updateAvailable = true
    app.applyUpdate = () => {
      wb.addEventListener('controlling', () => { location.reload() })
      wb.messageSkipWaiting()
    }
  })
  void wb.register()
}

void start()
