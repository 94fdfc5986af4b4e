/**
 * Wipe on leave of a borrowed session ([Note: Wipe on leave]) and the vault guard of
 * RecoveryApp: what `pagehide` deletes, what disarming keeps, the next-start fallback, and that
 * a device with its own vault is never wiped nor has its vault replaced.
 */
import { describe, expect, it, vi } from 'vitest'
import { BORROWED_MARK, type LeaveWipe, type LeaveWipeHost, armLeaveWipe, wipeIfLeftBorrowed, wipeOrigin } from '../../../src/app/leave-wipe.js'
import { RecoveryApp, type RecoveryAppComponents, type RecoveryNetwork } from '../../../src/app/recovery.js'
import type { CodecClient } from '../../../src/codec/worker-client.js'
import type { PeerNetwork, ReplicaStore, TesseraStore } from '../../../src/core/ports.js'
import { entropyToPhrase } from '../../../src/crypto/index.js'

/** A Storage over a Map (Node has none). */
class MemoryStorage implements Storage {
  readonly #m = new Map<string, string>()
  get length (): number { return this.#m.size }
  clear (): void { this.#m.clear() }
  getItem (key: string): string | null { return this.#m.get(key) ?? null }
  key (i: number): string | null { return [...this.#m.keys()][i] ?? null }
  removeItem (key: string): void { this.#m.delete(key) }
  setItem (key: string, value: string): void { this.#m.set(key, value) }
  [name: string]: unknown
}

/** A browser origin in miniature: what exists, what was asked to be deleted. */
function fakeHost (): LeaveWipeHost & { registrations: string[], cacheNames: string[], databases: string[], hide: () => void, deleted: string[] } {
  const deleted: string[] = []
  const listeners = new Set<() => void>()
  const host = {
    localStorage: new MemoryStorage(),
    sessionStorage: new MemoryStorage(),
    registrations: ['/'],
    cacheNames: ['workbox-precache-v2'],
    databases: ['tesseras', 'tesseras-device'],
    deleted,
    listRegistrations: async () => host.registrations.map(scope => ({ unregister: async () => { deleted.push(`sw:${scope}`); return true } })),
    listCaches: async () => [...host.cacheNames],
    deleteCache: async (name: string) => { deleted.push(`cache:${name}`); return true },
    listDatabases: async () => [...host.databases],
    deleteDatabase: async (name: string) => { deleted.push(`db:${name}`) },
    addEventListener: (_type: 'pagehide', l: () => void) => { listeners.add(l) },
    removeEventListener: (_type: 'pagehide', l: () => void) => { listeners.delete(l) },
    hide: () => { for (const l of listeners) l() }
  }
  return host
}

describe('armLeaveWipe', () => {
  it('on pagehide requests the deletion of every registration, cache and database, and leaves only the marker', async () => {
    const host = fakeHost()
    host.localStorage.setItem('tesseras.relays', '/dns4/relay')
    host.sessionStorage.setItem('x', '1')
    const wipe = armLeaveWipe(host)
    await wipe.relist()
    host.hide()
    await Promise.resolve()
    expect(host.deleted.sort()).toEqual(['cache:workbox-precache-v2', 'db:tesseras', 'db:tesseras-device', 'sw:/'])
    expect(host.sessionStorage.length).toBe(0)
    expect([host.localStorage.length, host.localStorage.getItem(BORROWED_MARK)]).toEqual([1, '1'])
    wipe.disarm()
  })

  it('deletes what appeared after arming once listed again', async () => {
    const host = fakeHost()
    const wipe = armLeaveWipe(host)
    await wipe.relist()
    host.cacheNames.push('thumbnails')
    host.databases.push('tesseras-background')
    await wipe.relist()
    host.hide()
    await Promise.resolve()
    expect(host.deleted).toContain('cache:thumbnails')
    expect(host.deleted).toContain('db:tesseras-background')
    wipe.disarm()
  })

  it('lists again on its own every few seconds', async () => {
    vi.useFakeTimers()
    try {
      const host = fakeHost()
      const wipe = armLeaveWipe(host)
      host.databases.push('late')
      await vi.advanceTimersByTimeAsync(6_000)
      host.hide()
      expect(host.deleted).toContain('db:late')
      wipe.disarm()
    } finally {
      vi.useRealTimers()
    }
  })

  it('disarmed: pagehide deletes nothing and the marker is gone', async () => {
    const host = fakeHost()
    const wipe = armLeaveWipe(host)
    await wipe.relist()
    wipe.disarm()
    host.hide()
    await Promise.resolve()
    expect(host.deleted).toEqual([])
    expect(host.localStorage.getItem(BORROWED_MARK)).toBeNull()
  })

  it('a failing list keeps the others (one kind failing does not stop the wipe of the rest)', async () => {
    const host = fakeHost()
    host.listDatabases = async () => { throw new Error('databases() unsupported') }
    const wipe = armLeaveWipe(host)
    await wipe.relist()
    host.hide()
    await Promise.resolve()
    expect(host.deleted.sort()).toEqual(['cache:workbox-precache-v2', 'sw:/'])
    wipe.disarm()
  })
})

describe('wipeOrigin ("forget everything")', () => {
  it('deletes the same things as a leave, and clears localStorage marker and all', async () => {
    const host = fakeHost()
    host.localStorage.setItem(BORROWED_MARK, '1')
    host.localStorage.setItem('tesseras.relays', '/dns4/relay')
    await wipeOrigin(host)
    expect(host.deleted.sort()).toEqual(['cache:workbox-precache-v2', 'db:tesseras', 'db:tesseras-device', 'sw:/'])
    expect(host.localStorage.length).toBe(0)
  })
})

describe('wipeIfLeftBorrowed (next start)', () => {
  it('wipes only when a borrowed session left its marker, then removes it', async () => {
    const storage = new MemoryStorage()
    const wipe = vi.fn(async () => {})
    expect(await wipeIfLeftBorrowed(wipe, storage)).toBe(false)
    expect(wipe).not.toHaveBeenCalled()
    storage.setItem(BORROWED_MARK, '1')
    expect(await wipeIfLeftBorrowed(wipe, storage)).toBe(true)
    expect(wipe).toHaveBeenCalledTimes(1)
    expect(storage.getItem(BORROWED_MARK)).toBeNull()
  })
})

describe('RecoveryApp on a device with or without a vault', () => {
  const phrase = entropyToPhrase(new Uint8Array(32).fill(7), 'en')

  function recoveryApp (hasVault: boolean): { app: RecoveryApp, armed: LeaveWipe[], network: ReturnType<typeof vi.fn>, restoreVault: ReturnType<typeof vi.fn> } {
    const armed: LeaveWipe[] = []
    const net: RecoveryNetwork = { peerNetwork: {} as unknown as PeerNetwork, stopHolding: async () => {}, stop: async () => {} }
    const network = vi.fn(async () => net)
    const restoreVault = vi.fn(async () => {})
    const c: RecoveryAppComponents = {
      codec: {} as unknown as CodecClient,
      network,
      restoreVault,
      tesseras: {} as unknown as TesseraStore,
      replicas: {} as unknown as ReplicaStore,
      closeStores: () => {},
      onBorrowed: () => {},
      hasVault: () => hasVault,
      armLeaveWipe: () => {
        const w = { relist: async () => {}, disarm: vi.fn() }
        armed.push(w)
        return w
      }
    }
    return { app: new RecoveryApp(c), armed, network, restoreVault }
  }

  it('"make this my device" on a device with a vault: VaultPresentError before any network work, nothing stored', async () => {
    const { app, network, restoreVault } = recoveryApp(true)
    await expect(app.begin(phrase, 'mine')).rejects.toMatchObject({ name: 'VaultPresentError', code: 'ERR_VAULT_PRESENT' })
    expect(network).not.toHaveBeenCalled()
    expect(restoreVault).not.toHaveBeenCalled()
  })

  it('borrowed on a device with a vault: nothing is armed to wipe it', async () => {
    const { app, armed } = recoveryApp(true)
    await app.begin(phrase, 'borrowed')
    expect(armed).toHaveLength(0)
    app.close()
  })

  it('borrowed on a device without a vault: armed once; a vault created later disarms it', async () => {
    const { app, armed } = recoveryApp(false)
    await app.begin(phrase, 'borrowed')
    await app.begin(phrase, 'borrowed')
    expect(armed).toHaveLength(1)
    app.vaultCreated()
    expect(armed[0].disarm).toHaveBeenCalledTimes(1)
    app.close()
  })
})
