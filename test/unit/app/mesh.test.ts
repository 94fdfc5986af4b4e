/**
 * The browser's replication wiring (src/app/mesh.ts) over memory stores and the simulated
 * network of the replication tests: saves queued before the service runs are handed over, the
 * UI state gets statuses, node state and ledger, and "Storage I give" is kept and applied.
 */
import { describe, expect, it } from 'vitest'
import { Library } from '../../../src/app/library.js'
import { MeshQueue } from '../../../src/app/mesh-queue.js'
import { OFFERED_STORAGE_KEY, REPAIR_LAST_RUN_KEY, startMesh, type Mesh } from '../../../src/app/mesh.js'
import { MeshState } from '../../../src/ui/state/mesh.svelte.js'
import { createMemoryLedger, ed25519Signer } from '../../../src/replication/index.js'
import { MemoryFragmentStore, MemoryManifestStore, MemoryReplicaStore, MemoryTesseraStore, MemoryVaultStore } from '../../../src/store/memory/index.js'
import type { SimNode } from '../replication/sim-network.js'
import { SimPeerNetwork, SimWorld } from '../replication/sim-network.js'
import { seededBytes } from '../replication/helpers.js'
import { inlineCodec } from './inline-codec.js'

const GB = 1024 ** 3

function settingsStore (): Pick<Storage, 'getItem' | 'setItem'> & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => { map.set(k, v) } }
}

async function ownerWithMemory (queue?: MeshQueue): Promise<{ tesseras: MemoryTesseraStore, hashHex: string }> {
  const tesseras = new MemoryTesseraStore()
  const library = new Library({
    codec: inlineCodec(), tesseras, vault: new MemoryVaultStore(), makeThumbnail: async () => undefined, createObjectURL: () => 'blob:x', revokeObjectURL: () => {},
    onSaved: queue === undefined ? undefined : (h) => { queue.saved(h) }
  })
  await library.confirmVault(library.newVault('en'))
  const file = new File([seededBytes(5)(40 * 1024) as Uint8Array<ArrayBuffer>], 'note.bin', { lastModified: 1 })
  const hashHex = await library.save({ files: [file], metadata: { title: 'n', description: '', date: '2026-01-01', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private' } })
  return { tesseras, hashHex }
}

/** The owner joins `world` as a plain network node (its service is the mesh's). */
function joinAsOwner (world: SimWorld): SimPeerNetwork {
  const network = new SimPeerNetwork(world, 'owner')
  const signer = ed25519Signer(seededBytes(99)(32))
  world.nodes.set('owner', { id: 'owner', online: true, info: { id: 'owner', kind: 'webrtc', addresses: [], institutional: false, publicKey: signer.publicKey }, network, service: { stop: async () => {} } } as unknown as SimNode)
  return network
}

function storesFor (tesseras: MemoryTesseraStore): Parameters<typeof startMesh>[0]['stores'] {
  const fragments = new MemoryFragmentStore()
  return { tesseras, fragments, ledger: createMemoryLedger({ fragments }), replicas: new MemoryReplicaStore(), manifests: new MemoryManifestStore() }
}

async function until (check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('MeshQueue', () => {
  it('keeps saves until the mesh attaches, then hands them over in order, once each', () => {
    const queue = new MeshQueue()
    queue.saved('a'); queue.saved('b'); queue.saved('a')
    const got: string[] = []
    queue.attach((h) => { got.push(h) })
    queue.saved('c')
    expect(got).toEqual(['a', 'b', 'c'])
  })
})

describe('startMesh', () => {
  it('alone: the memory is only here, PROVISIONAL while unreachable and ISOLATED once reachable', async () => {
    const queue = new MeshQueue()
    const { tesseras, hashHex } = await ownerWithMemory(queue)
    const world = new SimWorld(3)
    const state = new MeshState()
    let reachable = false
    const mesh = await startMesh({
      network: joinAsOwner(world), stores: storesFor(tesseras), signer: ed25519Signer(seededBytes(1)(32)), state,
      reachable: () => reachable, freeBytes: async () => 300 * 1024 * 1024, settings: settingsStore()
    })
    try {
      queue.attach(mesh.schedule)
      expect(state.running).toBe(true)
      expect(state.statuses[hashHex]).toMatchObject({ status: 'AtRisk', localOnly: true, queued: true })
      expect(state.nodeState).toBe('PROVISIONAL')
      // 300 MB free: "Storage I give" defaults to what the device has, below 1 GB.
      expect(state.offeredMaxBytes).toBe(300 * 1024 * 1024)
      expect(state.offeredBytes).toBe(300 * 1024 * 1024)
      reachable = true
      mesh.refresh()
      await until(() => state.nodeState === 'ISOLATED')
    } finally {
      await mesh.stop()
    }
    expect(state.running).toBe(false)
  })

  it('with 7 holders: the memory becomes Replicated, the node ACTIVE and the ledger lists them', async () => {
    const { tesseras, hashHex } = await ownerWithMemory()
    const world = new SimWorld(4)
    const holders = world.addHolders(7)
    const state = new MeshState()
    let mesh: Mesh | undefined
    try {
      mesh = await startMesh({
        network: joinAsOwner(world), stores: storesFor(tesseras), signer: ed25519Signer(seededBytes(2)(32)), state,
        reachable: () => true, freeBytes: async () => 10 * GB, settings: settingsStore()
      })
      // Memories already on the device are scheduled at start.
      await until(() => state.statuses[hashHex]?.status === 'Replicated')
      expect(state.statuses[hashHex].survives).toBe(6)
      await until(() => state.ledger.length === 7 && state.nodeState === 'ACTIVE')
      expect(state.ledger.every(r => r.heldByThemBytes > 0 && r.heldForThemBytes === 0 && r.balance === r.heldByThemBytes)).toBe(true)
      const map = await state.loadFragments(hashHex)
      expect(map).toMatchObject({ k: 1, m: 0, copiesWanted: 7 })
      expect(new Set(map?.rows.map(r => r.holderId))).toEqual(new Set(holders.map(h => h.id)))
    } finally {
      await mesh?.stop()
      await world.stopAll()
    }
  })

  it('"Check now" challenges every holder, shows progress and its result, and keeps the time of the check', async () => {
    const { tesseras, hashHex } = await ownerWithMemory()
    const world = new SimWorld(6)
    const holders = world.addHolders(7)
    const state = new MeshState()
    const settings = settingsStore()
    const stores = storesFor(tesseras)
    let mesh: Mesh | undefined
    try {
      mesh = await startMesh({
        network: joinAsOwner(world), stores, signer: ed25519Signer(seededBytes(4)(32)), state,
        reachable: () => true, freeBytes: async () => 10 * GB, settings
      })
      await until(() => state.statuses[hashHex]?.status === 'Replicated')
      expect(state.repair).toEqual({ running: false, done: 0, total: 0 })
      // The first timed check comes a minute after start when none was ever made.
      expect((mesh.repair.nextRunAt ?? 0) - Date.now()).toBeGreaterThan(50_000)
      const [row] = await stores.replicas.list(hashHex)
      const deleter = holders.find(h => h.id === row.holderId) as SimNode
      await deleter.fragments.delete({ tesseraHashHex: hashHex, index: 0, shardCount: 1, checksumHex: (await deleter.fragments.list(hashHex))[0].checksumHex })
      const seen: boolean[] = []
      const checking = state.checkNow()
      seen.push(state.repair.running)
      await checking
      expect(seen).toEqual([true])
      expect(state.repair).toMatchObject({ running: false, done: 1, last: { checked: 1, pushed: 0, failed: 0 } })
      expect(Number(settings.map.get(REPAIR_LAST_RUN_KEY))).toBeGreaterThan(0)
      const rows = await stores.replicas.list(hashHex)
      expect(rows.filter(r => r.failingSince !== undefined).map(r => r.holderId)).toEqual([deleter.id])
      // Within the grace period the memory stays Replicated (the holder is only suspect).
      await until(() => state.statuses[hashHex]?.status === 'Replicated')
      expect((mesh.repair.nextRunAt ?? 0) - Date.now()).toBeGreaterThan(21 * 3600_000)
    } finally {
      await mesh?.stop()
      await world.stopAll()
    }
    expect(mesh?.repair.running).toBe(false)
  })

  it('keeps "Storage I give" across restarts, capped at 1 GB and the free space', async () => {
    const { tesseras } = await ownerWithMemory()
    const settings = settingsStore()
    const make = async (): Promise<{ mesh: Mesh, state: MeshState }> => {
      const state = new MeshState()
      const mesh = await startMesh({
        network: joinAsOwner(new SimWorld(5)), stores: storesFor(tesseras), signer: ed25519Signer(seededBytes(3)(32)), state,
        reachable: () => false, freeBytes: async () => 50 * GB, settings
      })
      return { mesh, state }
    }
    const first = await make()
    expect(first.state.offeredBytes).toBe(GB)
    first.state.setOffered(5 * GB) // above the cap
    expect(first.state.offeredBytes).toBe(GB)
    first.state.setOffered(200_000_000)
    expect(settings.map.get(OFFERED_STORAGE_KEY)).toBe('200000000')
    await first.mesh.stop()
    const second = await make()
    expect(second.state.offeredBytes).toBe(200_000_000)
    await second.mesh.stop()
  })
})
