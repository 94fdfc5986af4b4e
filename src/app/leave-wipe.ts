/**
 * Leaving a borrowed session without pressing "forget everything" ([Note: Borrowed-device
 * mode] in ./recovery.ts): closing the tab, reloading or navigating away wipes the origin too.
 *
 * [Note: Wipe on leave]
 * `pagehide` allows no waiting, so everything it deletes must be requested synchronously: the
 * service worker registrations, Cache Storage names and IndexedDB names are listed beforehand
 * (when armed, and again every {@link RELIST_MS}), and the handler only fires the requests
 * (`unregister`, `caches.delete`, `indexedDB.deleteDatabase`: the browser carries them out
 * after the page is gone; a database this tab still has open is deleted once the tab's
 * connections close with it) and clears both storages. A page can also die without `pagehide`
 * (crash, killed process): a marker ({@link BORROWED_MARK}, the one key left in localStorage)
 * makes the next start of the app wipe the origin first ({@link wipeIfLeftBorrowed}).
 */

/** localStorage key: a borrowed session of a device without a vault is or was open here. */
export const BORROWED_MARK = 'tesseras.borrowed-session'
/** How often the names to delete are listed again while armed. */
export const RELIST_MS = 5_000

/** What the wipe needs from the browser (the real globals by default; tests give their own). */
export interface LeaveWipeHost {
  localStorage: Storage
  sessionStorage: Storage
  listRegistrations: () => Promise<ReadonlyArray<{ unregister: () => Promise<boolean> }>>
  listCaches: () => Promise<string[]>
  deleteCache: (name: string) => Promise<boolean>
  listDatabases: () => Promise<string[]>
  deleteDatabase: (name: string) => void
  addEventListener: (type: 'pagehide', listener: () => void) => void
  removeEventListener: (type: 'pagehide', listener: () => void) => void
}

/** The browser's globals as a {@link LeaveWipeHost}. */
export function browserHost (): LeaveWipeHost {
  return {
    localStorage,
    sessionStorage,
    listRegistrations: async () => await navigator.serviceWorker?.getRegistrations() ?? [],
    listCaches: async () => await globalThis.caches?.keys() ?? [],
    deleteCache: async (name) => await caches.delete(name),
    listDatabases: async () => (await indexedDB.databases()).flatMap(d => d.name != null ? [d.name] : []),
    deleteDatabase: (name) => { indexedDB.deleteDatabase(name) },
    addEventListener: (type, listener) => { addEventListener(type, listener) },
    removeEventListener: (type, listener) => { removeEventListener(type, listener) }
  }
}

/** An armed wipe. */
export interface LeaveWipe {
  /** Lists the names to delete now (also done every {@link RELIST_MS}); resolves when listed. */
  relist: () => Promise<void>
  /**
   * Nothing is wiped on leave, nor at the next start ({@link BORROWED_MARK} removed): after
   * "forget everything" wiped already, or once this device got a vault of its own.
   */
  disarm: () => void
}

/**
 * Arms the wipe on leave: sets {@link BORROWED_MARK}, lists what to delete, and on `pagehide`
 * requests every deletion ([Note: Wipe on leave]).
 * @example const wipe = armLeaveWipe(); await wipe.relist() // … later, on "forget everything": wipe.disarm()
 */
export function armLeaveWipe (host: LeaveWipeHost = browserHost()): LeaveWipe {
  host.localStorage.setItem(BORROWED_MARK, '1')
  let registrations: ReadonlyArray<{ unregister: () => Promise<boolean> }> = []
  let cacheNames: string[] = []
  let databases: string[] = []
  const relist = async (): Promise<void> => {
    // Each kind on its own: one failing list must not keep the others stale.
    await Promise.all([
      host.listRegistrations().then(r => { registrations = r }, () => {}),
      host.listCaches().then(c => { cacheNames = c }, () => {}),
      host.listDatabases().then(d => { databases = d }, () => {})
    ])
  }
  const timer = setInterval(() => { void relist() }, RELIST_MS)
  const onHide = (): void => {
    for (const r of registrations) void r.unregister().catch(() => false)
    for (const name of cacheNames) void host.deleteCache(name).catch(() => false)
    for (const name of databases) {
      try { host.deleteDatabase(name) } catch { /* best effort: the marker makes the next start finish it */ }
    }
    host.sessionStorage.clear()
    const keys = Array.from({ length: host.localStorage.length }, (_, i) => host.localStorage.key(i))
    for (const key of keys) if (key !== null && key !== BORROWED_MARK) host.localStorage.removeItem(key)
  }
  host.addEventListener('pagehide', onHide)
  void relist()
  return {
    relist,
    disarm: () => {
      clearInterval(timer)
      host.removeEventListener('pagehide', onHide)
      host.localStorage.removeItem(BORROWED_MARK)
    }
  }
}

/**
 * At app start, before any database is opened: when a borrowed session ended without
 * finishing its wipe ({@link BORROWED_MARK} still set), finishes it with `wipe`.
 * @returns true when a wipe ran
 */
export async function wipeIfLeftBorrowed (wipe: () => Promise<void>, storage: Storage = localStorage): Promise<boolean> {
  if (storage.getItem(BORROWED_MARK) === null) return false
  await wipe()
  storage.removeItem(BORROWED_MARK)
  return true
}
