/**
 * Serves a memory's files to `<img>`, `<audio>`, `<video>` and downloads from the service
 * worker: reads sealed chunks from the store and decrypts only the chunks a request needs,
 * as a stream, honouring `Range` (RFC 9110 §14). No file is ever decrypted whole in memory.
 * URL shape: `/vault-files/<tesseraHashHex>/<fileIndex>[?download=1]`.
 */
import type { TesseraStore, VaultStore } from '../core/ports.js'
import type { TesseraIndex } from '../core/types.js'
import { deriveVaultKeys, unwrapContentKey, openIndex, openPayloadChunk, chunkSpanForPlainRange, payloadAadFor, importPayloadKey, type PayloadKey } from '../crypto/index.js'

/** URL path prefix of memory files. */
export const FILES_PATH = '/vault-files/'

/** Builds the URL of one file of a memory. */
export function fileUrl (hashHex: string, fileIndex: number, download = false): string {
  return `${FILES_PATH}${hashHex}/${fileIndex}${download ? '?download=1' : ''}`
}

/** A satisfiable byte range, inclusive end. */
export interface ByteRange { start: number, end: number }

/**
 * Parses a single-range `Range` header against a resource of `size` bytes.
 * @returns the range, `undefined` for no/ignored header (serve whole), or `'unsatisfiable'`
 */
export function parseRange (header: string | null, size: number): ByteRange | undefined | 'unsatisfiable' {
  if (header == null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null) return undefined // multi-range or malformed: RFC 9110 allows ignoring Range
  const [, a, b] = m
  if (a === '' && b === '') return undefined
  if (a === '') {
    const suffix = Number(b)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(a)
  if (start >= size) return 'unsatisfiable'
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (end < start) return 'unsatisfiable'
  return { start, end }
}

export interface FileRouteComponents {
  tesseras: TesseraStore
  vault: VaultStore
}

interface Opened { index: TesseraIndex, contentKey: PayloadKey }

/** Creates the request handler. Keeps a small cache of opened indexes (keys stay in the SW's memory). */
export function createFileRoute (components: FileRouteComponents): (request: Request) => Promise<Response> {
  const opened = new Map<string, Opened>()
  let vaultKey: { entropyHex: string, key: Uint8Array } | undefined

  async function currentVaultKey (): Promise<Uint8Array | undefined> {
    const secret = await components.vault.get()
    if (secret == null) { vaultKey = undefined; return undefined }
    const entropyHex = Array.from(secret.entropy, b => b.toString(16).padStart(2, '0')).join('')
    if (vaultKey?.entropyHex !== entropyHex) {
      vaultKey = { entropyHex, key: deriveVaultKeys(secret.entropy).vaultKey }
      opened.clear()
    }
    return vaultKey.key
  }

  return async function handle (request: Request): Promise<Response> {
    const url = new URL(request.url)
    const parts = url.pathname.slice(FILES_PATH.length).split('/')
    const hashHex = parts[0] ?? ''
    const fileIndex = Number(parts[1])
    if (!/^[0-9a-f]{64}$/.test(hashHex) || !Number.isInteger(fileIndex) || fileIndex < 0) {
      return text(400, 'bad file address')
    }
    const key = await currentVaultKey()
    if (key == null) return text(404, 'no vault on this device')
    let record
    try {
      record = await components.tesseras.get(hashHex)
    } catch {
      return text(500, 'stored memory is damaged')
    }
    if (record == null) return text(404, 'memory not found')
    let entry = opened.get(hashHex)
    if (entry == null) {
      try {
        const rawKey = unwrapContentKey(key, record.manifest.wrappedKey)
        try {
          entry = { contentKey: await importPayloadKey(rawKey, ['decrypt']), index: openIndex(rawKey, record.manifest.encryptedMetadata) }
        } finally {
          rawKey.fill(0)
        }
      } catch {
        return text(500, 'memory cannot be decrypted')
      }
      if (opened.size >= 32) opened.delete(opened.keys().next().value as string)
      opened.set(hashHex, entry)
    }
    const file = entry.index.files[fileIndex]
    if (file == null) return text(404, 'file not found')

    const range = parseRange(request.headers.get('range'), file.size)
    if (range === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${file.size}` } })
    }
    const { start, end } = range ?? { start: 0, end: file.size - 1 }
    const headers = new Headers({
      'Content-Type': file.type || 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff'
    })
    if (range != null) headers.set('Content-Range', `bytes ${start}-${end}/${file.size}`)
    if (url.searchParams.get('download') === '1') {
      headers.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
    }
    const body = request.method === 'HEAD'
      ? null
      : plainRangeStream({
        contentKey: entry.contentKey,
        header: record.payloadHeader,
        chunkCount: record.chunkCount,
        chunkSize: record.manifest.chunkSize,
        aad: payloadAadFor(entry.index.metadata),
        start: file.offset + start,
        end: file.offset + end + 1,
        getChunk: async (i) => await components.tesseras.getChunk(hashHex, i)
      })
    return new Response(body, { status: range != null ? 206 : 200, headers })
  }
}

function text (status: number, message: string): Response {
  return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

/**
 * Decrypts plaintext bytes [start, end) of a payload as a stream, one chunk at a time.
 * A chunk that fails authentication errors the stream (the browser sees a network error).
 */
export function plainRangeStream (src: {
  contentKey: Uint8Array | PayloadKey
  header: Uint8Array
  chunkCount: number
  chunkSize: number
  aad?: Uint8Array
  start: number
  end: number
  getChunk: (index: number) => Promise<Uint8Array | undefined>
}): ReadableStream<Uint8Array> {
  const span = chunkSpanForPlainRange(src.start, src.end, src.chunkSize)
  let index = span.firstChunk
  let skip = span.skipBytes
  let remaining = src.end - src.start
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (remaining <= 0 || index > span.lastChunk) { controller.close(); return }
      const sealed = await src.getChunk(index)
      if (sealed == null) { controller.error(new Error(`chunk ${index} missing`)); return }
      const plain = await openPayloadChunk(src.contentKey, src.header, index, sealed, index === src.chunkCount - 1, src.aad)
      const piece = plain.subarray(skip, Math.min(plain.length, skip + remaining))
      remaining -= piece.length
      skip = 0
      index++
      controller.enqueue(piece)
      if (remaining <= 0) controller.close()
    }
  }, { highWaterMark: 2 })
}
