/**
 * Periodic background sync for the repair loop: the browser wakes the service worker about
 * once a day, even with the app closed, where it allows that ([Note: Background repair]).
 * Shared by the page (src/app/main.ts) and the service worker (workers/sw.ts).
 *
 * [Note: Background repair]
 *  - A service worker has no `RTCPeerConnection`, and the holders of our fragments are reached
 *    over WebRTC: the worker cannot check them itself. On `periodicsync` (tag
 *    {@link REPAIR_SYNC_TAG}) it (1) records that a check is due — one number, the time of
 *    the wake, in its own tiny database {@link WAKE_DB} — then (2) tells every open window of
 *    the app ({@link REPAIR_WAKE_MESSAGE}), whose repair loop runs the check now; (3) with no
 *    window open, it shows a notification only if notification permission was already
 *    granted (it never asks). The page that next opens finds the record and checks at once,
 *    instead of waiting for its first-run delay ([Note: Repair schedule]).
 *  - The record is cleared after a finished check that started after the wake. A wake less
 *    than {@link REPAIR_WAKE_MIN_GAP_MS} after the last check is stale (the page's own timer
 *    and the browser's both fired): it is dropped without a check.
 *  - The page registers the tag (minInterval = the repair interval) only where
 *    `registration.periodicSync` exists and the 'periodic-background-sync' permission is
 *    granted — Chromium grants it to installed apps people use — and only once a vault exists
 *    and this is not a borrowed device ([Note: Borrowed-device mode]). "Forget everything"
 *    unregisters it with the service worker.
 *  - Not done in the worker: attestations over WebSockets to anchors. It would need a second
 *    libp2p node in the worker (the page's bundle again, ~200 kB) for the share of fragments
 *    that anchors hold, in a worker the browser stops after ~30 s; repair itself needs the
 *    browser holders (WebRTC) anyway, and anchors already repair keylessly ([Note: Keyless repair]).
 */
import { openDB, type IDBPDatabase } from 'idb'

/** The periodic sync tag of the repair loop. */
export const REPAIR_SYNC_TAG = 'tesseras-repair'
/** `postMessage` type the worker sends to open windows: run the repair check now. */
export const REPAIR_WAKE_MESSAGE = 'tesseras:repair-due'
/** Notification tag (a newer one replaces an older one). */
export const REPAIR_NOTIFICATION_TAG = 'tesseras-repair'
/** The worker's own small database (never part of a vault); deleted by "forget everything". */
export const WAKE_DB = 'tesseras-background'
/** A wake this soon after the last check asks for nothing new. */
export const REPAIR_WAKE_MIN_GAP_MS = 60 * 60 * 1000

/** Where background checks stand on this device, for the Mesh view. */
export type BackgroundStatus =
  /** Not known yet (service worker not ready). */
  | 'unknown'
  /** Registered: the browser wakes the app about once a day. */
  | 'on'
  /** The browser has periodic background sync but does not allow it for this app (not installed, or too little use). */
  | 'not-granted'
  /** No periodic background sync in this browser. */
  | 'unsupported'
  /** Not wanted here: no vault yet, or a borrowed device. */
  | 'off'

/** Text of the notification shown when a check is due and no window is open. */
export interface WakeNotice { title: string, body: string }

/** The due record and the notification text, as the page and the worker share them. */
export interface WakeStore {
  /** Time of the last unanswered wake (ms since epoch). */
  due(): Promise<number | undefined>
  /** Records a wake at `at`. */
  setDue(at: number): Promise<void>
  /** Clears the due record if it is not newer than `at` (a later wake stays). */
  clearDue(at: number): Promise<void>
  notice(): Promise<WakeNotice | undefined>
  setNotice(notice: WakeNotice): Promise<void>
}

const STORE = 'wake'
const DUE_KEY = 'repair-due'
const NOTICE_KEY = 'notice'

/**
 * The {@link WakeStore} in IndexedDB ({@link WAKE_DB}). Each call opens and closes the
 * database, so it never holds a connection that would block "forget everything".
 */
export function idbWakeStore (): WakeStore {
  const use = async <T>(fn: (db: IDBPDatabase) => Promise<T>): Promise<T> => {
    const db = await openDB(WAKE_DB, 1, { upgrade (d) { d.createObjectStore(STORE) } })
    try {
      return await fn(db)
    } finally {
      db.close()
    }
  }
  return {
    due: async () => await use(async db => {
      const v: unknown = await db.get(STORE, DUE_KEY)
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined
    }),
    setDue: async (at) => { await use(async db => { await db.put(STORE, at, DUE_KEY) }) },
    clearDue: async (at) => {
      await use(async db => {
        const tx = db.transaction(STORE, 'readwrite')
        const v: unknown = await tx.store.get(DUE_KEY)
        if (typeof v !== 'number' || v <= at) await tx.store.delete(DUE_KEY)
        await tx.done
      })
    },
    notice: async () => await use(async db => {
      const v = await db.get(STORE, NOTICE_KEY) as Partial<WakeNotice> | undefined
      return typeof v?.title === 'string' && typeof v.body === 'string' ? { title: v.title, body: v.body } : undefined
    }),
    setNotice: async (notice) => { await use(async db => { await db.put(STORE, { title: notice.title, body: notice.body }, NOTICE_KEY) }) }
  }
}

/**
 * Whether a recorded wake asks for a check: there is one, and it came at least `minGapMs`
 * after the last check (or there was none).
 */
export function wakeIsDue (wakeAt: number | undefined, lastRunAt: number | undefined, minGapMs = REPAIR_WAKE_MIN_GAP_MS): boolean {
  if (wakeAt === undefined) return false
  return lastRunAt === undefined || wakeAt - lastRunAt >= minGapMs
}

/** What the service worker's wake handler needs ({@link onPeriodicWake}). */
export interface WakeWorkerComponents {
  wakes: Pick<WakeStore, 'setDue' | 'notice'>
  /** `self.clients`. */
  clients: { matchAll: (options: { type: 'window', includeUncontrolled: boolean }) => Promise<ReadonlyArray<{ postMessage: (message: unknown) => void }>> }
  /** `Notification.permission` in the worker, or undefined where there is none. */
  notificationPermission: () => string | undefined
  /** `self.registration.showNotification`. */
  showNotification: (title: string, options: { body: string, tag: string, data: { url: string } }) => Promise<void>
  now: () => number
}

/** What a wake did: told open windows, notified, or only recorded the due check. */
export type WakeOutcome = 'messaged' | 'notified' | 'recorded'

/** Path a notification opens. */
export const REPAIR_NOTIFICATION_URL = '/mesh'

/**
 * The worker's `periodicsync` handler for {@link REPAIR_SYNC_TAG} ([Note: Background repair]):
 * records the due check, then messages open windows, else notifies when allowed.
 * Pass its promise to `event.waitUntil`.
 */
export async function onPeriodicWake (c: WakeWorkerComponents): Promise<WakeOutcome> {
  const at = c.now()
  await c.wakes.setDue(at)
  const windows = await c.clients.matchAll({ type: 'window', includeUncontrolled: true })
  if (windows.length > 0) {
    for (const w of windows) w.postMessage({ type: REPAIR_WAKE_MESSAGE, at })
    return 'messaged'
  }
  if (c.notificationPermission() !== 'granted') return 'recorded'
  const notice = await c.wakes.notice()
  if (notice === undefined) return 'recorded'
  await c.showNotification(notice.title, { body: notice.body, tag: REPAIR_NOTIFICATION_TAG, data: { url: REPAIR_NOTIFICATION_URL } })
  return 'notified'
}

/** What the page's wake handling needs ({@link answerWake}). */
export interface WakeAnswerComponents {
  wakes: Pick<WakeStore, 'due' | 'clearDue'>
  /** The repair loop's "run now"; resolves undefined when the loop is stopped. */
  runNow: () => Promise<{ startedAt: number } | undefined>
  /** Time of the last finished check, as kept across reloads. */
  lastRunAt: () => number | undefined
}

/** What the page did about a wake: ran the check, dropped a stale wake, or found none. */
export type WakeAnswer = 'checked' | 'stale' | 'none' | 'stopped'

/**
 * The page's side ([Note: Background repair]): at start and on {@link REPAIR_WAKE_MESSAGE},
 * runs the repair check if a wake is due, then clears the record.
 */
export async function answerWake (c: WakeAnswerComponents): Promise<WakeAnswer> {
  const at = await c.wakes.due()
  if (at === undefined) return 'none'
  if (!wakeIsDue(at, c.lastRunAt())) {
    await c.wakes.clearDue(at)
    return 'stale'
  }
  const run = await c.runNow()
  if (run === undefined) return 'stopped'
  await c.wakes.clearDue(at)
  return 'checked'
}

/** The slice of `ServiceWorkerRegistration` periodic sync needs (absent in most browsers). */
export interface PeriodicSyncRegistration {
  periodicSync?: {
    register: (tag: string, options: { minInterval: number }) => Promise<void>
    unregister: (tag: string) => Promise<void>
    getTags?: () => Promise<string[]>
  }
}

/** `navigator.permissions`, or undefined. */
export interface PermissionsLike {
  query: (descriptor: { name: string }) => Promise<{ state: string }>
}

/**
 * Registers the repair tag where the browser allows it (feature-detects `periodicSync` and
 * the permission; never throws).
 * @param minIntervalMs - the repair interval
 */
export async function enablePeriodicRepair (registration: PeriodicSyncRegistration, permissions: PermissionsLike | undefined, minIntervalMs: number): Promise<BackgroundStatus> {
  const sync = registration.periodicSync
  if (sync == null || permissions == null) return 'unsupported'
  let state: string
  try {
    state = (await permissions.query({ name: 'periodic-background-sync' })).state
  } catch {
    return 'unsupported' // the browser does not know the permission name
  }
  if (state !== 'granted') return 'not-granted'
  try {
    await sync.register(REPAIR_SYNC_TAG, { minInterval: minIntervalMs })
    return 'on'
  } catch (err) {
    console.warn('background checks: periodic sync registration refused', err)
    return 'not-granted'
  }
}

/** Unregisters the repair tag if there is one (never throws). */
export async function disablePeriodicRepair (registration: PeriodicSyncRegistration): Promise<void> {
  await registration.periodicSync?.unregister(REPAIR_SYNC_TAG).catch((err: unknown) => {
    console.warn('background checks: could not unregister', err)
  })
}
