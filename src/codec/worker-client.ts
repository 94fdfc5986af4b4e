/**
 * Main-thread client of the codec worker pool. See [Note: Codec RPC] in workers/rpc.ts.
 * Lazy: workers start on first use. Jobs go to the least busy worker (every job is
 * stateless, so any worker will do).
 */
import { AbortError, fromErrorData } from '../core/errors.js'
import type { JobMap, JobType, WorkerRequest, WorkerResponse } from '../../workers/rpc.js'

/** Largest pool, whatever the core count. */
export const MAX_CODEC_WORKERS = 4
/** Smallest pool: encryption and coding of different stripes run in parallel. */
export const MIN_CODEC_WORKERS = 2

export interface RunOptions<T extends JobType> {
  signal?: AbortSignal
  onProgress?: (event: { type: string, done: number, total: number }) => void
  /** Consumes a streamed chunk; the next credit is granted when the returned promise settles. */
  onChunk?: (chunk: JobMap[T]['chunk']) => void | Promise<void>
  /** Buffers in `input` to move (not copy) into the worker. */
  transfer?: Transferable[]
}

export interface CodecClient {
  /** Workers the pool runs at most: how many jobs make progress at once. */
  readonly size: number
  /** Runs one job. @throws the worker's error rebuilt with name and code, or AbortError */
  run<T extends JobType>(type: T, input: JobMap[T]['input'], options?: RunOptions<T>): Promise<JobMap[T]['result']>
  /** Stops every worker; pending jobs reject with AbortError. */
  terminate(): void
}

/** The minimum of `Worker` the pool needs (lets tests pass a fake). */
export interface WorkerLike {
  postMessage(message: WorkerRequest, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerResponse>) => void): void
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void
  terminate(): void
}

interface PendingJob {
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
  options: RunOptions<JobType>
  chain: Promise<void>
  slot: Slot
  failed: boolean
}

interface Slot {
  worker: WorkerLike
  busy: number
}

/** Default pool size: cores − 1 (the main thread keeps one), within [MIN, MAX]. */
export function defaultPoolSize (cores = globalThis.navigator?.hardwareConcurrency ?? 2): number {
  return Math.min(MAX_CODEC_WORKERS, Math.max(MIN_CODEC_WORKERS, cores - 1))
}

/**
 * Creates the lazy worker pool.
 * @example
 * const codec = createCodecPool({ createWorker: () => new Worker(new URL('../../workers/codec.worker.ts', import.meta.url), { type: 'module' }) })
 */
export function createCodecPool (init: { createWorker: () => WorkerLike, size?: number }): CodecClient {
  const size = init.size ?? defaultPoolSize()
  const slots: Slot[] = []
  const jobs = new Map<number, PendingJob>()
  let nextJobId = 1

  function onMessage (msg: WorkerResponse): void {
    const job = jobs.get(msg.jobId)
    if (job == null) return
    switch (msg.kind) {
      case 'progress':
        job.options.onProgress?.(msg.event)
        break
      case 'chunk': {
        if (msg.event != null) job.options.onProgress?.(msg.event)
        const onChunk = job.options.onChunk
        job.chain = job.chain.then(async () => {
          if (job.failed) return
          await onChunk?.(msg.chunk as never)
          job.slot.worker.postMessage({ kind: 'credit', jobId: msg.jobId, n: 1 })
        }).catch((err: unknown) => {
          // The consumer failed (e.g. storage full): stop the job and report that error.
          job.failed = true
          job.slot.worker.postMessage({ kind: 'cancel', jobId: msg.jobId })
          finish(msg.jobId, err, true)
        })
        break
      }
      case 'result':
        void job.chain.then(() => { finish(msg.jobId, msg.result, false) })
        break
      case 'error':
        void job.chain.then(() => { finish(msg.jobId, fromErrorData(msg.error), true) })
        break
    }
  }

  function finish (jobId: number, value: unknown, isError: boolean): void {
    const job = jobs.get(jobId)
    if (job == null) return
    jobs.delete(jobId)
    job.slot.busy--
    if (isError) job.reject(value)
    else job.resolve(value)
  }

  function pickSlot (): Slot {
    let slot = slots.find(s => s.busy === 0)
    if (slot == null && slots.length < size) {
      const worker = init.createWorker()
      slot = { worker, busy: 0 }
      const created = slot
      worker.addEventListener('message', (ev: MessageEvent<WorkerResponse>) => { onMessage(ev.data) })
      worker.addEventListener('error', (ev: ErrorEvent) => {
        for (const [id, job] of jobs) {
          if (job.slot === created) finish(id, new Error(`codec worker failed: ${ev.message}`), true)
        }
      })
      slots.push(slot)
    }
    return slot ?? slots.reduce((a, b) => (b.busy < a.busy ? b : a))
  }

  return {
    size,
    async run (type, input, options = {}) {
      options.signal?.throwIfAborted()
      const slot = pickSlot()
      const jobId = nextJobId++
      slot.busy++
      const result = new Promise<unknown>((resolve, reject) => {
        jobs.set(jobId, { resolve, reject, options: options as RunOptions<JobType>, chain: Promise.resolve(), slot, failed: false })
      })
      const onAbort = (): void => {
        slot.worker.postMessage({ kind: 'cancel', jobId })
        const job = jobs.get(jobId)
        if (job != null) job.failed = true
        finish(jobId, new AbortError(), true)
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      slot.worker.postMessage({ kind: 'job', type, jobId, input } as WorkerRequest, options.transfer ?? [])
      try {
        return await result as never
      } finally {
        options.signal?.removeEventListener('abort', onAbort)
      }
    },
    terminate () {
      for (const id of [...jobs.keys()]) finish(id, new AbortError('codec pool terminated'), true)
      for (const slot of slots) slot.worker.terminate()
      slots.length = 0
    }
  }
}
