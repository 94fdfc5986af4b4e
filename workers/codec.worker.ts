/// <reference lib="webworker" />
/**
 * Codec worker: a thin dispatcher to pure functions in src/crypto and src/codec.
 * [Note: Codec RPC] in workers/rpc.ts describes the messages.
 */
import { AbortError, toErrorData } from '../src/core/errors.js'
import { checksumShard, hashPieces, openRecordView, openShards, parityStripe, sealRange } from '../src/crypto/index.js'
import type { JobMap, WorkerRequest, WorkerResponse } from './rpc.js'

declare const self: DedicatedWorkerGlobalScope

interface Running {
  controller: AbortController
  credit: number
  wake?: () => void
}

const running = new Map<number, Running>()

function post (msg: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer)
}

async function waitForCredit (job: Running): Promise<void> {
  while (job.credit <= 0) {
    job.controller.signal.throwIfAborted()
    await new Promise<void>(resolve => { job.wake = resolve })
  }
}

async function runSealRange (jobId: number, input: JobMap['sealRange']['input'], job: Running): Promise<JobMap['sealRange']['result']> {
  const signal = job.controller.signal
  // The sealer reports progress just before it yields the chunk: send both in one message.
  let event: { type: string, done: number, total: number } | undefined
  const generator = sealRange(input, {
    signal,
    onProgress: (e) => { event = e }
  })
  for (;;) {
    await waitForCredit(job)
    if (signal.aborted) throw new AbortError()
    const step = await generator.next()
    if (step.done === true) return step.value
    job.credit--
    const bytes = step.value.bytes
    post({ kind: 'chunk', jobId, chunk: step.value, ...(event != null ? { event } : {}) }, [bytes.buffer])
    event = undefined
  }
}

async function dispatch (msg: Extract<WorkerRequest, { kind: 'job' }>, job: Running): Promise<{ result: unknown, transfer: Transferable[] }> {
  switch (msg.type) {
    case 'sealRange': {
      const result = await runSealRange(msg.jobId, msg.input, job)
      return { result, transfer: [] }
    }
    case 'hashPieces': {
      const result = await hashPieces(msg.input)
      return { result, transfer: [] }
    }
    case 'parityStripe': {
      const result = await parityStripe(msg.input)
      return { result, transfer: result.data.map(d => d.buffer) }
    }
    case 'checksumShard': {
      const result = await checksumShard(msg.input)
      return { result, transfer: [result.bytes.buffer] }
    }
    case 'openRecord': {
      const result = openRecordView(msg.input)
      return { result, transfer: result.thumbnail != null ? [result.thumbnail.buffer] : [] }
    }
    case 'openShards': {
      const result = await openShards(msg.input)
      return { result, transfer: result.payload != null ? [result.container.buffer, result.payload.buffer] : [result.container.buffer] }
    }
  }
}

self.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => {
  const msg = ev.data
  if (msg.kind === 'cancel') {
    const job = running.get(msg.jobId)
    job?.controller.abort()
    job?.wake?.()
    return
  }
  if (msg.kind === 'credit') {
    const job = running.get(msg.jobId)
    if (job != null) {
      job.credit += msg.n
      job.wake?.()
    }
    return
  }
  const job: Running = { controller: new AbortController(), credit: msg.type === 'sealRange' ? (msg.input.credit ?? 4) : 0 }
  running.set(msg.jobId, job)
  dispatch(msg, job).then(({ result, transfer }) => {
    post({ kind: 'result', jobId: msg.jobId, result }, transfer)
  }, (err: unknown) => {
    post({ kind: 'error', jobId: msg.jobId, error: toErrorData(job.controller.signal.aborted ? new AbortError() : err) })
  }).finally(() => {
    running.delete(msg.jobId)
  })
})
