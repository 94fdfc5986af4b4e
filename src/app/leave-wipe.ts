/**
 * Deleting everything this origin stored in the browser: "Done — forget everything"
 * ({@link wipeOrigin}) and leaving a borrowed session without it ({@link armLeaveWipe})
 * ([Note: Borrowed-device mode] in ./recovery.ts). Both list the same things and delete them
 * the same way ({@link listOrigin}, {@link deleteOrigin}); only the waiting differs.
 *
 * [Note: Wipe on leave]
 * Closing the tab, reloading or navigating away from a borrowed session wipes the origin too.
 * `pagehide` allows no waiting, so everything it deletes must be requested synchronously: the
 * origin's contents are listed beforehand (when armed, and again every {@link RELIST_MS}),
 * and the handler only fires the requests (`unregister`, `caches.delete`,
 * `indexedDB.deleteDatabase`: the browser carries them out after the page is gone; a database
 * this tab still has open is deleted once the tab's connections close with it) and clears
 * both storages. A page can also die without `pagehide` (crash, killed process): a marker
 * ({@link BORROWED_MARK}, the one key left in localStorage) makes the next start of the app
 * wipe the origin first ({@link wipeIfLeftBorrowed}).
 */
import { disablePeriodicRepair, type PeriodicSyncRegistration } from './background-repair.js'

/** localStorage key: a borrowed session of a device without a vault is or was open here. */
export const BORROWED_MARK = 'tesseras.borrowed-session'
/** How often the names to delete are listed again while armed. */
export const RELIST_MS = 5_000
/** How long one IndexedDB deletion may stay blocked by a connection we cannot close. */
const DELETE_WAIT_MS = 5_000

/** A service worker registration, as far as deleting it goes. */
export type WipeableRegistration = PeriodicSyncRegistration & { unregister: () => Promise<boolean> }

/** What the wipe needs from the browser (the real globals by default; tests give their own). */
export interface LeaveWipeHost {
  localStorage: Storage
  sessionStorage: Storage
  listRegistrations: () => Promise<readonly WipeableRegistration[]>
  listCaches: () => Promise<string[]>
  deleteCache: (name: string) => Promise<boolean>
  listDatabases: () => Promise<string[]>
  /** Requests the deletion at once; resolves when done, failed, or blocked for a while. */
  deleteDatabase: (name: string) => Promise<void>
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
    deleteDatabase,
    addEventListener: (type, listener) => { addEventListener(type, listener) },
    removeEventListener: (type, listener) => { removeEventListener(type, listener) }
  }
}

/** What the origin stores, by kind. */
export interface OriginContents {
  registrations: readonly WipeableRegistration[]
  caches: string[]
  databases: string[]
}

/** Lists the origin's contents; a kind that cannot be listed counts as empty (the others still are). */
export async function listOrigin (host: LeaveWipeHost): Promise<OriginContents> {
  const [registrations, cacheNames, databases] = await Promise.all([
    host.listRegistrations().catch(() => []),
    host.listCaches().catch(() => []),
    host.listDatabases().catch(() => [])
  ])
  return { registrations, caches: cacheNames, databases }
}

/**
 * Deletes `contents` and clears both storages (localStorage except {@link BORROWED_MARK} with
 * `keepMark`). Every request is issued before the first await, so a caller that cannot wait
 * (`pagehide`) still gets them all; the promise says when they are done. Best effort per item.
 */
export async function deleteOrigin (contents: OriginContents, host: LeaveWipeHost, keepMark: boolean): Promise<void> {
  const pending = [
    // The repair tag goes with the worker anyway; unregistered explicitly as well.
    ...contents.registrations.flatMap(r => [disablePeriodicRepair(r), r.unregister().catch(() => false)]),
    ...contents.caches.map(async name => await host.deleteCache(name).catch(() => false)),
    ...contents.databases.map(async name => { await host.deleteDatabase(name).catch(() => {}) })
  ]
  host.sessionStorage.clear()
  if (keepMark) {
    const keys = Array.from({ length: host.localStorage.length }, (_, i) => host.localStorage.key(i))
    for (const key of keys) if (key !== null && key !== BORROWED_MARK) host.localStorage.removeItem(key)
  } else {
    host.localStorage.clear() // with BORROWED_MARK: nothing is left to finish
  }
  await Promise.all(pending)
}

/** Deletes everything this origin stored in the browser, and waits for it. */
export async function wipeOrigin (host: LeaveWipeHost = browserHost()): Promise<void> {
  await deleteOrigin(await listOrigin(host), host, false)
}

/** Deletes one database; waits while another connection blocks it, up to {@link DELETE_WAIT_MS}. */
async function deleteDatabase (name: string): Promise<void> {
  await new Promise<void>(resolve => {
    const request = indexedDB.deleteDatabase(name)
    const timer = setTimeout(() => {
      console.warn(`forget: database ${name} is still open elsewhere; it is deleted when that closes`)
      resolve()
    }, DELETE_WAIT_MS)
    const done = (): void => { clearTimeout(timer); resolve() }
    request.onsuccess = done
    request.onerror = () => { console.warn(`forget: deleting ${name} failed`, request.error); done() }
  })
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
  let contents: OriginContents = { registrations: [], caches: [], databases: [] }
  const relist = async (): Promise<void> => { contents = await listOrigin(host) }
  const timer = setInterval(() => { void relist() }, RELIST_MS)
  const onHide = (): void => { void deleteOrigin(contents, host, true) }
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
