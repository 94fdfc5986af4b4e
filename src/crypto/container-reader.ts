/**
 * Reads a range of a memory's plaintext container (its header, then each file's bytes) in
 * order into buffers the caller owns, so a save's first pass reads files without allocating
 * per read. Files are read through `blob.slice(a, b).stream()` with a BYOB reader: the bytes
 * land in the caller's buffer directly. Measured here in a Chromium worker on 256 MiB: about
 * 1.5–2 GB/s with a few MB resident, against about 0.3 GB/s for `slice().arrayBuffer()` per
 * 4 MiB block (a new buffer each time, left to the garbage collector: tens of MB resident per
 * worker). Sources without a byte stream fall back to `slice().arrayBuffer()` and a copy.
 */
import { UnreadableFileError } from '../core/errors.js'

/**
 * Bytes read through one byte stream. A slice of a Blob held in memory (not a file on disk) is
 * copied by the browser's blob storage while it lives; streaming a range in segments keeps that
 * copy small (one slice per range made Chromium's blob storage refuse reads: NotReadableError).
 */
export const STREAM_SEGMENT_BYTES = 16 * 1024 * 1024

/** A file source: anything Blob-like (File in browsers, Blob in Node). */
export interface SealSource {
  blob: { size: number, slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer>, stream?: () => ReadableStream<Uint8Array> } }
  name: string
  type: string
  lastModified: number
}

export interface ContainerReader {
  /** Container bytes not read yet. */
  readonly remaining: number
  /**
   * Fills `into` with the next bytes (fewer only at the end of the range). A byte-stream read
   * moves `into`'s buffer: use the returned view (same memory, on the buffer's new owner
   * object), never `into`, afterwards.
   * @throws UnreadableFileError when a file cannot be read or ends early
   */
  read(into: Uint8Array): Promise<Uint8Array>
  /** Stops reading (releases an open file stream). */
  close(): void
}

interface Part {
  /** The source's bytes [from, to) belong to the range. */
  from: number
  to: number
  header?: Uint8Array
  file?: SealSource
  /** Whether the file offers byte streams (learned on its first read). */
  streams?: boolean
}

/**
 * @param start - first container byte of the range
 * @param end - container byte after the range (clamped to the container's size)
 */
export function createContainerReader (headerBytes: Uint8Array, files: SealSource[], start: number, end: number): ContainerReader {
  const parts: Part[] = []
  let base = 0
  for (const source of [{ header: headerBytes, size: headerBytes.length }, ...files.map(file => ({ file, size: file.blob.size }))]) {
    const from = Math.max(0, start - base)
    const to = Math.min(source.size, end - base)
    if (from < to) parts.push({ from, to, ...('header' in source ? { header: source.header } : { file: source.file }) })
    base += source.size
  }
  let remaining = parts.reduce((sum, p) => sum + p.to - p.from, 0)
  /** The open byte stream of the current file part's segment [part.from, segmentEnd). */
  let stream: ReadableStreamBYOBReader | undefined
  let segmentEnd = 0

  function unreadable (file: SealSource, cause: unknown): UnreadableFileError {
    return new UnreadableFileError(file.name, 'unreadable', { cause })
  }

  /** Reads up to `into.length` bytes of the current file part into `into`. @returns the view read into, and the bytes read */
  async function readFile (part: Part, into: Uint8Array): Promise<{ view: Uint8Array, n: number }> {
    const file = part.file as SealSource
    if (stream === undefined && part.streams !== false) {
      segmentEnd = Math.min(part.to, part.from + STREAM_SEGMENT_BYTES)
      const slice = file.blob.slice(part.from, segmentEnd)
      try {
        if (typeof slice.stream === 'function') stream = slice.stream().getReader({ mode: 'byob' })
      } catch {
        // Not a byte stream: read slices as buffers below.
      }
      part.streams = stream !== undefined
    }
    if (stream !== undefined) {
      let step: ReadableStreamReadResult<Uint8Array>
      try {
        step = await stream.read(new Uint8Array(into.buffer, into.byteOffset, Math.min(into.length, segmentEnd - part.from)) as Uint8Array<ArrayBuffer>)
      } catch (err) {
        throw unreadable(file, err)
      }
      if (step.done || step.value === undefined) throw unreadable(file, new Error(`ended ${part.to - part.from} bytes early`))
      return { view: step.value, n: step.value.length }
    }
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await file.blob.slice(part.from, Math.min(part.to, part.from + into.length)).arrayBuffer())
    } catch (err) {
      throw unreadable(file, err)
    }
    if (bytes.length === 0) throw unreadable(file, new Error(`ended ${part.to - part.from} bytes early`))
    into.set(bytes.subarray(0, into.length))
    return { view: into, n: Math.min(bytes.length, into.length) }
  }

  return {
    get remaining () { return remaining },
    async read (into) {
      let buffer = into.buffer
      // Read once: a byte-stream read detaches `into`.
      const offset = into.byteOffset
      const size = into.length
      let filled = 0
      while (filled < size && parts.length > 0) {
        const part = parts[0]
        const want = Math.min(size - filled, part.to - part.from)
        const target = new Uint8Array(buffer, offset + filled, want)
        let n: number
        if (part.header !== undefined) {
          target.set(part.header.subarray(part.from, part.from + want))
          n = want
        } else {
          const got = await readFile(part, target)
          buffer = got.view.buffer
          n = got.n
        }
        part.from += n
        filled += n
        remaining -= n
        if (stream !== undefined && part.from === segmentEnd) {
          void stream.cancel().catch(() => {})
          stream = undefined
        }
        if (part.from === part.to) parts.shift()
      }
      if (filled === 0 && size > 0 && remaining > 0) throw new RangeError('into: a detached or empty buffer')
      return new Uint8Array(buffer, offset, filled)
    },
    close () {
      void stream?.cancel().catch(() => {})
      stream = undefined
      parts.length = 0
      remaining = 0
    }
  }
}
