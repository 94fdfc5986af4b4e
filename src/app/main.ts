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
import { MeshQueue } from './mesh-queue.js'
import { makeThumbnail } from './thumbnail.js'
import type { MeshWiring } from './network.js'
import type { Mesh } from './mesh.js'
// The constant alone: the replication index would pull the whole service into the app shell (+55 kB).
import { DEFAULT_REPAIR_INTERVAL_MS } from '../replication/constants.js'
import {
  answerWake, enablePeriodicRepair, idbWakeStore, REPAIR_WAKE_MESSAGE, type PeriodicSyncRegistration, type PermissionsLike
} from './background-repair.js'
import { FORGOTTEN_PATH, RecoveryApp, type RecoveryNetwork } from './recovery.js'
import { wipeIfLeftBorrowed, wipeOrigin } from './leave-wipe.js'
import Forgotten from '../ui/Forgotten.svelte'
import '../ui/app.css'

async function start (): Promise<void> {
  // After "forget everything": a page that opens no database, registers nothing, stores nothing.
  if (location.pathname.replace(/\/$/, '') === FORGOTTEN_PATH) {
    const lang = new URLSearchParams(location.search).get('lang')
    if (lang === 'en' || lang === 'pt') i18n.lang = lang
    mount(Forgotten, { target: document.getElementById('app') as HTMLElement })
    return
  }
  // A borrowed session that ended without finishing its wipe (crash, killed tab): finish it
  // before anything is opened ([Note: Wipe on leave]).
  await wipeIfLeftBorrowed(wipeOrigin)
  i18n.set(i18n.lang)
  let app: AppState | undefined
  const stores = await openIdbStores({
    onBlocked: () => { app?.say('Tesseras was updated in another tab. Reload this page.') }
  })
  const codec = createCodecPool({
    createWorker: () => new Worker(new URL('../../workers/codec.worker.ts', import.meta.url), { type: 'module', name: 'codec' })
  })
  // Saves queue their hash here; the replication service takes them once the network runs.
  const meshQueue = new MeshQueue()
  const library = new Library({
    codec,
    onSaved: (hashHex) => { meshQueue.saved(hashHex) },
    tesseras: stores.tesseras,
    vault: stores.vault,
    makeThumbnail,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => { URL.revokeObjectURL(url) }
  })
  app = new AppState(library)
  const handle: Record<string, unknown> = { app, library, stores }
  const background = wireBackgroundRepair(app, () => app?.hasVault === true && holding, () => handle.mesh as Mesh | undefined)
  // Borrowed-device mode turns holding for others off for this session ([Note: Borrowed-device mode]).
  let holding = true
  const network = deferred<RecoveryNetwork>()
  network.promise.catch(() => {}) // recovery awaits it; nobody else must
  app.recovery = new RecoveryApp({
    codec,
    network: async () => await network.promise,
    restoreVault: async (phrase) => { await library.restoreVault(phrase) },
    tesseras: stores.tesseras,
    replicas: stores.replicas,
    closeStores: () => { stores.close() },
    onBorrowed: () => { holding = false; background.sync() },
    hasVault: () => app?.hasVault === true
  })
  mount(App, { target: document.getElementById('app') as HTMLElement, props: { app } })

  await sweepWhenAlone(async () => { await stores.tesseras.sweepIncomplete() })
  app.hasVault = await library.load()
  if (app.hasVault) await app.refresh()
  app.ready = true
  app.go(app.parseLocation(), true)
  registerServiceWorker(app)
  app.onVaultChange = (hasVault) => {
    if (hasVault) app?.recovery?.vaultCreated()
    background.sync()
  }
  background.sync()
  // Installed apps are far more likely to be granted persistent storage (Chrome's heuristics).
  addEventListener('appinstalled', () => { void navigator.storage?.persist?.() })
  handle.recovery = app.recovery
  ;(globalThis as { tesseras?: unknown }).tesseras = handle
  startNetwork(app, handle, { stores, state: app.mesh, queue: meshQueue, holding: () => holding }, network, () => { background.answer() })
}

/**
 * Loads libp2p after the shell has painted (a lazy chunk of ~200 kB gzipped); offline or in a
 * browser without WebRTC the app keeps working and the Network view says why.
 */
function startNetwork (app: AppState, handle: Record<string, unknown>, wiring: MeshWiring, ready: Deferred<RecoveryNetwork>, onMesh: () => void): void {
  requestAnimationFrame(() => {
    setTimeout(() => {
      import('./network.js')
        .then(async (m) => await m.connectNetwork(app.network, wiring))
        .then(({ node, mesh, peerNetwork }) => {
          handle.network = node
          handle.mesh = mesh
          const stopHolding = async (): Promise<void> => {
            handle.mesh = undefined
            await mesh?.stop()
          }
          ready.resolve({ peerNetwork, stopHolding, stop: async () => { await stopHolding(); await node.stop() } })
          if (mesh != null) onMesh()
        })
        .catch((err: unknown) => {
          console.warn('network unavailable', err)
          app.network.status = 'unavailable'
          ready.reject(err)
        })
    }, 0)
  })
}

interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void, reject: (err: unknown) => void }

/** A promise with its settle functions (Promise.withResolvers is ES2024). */
function deferred<T> (): Deferred<T> {
  let resolve: (value: T) => void = () => {}
  let reject: (err: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** Name of the Web Lock every open tab holds (shared) for its lifetime. */
const TAB_LOCK = 'tesseras-open-tab'

/**
 * Crash recovery: drops chunks of saves that never committed — but only when no other tab is
 * open, since a save in progress there looks exactly like a crashed one. Then joins the
 * shared lock so later tabs know this one is alive.
 */
async function sweepWhenAlone (sweep: () => Promise<void>): Promise<void> {
  const locks = navigator.locks
  if (locks == null) return
  await locks.request(TAB_LOCK, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
    if (lock != null) await sweep().catch((err: unknown) => { console.warn('sweep of unfinished saves failed', err) })
  })
  void locks.request(TAB_LOCK, { mode: 'shared' }, async () => { await new Promise<never>(() => {}) })
}

/**
 * The page's side of background checks ([Note: Background repair]): `sync()` registers the
 * periodic sync tag when `wanted()` (a vault, not a borrowed device) and the browser allows
 * it, and shows where things stand; `answer()` runs a due check once the repair loop runs,
 * and each wake message from the service worker calls it again.
 */
function wireBackgroundRepair (app: AppState, wanted: () => boolean, mesh: () => Mesh | undefined): { sync: () => void, answer: () => void } {
  const wakes = idbWakeStore()
  const answer = (): void => {
    const m = mesh()
    // A borrowed device writes nothing and never opens the wake database.
    if (m === undefined || !wanted()) return
    answerWake({
      wakes,
      runNow: async () => await m.repair.runNow(),
      lastRunAt: m.repairLastRunAt
    }).catch((err: unknown) => { console.warn('background check: could not answer the wake', err) })
  }
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if ((event.data as { type?: unknown } | null)?.type === REPAIR_WAKE_MESSAGE) answer()
  })
  const sync = (): void => {
    if (!wanted()) { app.mesh.background = 'off'; return }
    if (!('serviceWorker' in navigator) || import.meta.env.DEV) { app.mesh.background = 'unsupported'; return }
    void navigator.serviceWorker.ready.then(async (registration) => {
      if (!wanted()) { app.mesh.background = 'off'; return }
      const t = i18n.strings.mesh
      await wakes.setNotice({ title: t.backgroundNoticeTitle, body: t.backgroundNoticeBody })
      app.mesh.background = await enablePeriodicRepair(registration as PeriodicSyncRegistration, navigator.permissions as unknown as PermissionsLike | undefined, DEFAULT_REPAIR_INTERVAL_MS)
    }).catch((err: unknown) => {
      console.warn('background checks unavailable', err)
      app.mesh.background = 'unsupported'
    })
  }
  return { sync, answer }
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
