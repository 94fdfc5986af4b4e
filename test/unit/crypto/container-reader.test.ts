import { describe, expect, it } from 'vitest'
import { createContainerReader, STREAM_SEGMENT_BYTES, type SealSource } from '../../../src/crypto/container-reader.js'

function pseudoRandom (n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff }
  return out
}

/** A Blob-like source that counts its slices and can hide its byte stream (the fallback path). */
function source (bytes: Uint8Array<ArrayBuffer>, name: string, opts: { stream?: boolean } = {}): SealSource & { slices: Array<[number, number]> } {
  const blob = new Blob([bytes])
  const slices: Array<[number, number]> = []
  return {
    name, type: '', lastModified: 1, slices,
    blob: {
      size: bytes.length,
      slice: (a: number, b: number) => {
        slices.push([a, b])
        const s = blob.slice(a, b)
        return opts.stream === false ? { arrayBuffer: async () => await s.arrayBuffer() } : s
      }
    }
  }
}

async function readAll (header: Uint8Array, files: SealSource[], start: number, end: number, block: number): Promise<Uint8Array> {
  const reader = createContainerReader(header, files, start, end)
  const out: number[] = []
  let buf: Uint8Array = new Uint8Array(block)
  while (reader.remaining > 0) {
    const view = await reader.read(buf)
    for (const x of view) out.push(x)
    expect(view.length === block || reader.remaining === 0).toBe(true) // whole blocks until the end
    buf = new Uint8Array(view.buffer)
  }
  return Uint8Array.from(out)
}

describe('container reader (a range of header ‖ files into reused buffers)', () => {
  const header = pseudoRandom(777, 1)
  const a = pseudoRandom(50_001, 2)
  const b = pseudoRandom(30_000, 3)
  const container = new Uint8Array([...header, ...a, ...b])

  for (const stream of [true, false]) {
    it(`reads any range across the header and files in whole blocks (${stream ? 'byte streams' : 'slices as buffers'})`, async () => {
      for (const [start, end, block] of [[0, container.length, 4096], [500, 60_000, 1000], [51_000, container.length + 99, 7000], [777, 777 + 50_001, 65_536]]) {
        const got = await readAll(header, [source(a, 'a', { stream }), source(b, 'b', { stream })], start, end, block)
        expect(Buffer.from(got).equals(Buffer.from(container.subarray(start, Math.min(end, container.length))))).toBe(true)
      }
    })
  }

  it(`streams a long file part in segments of ${STREAM_SEGMENT_BYTES / 1024 / 1024} MiB, never one slice of the whole range`, async () => {
    const big = pseudoRandom(STREAM_SEGMENT_BYTES * 2 + 5, 4)
    const src = source(big, 'big')
    const got = await readAll(new Uint8Array(0), [src], 3, big.length, 1 << 20)
    expect(Buffer.from(got).equals(Buffer.from(big.subarray(3)))).toBe(true)
    expect(src.slices).toEqual([[3, 3 + STREAM_SEGMENT_BYTES], [3 + STREAM_SEGMENT_BYTES, 3 + 2 * STREAM_SEGMENT_BYTES], [3 + 2 * STREAM_SEGMENT_BYTES, big.length]])
  })

  it('fails with UnreadableFileError naming the file when its stream errors or it ends early', async () => {
    const failing: SealSource = { name: 'gone.jpg', type: '', lastModified: 1, blob: { size: 10_000, slice: () => ({ arrayBuffer: async () => new ArrayBuffer(0), stream: () => new ReadableStream({ type: 'bytes', pull (c) { c.error(new Error('NotReadableError')) } }) }) } }
    const reader = createContainerReader(new Uint8Array(0), [failing], 0, 10_000)
    await expect(reader.read(new Uint8Array(4096))).rejects.toMatchObject({ name: 'UnreadableFileError', fileName: 'gone.jpg' })
    const short: SealSource = { name: 'short.bin', type: '', lastModified: 1, blob: { size: 10_000, slice: () => new Blob([new Uint8Array(100)]) } }
    await expect(readAll(new Uint8Array(0), [short], 0, 10_000, 4096)).rejects.toMatchObject({ name: 'UnreadableFileError', fileName: 'short.bin' })
  })
})
