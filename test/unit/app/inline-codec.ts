/**
 * A CodecClient that runs the codec jobs in-process (no Worker), for unit tests of the
 * Library's logic with memory adapters. Same job functions the real worker dispatches to.
 * `size` (default 2) is how many seal ranges a save is split into, as with a pool of that size.
 */
import type { CodecClient } from '../../../src/codec/worker-client.js'
import { AbortError } from '../../../src/core/errors.js'
import { sealRange } from '../../../src/crypto/tessera-sealer.js'
import { checksumShard, hashPieces, openRecordView, parityStripe } from '../../../src/crypto/worker-jobs.js'

export function inlineCodec (size = 2): CodecClient {
  return {
    size,
    async run (type, input, options = {}) {
      options.signal?.throwIfAborted()
      switch (type) {
        case 'sealRange': {
          const gen = sealRange(input as never, { signal: options.signal, onProgress: options.onProgress })
          for (;;) {
            const step = await gen.next()
            if (step.done === true) return step.value as never
            if (options.signal?.aborted === true) throw new AbortError()
            await options.onChunk?.(step.value as never)
          }
        }
        case 'parityStripe':
          return await parityStripe(input as never) as never
        case 'checksumShard':
          return await checksumShard(input as never) as never
        case 'hashPieces':
          return await hashPieces(input as never) as never
        case 'openRecord':
          return openRecordView(input as never) as never
      }
      throw new Error(`unknown job ${String(type)}`)
    },
    terminate () {}
  }
}
