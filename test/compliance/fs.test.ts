/**
 * The FragmentStore compliance suite against the file-system adapter, in a temp directory.
 * The quota case injects ENOSPC from a wrapped `writeFile` (a real full disk needs a tmpfs mount).
 */
import * as fs from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsFragmentStore, FsManifestStore, FsReciprocityLedger, FsReplicaStore, type FsOps } from '../../src/store/fs/index.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeFragmentStore, type FragmentStoreHarness } from './fragment-store.js'
import { makeFragmentId, randomBytes, rejection } from './fixtures.js'
import { describeReciprocityLedger } from './reciprocity-ledger.js'
import { describeManifestStore, describeReplicaStore } from './replica-store.js'

const roots = new WeakMap<FragmentStoreHarness, string>()

/** node:fs/promises with a byte budget: writes past it fail with ENOSPC, as a full disk does. */
function quotaFs (quotaBytes: number): FsOps {
  const sizes = new Map<string, number>()
  let used = 0
  return {
    ...fs,
    writeFile: (async (file: string, data: Uint8Array | string, options?: object) => {
      const size = typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength
      if (used + size > quotaBytes) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' })
      }
      await fs.writeFile(file, data, options as never)
      used += size
      sizes.set(file, size)
    }) as FsOps['writeFile'],
    rename: (async (from: string, to: string) => {
      await fs.rename(from, to)
      sizes.set(to, sizes.get(from) ?? 0)
      sizes.delete(from)
    }) as FsOps['rename'],
    unlink: (async (file: string) => {
      await fs.unlink(file)
      used -= sizes.get(file) ?? 0
      sizes.delete(file)
    }) as FsOps['unlink']
  }
}

describeFragmentStore('fs', {
  setup: async (options = {}) => {
    const root = await fs.mkdtemp(join(tmpdir(), 'tesseras-fs-'))
    const store = new FsFragmentStore({ root, fs: options.quotaBytes === undefined ? undefined : quotaFs(options.quotaBytes) })
    const h = { store }
    roots.set(h, root)
    return h
  },
  teardown: async (h) => {
    const root = roots.get(h)
    if (root !== undefined) await fs.rm(root, { recursive: true, force: true })
  }
})

const tempRoots: string[] = []
async function tempRoot (): Promise<string> {
  const root = await fs.mkdtemp(join(tmpdir(), 'tesseras-fs-'))
  tempRoots.push(root)
  return root
}
async function removeRoots (): Promise<void> {
  for (const r of tempRoots.splice(0)) await fs.rm(r, { recursive: true, force: true })
}

describeReciprocityLedger('fs', {
  setup: async (options = {}) => {
    const root = await tempRoot()
    const ops = options.quotaBytes === undefined ? undefined : quotaFs(options.quotaBytes)
    const fragments = new FsFragmentStore({ root, fs: ops })
    return { ledger: new FsReciprocityLedger({ root, fragments, fs: ops }), fragments, reopen: async () => new FsReciprocityLedger({ root, fragments }) }
  },
  teardown: removeRoots
})

describeReplicaStore('fs', {
  setup: async () => {
    const root = await tempRoot()
    return { store: new FsReplicaStore({ root }), reopen: async () => new FsReplicaStore({ root }) }
  },
  teardown: removeRoots
})

describeManifestStore('fs', {
  setup: async () => {
    const root = await tempRoot()
    return { store: new FsManifestStore({ root }), reopen: async () => new FsManifestStore({ root }) }
  },
  teardown: removeRoots
})

describe('FsReciprocityLedger specifics', () => {
  afterEach(removeRoots)

  it('sweeps a shard left without credit by a crash between its two writes', async () => {
    const root = await tempRoot()
    const fragments = new FsFragmentStore({ root })
    const ledger = new FsReciprocityLedger({ root, fragments })
    const kept = makeFragmentId()
    const orphan = makeFragmentId()
    await ledger.storeFor('peer-a', kept, randomBytes(10))
    await fragments.put(orphan, randomBytes(10)) // the first write of a storeFor that never credited
    expect(await new FsReciprocityLedger({ root, fragments }).sweepUncredited()).toBe(1)
    expect(await fragments.has(orphan)).toBe(false)
    expect(await fragments.has(kept)).toBe(true)
  })

  it('removes the new shard again when the credit cannot be written', async () => {
    const root = await tempRoot()
    const fragments = new FsFragmentStore({ root })
    const failing: FsOps = { ...fs, rename: (async () => { throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }) }) as FsOps['rename'] }
    const ledger = new FsReciprocityLedger({ root, fragments, fs: failing })
    const id = makeFragmentId()
    const err = await rejection(ledger.storeFor('peer-a', id, randomBytes(10)))
    expect(err.name).toBe('StoreError')
    expect(await fragments.has(id)).toBe(false)
    expect((await ledger.entry('peer-a')).heldForThemBytes).toBe(0)
  })
})

describe('FsFragmentStore specifics', () => {
  let root: string
  beforeEach(async () => { root = await fs.mkdtemp(join(tmpdir(), 'tesseras-fs-')) })
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }) })

  it('ignores a temp file left by a crash and sweeps it', async () => {
    const store = new FsFragmentStore({ root })
    const id = makeFragmentId()
    await store.put(id, randomBytes(10))
    await fs.writeFile(join(root, 'fragments', id.tesseraHashHex, '.tmp-deadbeef'), randomBytes(5))
    expect(await store.list()).toEqual([id])
    expect(await store.sweepTemp()).toBe(1)
    expect(await fs.readdir(join(root, 'fragments', id.tesseraHashHex))).toHaveLength(1)
  })

  it('maps another I/O failure to StoreError and keeps no temp file', async () => {
    const failing: FsOps = { ...fs, rename: (async () => { throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }) }) as FsOps['rename'] }
    const store = new FsFragmentStore({ root, fs: failing })
    const id = makeFragmentId()
    const err = await rejection(store.put(id, randomBytes(10)))
    expect(err.name).toBe('StoreError')
    expect((err.cause as { code?: string }).code).toBe('EIO')
    expect(await fs.readdir(join(root, 'fragments', id.tesseraHashHex))).toEqual([])
  })
})
