/**
 * Compliance suite of the {@link VaultStore} port. Portable: no Node APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VaultSecret, VaultStore } from '../../src/core/ports.js'
import { type SuiteOptions, abortedSignal, randomBytes, rejection } from './fixtures.js'

/** What a vault-store suite needs from an adapter besides the port. */
export interface VaultStoreHarness {
  store: VaultStore
  /** Stores `raw` as the vault entry, bypassing every check (corrupt-record tests). */
  writeRaw(raw: unknown): Promise<void>
}

function makeSecret (): VaultSecret {
  return { entropy: randomBytes(32), language: 'pt', createdAt: 1_700_000_000_000 }
}

/**
 * Registers the VaultStore compliance tests.
 * @param name adapter name shown in the report
 */
export function describeVaultStore (name: string, options: SuiteOptions<VaultStoreHarness>): void {
  describe(`VaultStore compliance: ${name}`, () => {
    let h: VaultStoreHarness
    let store: VaultStore

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('returns undefined when no secret is stored', async () => {
      expect(await store.get()).toBeUndefined()
    })

    it('returns the secret that was put', async () => {
      const secret = makeSecret()
      await store.put(secret)
      const read = await store.get()
      expect(read).toEqual(secret)
      expect(read?.entropy).toBeInstanceOf(Uint8Array)
    })

    it('replaces the secret on a second put', async () => {
      await store.put(makeSecret())
      const second = { ...makeSecret(), language: 'en' as const }
      await store.put(second)
      expect(await store.get()).toEqual(second)
    })

    it('keeps its own copy of the entropy', async () => {
      const secret = makeSecret()
      const copy = secret.entropy.slice()
      await store.put(secret)
      secret.entropy.fill(0)
      const read = await store.get()
      expect(read?.entropy).toEqual(copy)
      read?.entropy.fill(0)
      expect((await store.get())?.entropy).toEqual(copy)
    })

    it('forgets the secret on clear, and clears when empty without error', async () => {
      await store.clear()
      await store.put(makeSecret())
      await store.clear()
      expect(await store.get()).toBeUndefined()
    })

    it('rejects a malformed secret with TypeError or RangeError', async () => {
      const good = makeSecret()
      const bad: unknown[] = [
        null,
        { ...good, entropy: new Uint8Array(16) },
        { ...good, entropy: 'words' },
        { ...good, language: 'fr' },
        { ...good, createdAt: Number.NaN }
      ]
      for (const b of bad) expect(['TypeError', 'RangeError']).toContain((await rejection(store.put(b as VaultSecret))).name)
      expect(await store.get()).toBeUndefined()
    })

    it('throws CorruptRecordError when the stored secret is malformed', async () => {
      await h.writeRaw({ entropy: new Uint8Array(5), language: 'en', createdAt: 1 })
      const err = await rejection(store.get())
      expect(err.name).toBe('CorruptRecordError')
      expect(err.code).toBe('ERR_CORRUPT_RECORD')
      await store.clear()
      expect(await store.get()).toBeUndefined()
    })

    it('rejects every call with AbortError when the signal is already aborted', async () => {
      const signal = abortedSignal()
      for (const call of [async () => await store.get({ signal }), async () => await store.put(makeSecret(), { signal }), async () => await store.clear({ signal })]) {
        const err = await rejection(call())
        expect(err.name).toBe('AbortError')
        expect(err.code).toBe('ABORT_ERR')
      }
      expect(await store.get()).toBeUndefined()
    })

    describe('quota', () => {
      let q: VaultStoreHarness | undefined
      afterEach(async () => {
        if (q !== undefined) await options.teardown(q)
        q = undefined
      })

      it('maps a full disk to StorageFullError and keeps no secret', async () => {
        q = await options.setup({ quotaBytes: 16 })
        const err = await rejection(q.store.put(makeSecret()))
        expect(err.name).toBe('StorageFullError')
        expect(err.cause).toBeDefined()
        expect(await q.store.get()).toBeUndefined()
      })
    })
  })
}
