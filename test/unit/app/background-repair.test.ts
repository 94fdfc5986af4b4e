/**
 * Periodic background sync of the repair loop (src/app/background-repair.ts): the due record,
 * the decision, the service worker's wake handler, the page's answer and the feature-detected
 * registration. The real worker and a real `periodicsync` event: test/e2e/background-sync.e2e.ts.
 */
import 'fake-indexeddb/auto'
import { deleteDB } from 'idb'
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest'
import {
  answerWake, disablePeriodicRepair, enablePeriodicRepair, idbWakeStore, onPeriodicWake, REPAIR_NOTIFICATION_TAG, REPAIR_NOTIFICATION_URL,
  REPAIR_SYNC_TAG, REPAIR_WAKE_MESSAGE, REPAIR_WAKE_MIN_GAP_MS, wakeIsDue, WAKE_DB, type WakeNotice, type WakeStore
} from '../../../src/app/background-repair.js'

const HOUR = 60 * 60 * 1000
const NOTICE: WakeNotice = { title: 'Check due', body: 'Open the app' }

/** A {@link WakeStore} in memory. */
function memoryWakes (due?: number, notice?: WakeNotice): WakeStore & { state: { due?: number, notice?: WakeNotice } } {
  const state: { due?: number, notice?: WakeNotice } = { due, notice }
  return {
    state,
    due: async () => state.due,
    setDue: async (at) => { state.due = at },
    clearDue: async (at) => { if (state.due === undefined || state.due <= at) state.due = undefined },
    notice: async () => state.notice,
    setNotice: async (n) => { state.notice = n }
  }
}

describe('wakeIsDue', () => {
  it('is due when a wake is recorded and no check ever ran', () => {
    expect(wakeIsDue(1_000, undefined)).toBe(true)
  })
  it('is not due without a recorded wake', () => {
    expect(wakeIsDue(undefined, undefined)).toBe(false)
    expect(wakeIsDue(undefined, 5)).toBe(false)
  })
  it('is due when the wake came at least the minimum gap after the last check', () => {
    const last = 10 * HOUR
    expect(wakeIsDue(last + REPAIR_WAKE_MIN_GAP_MS, last)).toBe(true)
    expect(wakeIsDue(last + 2 * HOUR, last)).toBe(true)
  })
  it('is stale when a check ran shortly before the wake, or after it', () => {
    const last = 10 * HOUR
    expect(wakeIsDue(last + REPAIR_WAKE_MIN_GAP_MS - 1, last)).toBe(false)
    expect(wakeIsDue(last - HOUR, last)).toBe(false)
  })
  it('takes another gap', () => {
    expect(wakeIsDue(100, 0, 100)).toBe(true)
    expect(wakeIsDue(99, 0, 100)).toBe(false)
  })
})

describe('idbWakeStore', () => {
  afterEach(async () => { await deleteDB(WAKE_DB) })

  it('keeps the due time and clears it', async () => {
    const wakes = idbWakeStore()
    expect(await wakes.due()).toBeUndefined()
    await wakes.setDue(1234)
    expect(await idbWakeStore().due()).toBe(1234) // another connection (the worker) sees it
    await wakes.clearDue(1234)
    expect(await wakes.due()).toBeUndefined()
  })

  it('keeps a wake newer than the one a finished check answered', async () => {
    const wakes = idbWakeStore()
    await wakes.setDue(2000)
    await wakes.clearDue(1999)
    expect(await wakes.due()).toBe(2000)
  })

  it('keeps the notification text, and reads junk as nothing', async () => {
    const wakes = idbWakeStore()
    expect(await wakes.notice()).toBeUndefined()
    await wakes.setNotice(NOTICE)
    expect(await wakes.notice()).toEqual(NOTICE)
    const { openDB } = await import('idb')
    const db = await openDB(WAKE_DB, 1)
    await db.put('wake', 'soon', 'repair-due')
    await db.put('wake', { title: 3 }, 'notice')
    db.close()
    expect(await wakes.due()).toBeUndefined()
    expect(await wakes.notice()).toBeUndefined()
  })

  it('holds no connection between calls (forget everything can delete the database)', async () => {
    const wakes = idbWakeStore()
    await wakes.setDue(1)
    const blocked = vi.fn()
    await deleteDB(WAKE_DB, { blocked })
    expect(blocked).not.toHaveBeenCalled()
  })
})

describe('onPeriodicWake (the service worker)', () => {
  function worker (windows: number, permission: string | undefined, notice: WakeNotice | null = NOTICE): {
    wakes: ReturnType<typeof memoryWakes>
    posted: unknown[]
    shown: Array<{ title: string, options: unknown }>
    run: () => ReturnType<typeof onPeriodicWake>
  } {
    const wakes = memoryWakes(undefined, notice ?? undefined)
    const posted: unknown[] = []
    const shown: Array<{ title: string, options: unknown }> = []
    const clients = { matchAll: vi.fn(async () => Array.from({ length: windows }, () => ({ postMessage: (m: unknown) => { posted.push(m) } }))) }
    return {
      wakes,
      posted,
      shown,
      run: async () => await onPeriodicWake({
        wakes,
        clients,
        notificationPermission: () => permission,
        showNotification: async (title, options) => { shown.push({ title, options }) },
        now: () => 5_000
      })
    }
  }

  it('records the due check and tells every open window to check now, without a notification', async () => {
    const w = worker(2, 'granted')
    expect(await w.run()).toBe('messaged')
    expect(w.wakes.state.due).toBe(5_000)
    expect(w.posted).toEqual([{ type: REPAIR_WAKE_MESSAGE, at: 5_000 }, { type: REPAIR_WAKE_MESSAGE, at: 5_000 }])
    expect(w.shown).toEqual([])
  })

  it('with no window open and notifications allowed, records the check and notifies', async () => {
    const w = worker(0, 'granted')
    expect(await w.run()).toBe('notified')
    expect(w.wakes.state.due).toBe(5_000)
    expect(w.shown).toEqual([{ title: NOTICE.title, options: { body: NOTICE.body, tag: REPAIR_NOTIFICATION_TAG, data: { url: REPAIR_NOTIFICATION_URL } } }])
  })

  it('never notifies (nor asks) when permission was not granted, or there is no Notification', async () => {
    for (const permission of ['default', 'denied', undefined]) {
      const w = worker(0, permission)
      expect(await w.run()).toBe('recorded')
      expect(w.wakes.state.due).toBe(5_000)
      expect(w.shown).toEqual([])
    }
  })

  it('does not notify without the text the page left', async () => {
    const w = worker(0, 'granted', null)
    expect(await w.run()).toBe('recorded')
    expect(w.shown).toEqual([])
  })

  it('fails (for waitUntil) when the record cannot be written, before telling anyone', async () => {
    const w = worker(1, 'granted')
    w.wakes.setDue = async () => { throw new Error('quota') }
    await expect(w.run()).rejects.toThrow('quota')
    expect(w.posted).toEqual([])
  })
})

describe('answerWake (the page)', () => {
  it('does nothing without a recorded wake', async () => {
    const runNow = vi.fn(async () => ({ startedAt: 1 }))
    expect(await answerWake({ wakes: memoryWakes(), runNow, lastRunAt: () => undefined })).toBe('none')
    expect(runNow).not.toHaveBeenCalled()
  })

  it('runs the check for a due wake and clears the record', async () => {
    const wakes = memoryWakes(10 * HOUR)
    const runNow = vi.fn(async () => ({ startedAt: 10 * HOUR + 5 }))
    expect(await answerWake({ wakes, runNow, lastRunAt: () => 7 * HOUR })).toBe('checked')
    expect(runNow).toHaveBeenCalledOnce()
    expect(wakes.state.due).toBeUndefined()
  })

  it('drops a stale wake without checking', async () => {
    const wakes = memoryWakes(10 * HOUR)
    const runNow = vi.fn(async () => ({ startedAt: 0 }))
    expect(await answerWake({ wakes, runNow, lastRunAt: () => 10 * HOUR - 60_000 })).toBe('stale')
    expect(runNow).not.toHaveBeenCalled()
    expect(wakes.state.due).toBeUndefined()
  })

  it('keeps the record when the loop is stopped (the next start checks)', async () => {
    const wakes = memoryWakes(10 * HOUR)
    expect(await answerWake({ wakes, runNow: async () => undefined, lastRunAt: () => undefined })).toBe('stopped')
    expect(wakes.state.due).toBe(10 * HOUR)
  })

  it('keeps a wake that arrived during the check', async () => {
    const wakes = memoryWakes(10 * HOUR)
    const runNow = async (): Promise<{ startedAt: number }> => {
      await wakes.setDue(11 * HOUR)
      return { startedAt: 10 * HOUR + 1 }
    }
    expect(await answerWake({ wakes, runNow, lastRunAt: () => undefined })).toBe('checked')
    expect(wakes.state.due).toBe(11 * HOUR)
  })
})

describe('enablePeriodicRepair / disablePeriodicRepair', () => {
  function registration (): { periodicSync: { register: Mock<(tag: string, options: { minInterval: number }) => Promise<void>>, unregister: Mock<(tag: string) => Promise<void>> } } {
    return { periodicSync: { register: vi.fn(async () => {}), unregister: vi.fn(async () => {}) } }
  }
  const permissions = (state: string): { query: Mock<(d: { name: string }) => Promise<{ state: string }>> } => ({ query: vi.fn(async () => ({ state })) })

  it('registers the tag at the repair interval when the permission is granted', async () => {
    const r = registration()
    const p = permissions('granted')
    expect(await enablePeriodicRepair(r, p, 24 * HOUR)).toBe('on')
    expect(p.query).toHaveBeenCalledWith({ name: 'periodic-background-sync' })
    expect(r.periodicSync.register).toHaveBeenCalledWith(REPAIR_SYNC_TAG, { minInterval: 24 * HOUR })
  })

  it('says unsupported without periodicSync or without the Permissions API', async () => {
    expect(await enablePeriodicRepair({}, permissions('granted'), HOUR)).toBe('unsupported')
    const r = registration()
    expect(await enablePeriodicRepair(r, undefined, HOUR)).toBe('unsupported')
    expect(r.periodicSync.register).not.toHaveBeenCalled()
  })

  it('says unsupported when the browser does not know the permission', async () => {
    const r = registration()
    const p = { query: async (): Promise<{ state: string }> => { throw new TypeError("'periodic-background-sync' is not a valid PermissionName") } }
    expect(await enablePeriodicRepair(r, p, HOUR)).toBe('unsupported')
    expect(r.periodicSync.register).not.toHaveBeenCalled()
  })

  it('says not granted, without registering, for prompt or denied', async () => {
    for (const state of ['prompt', 'denied']) {
      const r = registration()
      expect(await enablePeriodicRepair(r, permissions(state), HOUR)).toBe('not-granted')
      expect(r.periodicSync.register).not.toHaveBeenCalled()
    }
  })

  it('says not granted when the browser refuses the registration', async () => {
    const r = registration()
    r.periodicSync.register.mockRejectedValue(new DOMException('Permission denied.', 'NotAllowedError'))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await enablePeriodicRepair(r, permissions('granted'), HOUR)).toBe('not-granted')
    expect(warn).toHaveBeenCalled()
    warn.mockRestore()
  })

  it('unregisters the tag, quietly when that fails or there is no periodicSync', async () => {
    const r = registration()
    await disablePeriodicRepair(r)
    expect(r.periodicSync.unregister).toHaveBeenCalledWith(REPAIR_SYNC_TAG)
    r.periodicSync.unregister.mockRejectedValue(new Error('gone'))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await expect(disablePeriodicRepair(r)).resolves.toBeUndefined()
    warn.mockRestore()
    await expect(disablePeriodicRepair({})).resolves.toBeUndefined()
  })
})
