/**
 * Length-prefixed framing (unsigned varint length, then the message) with size limits and read
 * timeouts enforced on every read (../../shared/STYLE.md §7). Works on anything shaped like a
 * libp2p 3 stream, so handlers are testable with in-memory stream pairs.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../errors.js'

/** The part of a libp2p stream the protocols use. */
export interface WireStream extends AsyncIterable<Uint8Array | Uint8ArrayList> {
  send: (data: Uint8Array | Uint8ArrayList) => boolean
  onDrain: (options?: { signal?: AbortSignal }) => Promise<void>
  close: (options?: { signal?: AbortSignal }) => Promise<void>
  abort: (err: Error) => void
}

/** Longest varint we accept for a length prefix (enough for 2^35). */
const MAX_VARINT_BYTES = 5

/** Encodes `n` as an unsigned varint. @throws RangeError for a negative or unsafe integer */
export function encodeVarint (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint: expected a non-negative safe integer, got ${n}`)
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

/** Prefixes a message with its varint length. */
export function frame (message: Uint8Array): Uint8Array {
  const prefix = encodeVarint(message.length)
  const out = new Uint8Array(prefix.length + message.length)
  out.set(prefix); out.set(message, prefix.length)
  return out
}

/**
 * Decodes one varint length prefix from the start of `buf`.
 * Returns `undefined` when more bytes are needed.
 *
 * @throws ProtocolError when the prefix is longer than allowed or the length exceeds `maxBytes`
 */
export function decodeLengthPrefix (buf: Uint8ArrayList | Uint8Array, maxBytes: number): { length: number, prefixBytes: number } | undefined {
  let value = 0
  for (let i = 0; i < Math.min(buf.length, MAX_VARINT_BYTES); i++) {
    const b = buf instanceof Uint8Array ? buf[i] : buf.get(i)
    value += (b & 0x7f) * 2 ** (7 * i)
    if ((b & 0x80) === 0) {
      if (value > maxBytes) throw new ProtocolError(`message of ${value} bytes exceeds the limit of ${maxBytes}`)
      return { length: value, prefixBytes: i + 1 }
    }
  }
  if (buf.length >= MAX_VARINT_BYTES) throw new ProtocolError('length prefix is too long')
  return undefined
}

/**
 * Reads frames and raw bytes from a stream, buffering what arrived beyond the current read.
 * Every read takes a signal; abort it (e.g. `AbortSignal.timeout`) to enforce a read timeout.
 */
export class FrameReader {
  private readonly buffer = new Uint8ArrayList()
  private readonly source: AsyncIterator<Uint8Array | Uint8ArrayList>
  private ended = false

  constructor (stream: AsyncIterable<Uint8Array | Uint8ArrayList>) {
    this.source = stream[Symbol.asyncIterator]()
  }

  /**
   * Reads one length-prefixed message of at most `maxBytes`.
   *
   * @throws ProtocolError when oversized, truncated, or the signal fires first
   */
  async readMessage (maxBytes: number, options: { signal?: AbortSignal } = {}): Promise<Uint8ArrayList> {
    for (;;) {
      const prefix = decodeLengthPrefix(this.buffer, maxBytes)
      if (prefix != null && this.buffer.length >= prefix.prefixBytes + prefix.length) {
        const msg = this.buffer.sublist(prefix.prefixBytes, prefix.prefixBytes + prefix.length)
        this.buffer.consume(prefix.prefixBytes + prefix.length)
        return msg
      }
      if (!await this.pull(options.signal)) throw new ProtocolError('stream ended in the middle of a message')
    }
  }

  /**
   * Yields exactly `length` raw bytes as they arrive.
   *
   * @throws ProtocolError when the stream ends early or the signal fires
   */
  async * readBytes (length: number, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    let left = length
    while (left > 0) {
      if (this.buffer.length === 0 && !await this.pull(options.signal)) throw new ProtocolError(`stream ended ${left} bytes early`)
      const n = Math.min(left, this.buffer.length)
      const chunk = this.buffer.subarray(0, n)
      this.buffer.consume(n)
      left -= n
      yield chunk
    }
  }

  private async pull (signal?: AbortSignal): Promise<boolean> {
    if (this.ended) return false
    signal?.throwIfAborted()
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(new ProtocolError('read timed out or was aborted', { cause: signal?.reason })) }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      const next = await Promise.race([this.source.next(), aborted])
      if (next.done === true) { this.ended = true; return false }
      this.buffer.append(next.value)
      return true
    } finally {
      if (onAbort != null) signal?.removeEventListener('abort', onAbort)
    }
  }
}

/** Sends bytes, waiting for the stream to drain when its buffer is full (backpressure). */
export async function sendAll (stream: WireStream, data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (!stream.send(data)) await stream.onDrain(options)
}
