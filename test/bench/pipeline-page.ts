/**
 * Chromium page entry of the pipeline bench: the page's main thread coordinates a save like
 * the app does (Library + IndexedDB, and a memory store to separate storage cost), codec jobs run in module workers built from
 * workers/codec.worker.ts (served as /codec.js). Memory is sampled by the host (renderer RSS).
 */
import { pipelineSuite } from './pipeline.js'
import { MemoryTesseraStore, MemoryVaultStore, openIdbStores } from '../../src/store/index.js'
import type { BenchRow } from './suites.js'

declare const window: Window & { benchRow: (row: BenchRow) => Promise<void>, memStart: () => Promise<void>, memStop: () => Promise<number>, memPeek: () => Promise<number>, cpuSeconds: () => Promise<number>, benchFile: (mib: number, seed: number) => Promise<void> }

let dbCount = 0

export async function runPipeline (opts: { quick: boolean, sizesMiB?: number[], rows?: string[] }): Promise<string> {
  try {
    await pipelineSuite({
      env: 'chromium-worker',
      quick: opts.quick,
      sizesMiB: opts.sizesMiB,
      rows: opts.rows,
      createWorker: () => new Worker('/codec.js', { type: 'module' }),
      cores: navigator.hardwareConcurrency,
      storeKinds: ['memory', 'idb'],
      makeStores: async (kind) => {
        if (kind === 'memory') {
          const tesseras = new MemoryTesseraStore()
          return { tesseras, vault: new MemoryVaultStore(), storedBytes: () => NaN, close: async () => {} } // not separable from renderer RSS
        }
        const name = `bench-${Date.now()}-${dbCount++}`
        const stores = await openIdbStores({ name })
        return {
          tesseras: stores.tesseras,
          vault: stores.vault,
          storedBytes: () => 0, // IndexedDB keeps values outside the renderer
          close: async () => {
            stores.close()
            await new Promise<void>(resolve => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = r.onblocked = () => { resolve() } })
          }
        }
      },
      makeFile: async (mib, seed) => {
        await window.benchFile(mib, seed)
        return (document.querySelector('#bench-file') as HTMLInputElement).files?.[0] as File
      },
      memoryStart: async () => { await window.memStart() },
      memoryStop: async () => await window.memStop(),
      memoryPeek: async () => await window.memPeek(),
      cpuSeconds: async () => await window.cpuSeconds(),
      onRow: (row) => { void window.benchRow(row) }
    })
    return 'ok'
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)
  }
}
