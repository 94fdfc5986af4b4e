/**
 * The deterministic plaintext container a tessera's files and metadata are packed into
 * before encryption. ../shared/DESIGN.md "A tessera on disk and on the wire" §1.
 *
 * [Note: Container format] (version 1, magic "TSC1")
 *
 *     container = header ‖ file 0 bytes ‖ file 1 bytes ‖ …
 *     header    = "TSC1" (4 ASCII bytes) ‖ jsonLength (u32 BE) ‖ json (jsonLength bytes)
 *     json      = canonicalJson({ metadata, files })   (UTF-8, ≤ MAX_CONTAINER_HEADER_JSON_BYTES)
 *
 * `files[i].offset` is the absolute offset of file i's first byte in the container, so the
 * first file starts right after the header and files are contiguous in table order. The same
 * inputs always give the same bytes: keys are sorted, there is no whitespace, and a decoder
 * rejects any JSON that is not exactly the canonical encoding of what it parsed.
 */
import { MAX_TESSERA_BYTES } from './constants.js'
import { ContainerFormatError } from './errors.js'
import { utf8Decode, utf8Encode } from './hex.js'
import type { FileEntry, MemoryType, TesseraIndex, TesseraMetadata, Visibility } from './types.js'

/** ASCII magic opening every version-1 container. */
export const CONTAINER_MAGIC = 'TSC1'
/** Bytes before the header JSON: magic (4) + JSON length (u32 BE). */
export const CONTAINER_PREFIX_BYTES = 8
/** Largest header JSON accepted (1 MiB). */
export const MAX_CONTAINER_HEADER_JSON_BYTES = 1024 * 1024

/** What {@link encodeContainerHeader} packs: metadata and the file table without offsets. */
export type ContainerInput = Omit<TesseraIndex, 'containerSize' | 'files'> & { files: Array<Omit<FileEntry, 'offset'>> }

const MAGIC_BYTES = utf8Encode(CONTAINER_MAGIC)
const MEMORY_TYPES: readonly MemoryType[] = ['photo', 'text', 'audio', 'video', 'mixed']
const VISIBILITIES: readonly Visibility[] = ['private', 'public', 'sealed']
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

/**
 * Canonical JSON text of `value`: object keys sorted (UTF-16 code unit order, as RFC 8785
 * JCS) at every depth, no whitespace, numbers and strings as `JSON.stringify` writes them.
 * Object properties whose value is `undefined` are omitted. Only plain data is accepted.
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 * @throws TypeError for non-finite numbers, bigint, functions, symbols, `undefined` in an
 *   array, cycles, or objects that are not plain objects or arrays (Uint8Array, Date, Map…)
 */
export function canonicalJson (value: unknown): string {
  const ancestors = new Set<object>()
  const walk = (v: unknown, path: string): string => {
    if (v === null) return 'null'
    switch (typeof v) {
      case 'boolean': return v ? 'true' : 'false'
      case 'string': return JSON.stringify(v)
      case 'number':
        if (!Number.isFinite(v)) throw new TypeError(`${path}: expected a finite number, got ${v}`)
        return JSON.stringify(v)
      case 'object': break
      default: throw new TypeError(`${path}: cannot encode ${typeof v} as JSON`)
    }
    const obj = v as object
    if (ancestors.has(obj)) throw new TypeError(`${path}: cyclic value`)
    ancestors.add(obj)
    let out: string
    if (Array.isArray(obj)) {
      out = '[' + obj.map((item: unknown, i) => {
        if (item === undefined) throw new TypeError(`${path}[${i}]: undefined in array`)
        return walk(item, `${path}[${i}]`)
      }).join(',') + ']'
    } else {
      const proto = Object.getPrototypeOf(obj)
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${path}: expected a plain object, got ${(obj as { constructor?: { name?: string } }).constructor?.name ?? 'object'}`)
      }
      const record = obj as Record<string, unknown>
      const keys = Object.keys(record).filter(k => record[k] !== undefined).sort()
      out = '{' + keys.map(k => JSON.stringify(k) + ':' + walk(record[k], `${path}.${k}`)).join(',') + '}'
    }
    ancestors.delete(obj)
    return out
  }
  return walk(value, 'value')
}

type Fail = (message: string) => never

const formatFail: Fail = (message) => { throw new ContainerFormatError(message) }
const argumentFail: Fail = (message) => { throw new TypeError(message) }

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkKeys (v: Record<string, unknown>, allowed: readonly string[], path: string, fail: Fail): void {
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key) && v[key] !== undefined) fail(`${path}: unexpected field "${key}"`)
  }
}

function str (v: Record<string, unknown>, key: string, path: string, fail: Fail): string {
  const x = v[key]
  if (typeof x !== 'string') return fail(`${path}.${key}: expected string, got ${x === null ? 'null' : typeof x}`)
  return x
}

function uint (v: Record<string, unknown>, key: string, path: string, fail: Fail): number {
  const x = v[key]
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    return fail(`${path}.${key}: expected a non-negative integer, got ${typeof x === 'number' ? x : typeof x}`)
  }
  return x
}

function checkMetadata (value: unknown, fail: Fail): TesseraMetadata {
  const path = 'metadata'
  if (!isRecord(value)) return fail(`${path}: expected an object`)
  checkKeys(value, ['title', 'description', 'date', 'memoryType', 'tags', 'language', 'visibility', 'openAfter', 'geo'], path, fail)
  const date = str(value, 'date', path, fail)
  if (!ISO_DATE.test(date)) fail(`${path}.date: expected YYYY-MM-DD, got "${date}"`)
  const memoryType = str(value, 'memoryType', path, fail) as MemoryType
  if (!MEMORY_TYPES.includes(memoryType)) fail(`${path}.memoryType: expected one of ${MEMORY_TYPES.join('|')}, got "${memoryType}"`)
  const visibility = str(value, 'visibility', path, fail) as Visibility
  if (!VISIBILITIES.includes(visibility)) fail(`${path}.visibility: expected one of ${VISIBILITIES.join('|')}, got "${visibility}"`)
  const tags = value.tags
  if (!Array.isArray(tags) || !tags.every(t => typeof t === 'string')) fail(`${path}.tags: expected an array of strings`)
  const out: TesseraMetadata = {
    title: str(value, 'title', path, fail),
    description: str(value, 'description', path, fail),
    date,
    memoryType,
    tags: [...(tags as string[])],
    language: str(value, 'language', path, fail),
    visibility
  }
  if (value.openAfter !== undefined) {
    const openAfter = str(value, 'openAfter', path, fail)
    if (!ISO_DATE.test(openAfter)) fail(`${path}.openAfter: expected YYYY-MM-DD, got "${openAfter}"`)
    out.openAfter = openAfter
  }
  if ((visibility === 'sealed') !== (out.openAfter !== undefined)) {
    fail(`${path}.openAfter: required when visibility is sealed, and only then`)
  }
  if (value.geo !== undefined) {
    const geo = value.geo
    if (!isRecord(geo)) return fail(`${path}.geo: expected an object`)
    checkKeys(geo, ['lat', 'lon'], `${path}.geo`, fail)
    const { lat, lon } = geo
    if (typeof lat !== 'number' || !(lat >= -90 && lat <= 90)) fail(`${path}.geo.lat: expected -90..90`)
    if (typeof lon !== 'number' || !(lon >= -180 && lon <= 180)) fail(`${path}.geo.lon: expected -180..180`)
    // `+ 0` turns -0 into 0, as JSON would: the returned index equals the decoded one.
    out.geo = { lat: (lat as number) + 0, lon: (lon as number) + 0 }
  }
  return out
}

function checkFile (value: unknown, i: number, withOffset: boolean, fail: Fail): FileEntry {
  const path = `files[${i}]`
  if (!isRecord(value)) return fail(`${path}: expected an object`)
  // An input offset is ignored when encoding (it is computed), so both forms allow the key.
  checkKeys(value, ['name', 'type', 'size', 'offset', 'lastModified'], path, fail)
  return {
    name: str(value, 'name', path, fail),
    type: str(value, 'type', path, fail),
    size: uint(value, 'size', path, fail),
    offset: withOffset ? uint(value, 'offset', path, fail) : 0,
    lastModified: uint(value, 'lastModified', path, fail)
  }
}

/** Checks files are contiguous from `start` and returns where the last one ends. */
function checkOffsets (files: FileEntry[], start: number, fail: Fail): number {
  let next = start
  files.forEach((f, i) => {
    if (f.offset !== next) fail(`files[${i}].offset: expected ${next}, got ${f.offset}`)
    next += f.size
  })
  return next
}

function jsonBytesFor (metadata: TesseraMetadata, files: FileEntry[]): Uint8Array {
  return utf8Encode(canonicalJson({ metadata, files }))
}

/**
 * Builds the container header for `input` and the resulting {@link TesseraIndex}. The
 * container is `headerBytes` followed by each file's bytes in `input.files` order.
 * @example const { headerBytes, index } = encodeContainerHeader({ metadata, files: [{ name, type, size, lastModified }] })
 * @throws TypeError when `input` is not well formed (field types, dates, enums)
 * @throws RangeError when the header JSON exceeds {@link MAX_CONTAINER_HEADER_JSON_BYTES} or
 *   the container exceeds MAX_TESSERA_BYTES
 */
export function encodeContainerHeader (input: ContainerInput): { headerBytes: Uint8Array, index: TesseraIndex } {
  if (!isRecord(input)) throw new TypeError('input: expected an object')
  checkKeys(input, ['metadata', 'files'], 'input', argumentFail)
  const metadata = checkMetadata(input.metadata, argumentFail)
  if (!Array.isArray(input.files)) throw new TypeError('input.files: expected an array')
  const files = input.files.map((f, i) => checkFile(f, i, false, argumentFail))
  const dataBytes = files.reduce((sum, f) => sum + f.size, 0)
  // Offsets depend on the header length, which depends on the offsets' digits: iterate to the
  // fixed point. Lengths only grow (offsets grow with the header), so this terminates quickly.
  let headerLength = 0
  for (;;) {
    let offset = headerLength
    for (const f of files) {
      f.offset = offset
      offset += f.size
    }
    const json = jsonBytesFor(metadata, files)
    if (json.length > MAX_CONTAINER_HEADER_JSON_BYTES) {
      throw new RangeError(`container header: expected at most ${MAX_CONTAINER_HEADER_JSON_BYTES} JSON bytes, got ${json.length}`)
    }
    const length = CONTAINER_PREFIX_BYTES + json.length
    if (length === headerLength) {
      const containerSize = headerLength + dataBytes
      if (containerSize > MAX_TESSERA_BYTES) {
        throw new RangeError(`container: expected at most ${MAX_TESSERA_BYTES} bytes, got ${containerSize}`)
      }
      const headerBytes = new Uint8Array(headerLength)
      headerBytes.set(MAGIC_BYTES, 0)
      new DataView(headerBytes.buffer).setUint32(4, json.length, false)
      headerBytes.set(json, CONTAINER_PREFIX_BYTES)
      return { headerBytes, index: { metadata, files, containerSize } }
    }
    headerLength = length
  }
}

/**
 * Total header length (prefix + JSON) announced by the first {@link CONTAINER_PREFIX_BYTES}
 * bytes of a container, so a reader knows how much to read before {@link decodeContainerHeader}.
 * @throws ContainerFormatError when fewer than 8 bytes are given, the magic is wrong, or the
 *   announced JSON length exceeds {@link MAX_CONTAINER_HEADER_JSON_BYTES}
 */
export function containerHeaderLength (prefix: Uint8Array): number {
  if (!(prefix instanceof Uint8Array)) throw new TypeError('prefix: expected Uint8Array')
  if (prefix.length < CONTAINER_PREFIX_BYTES) {
    throw new ContainerFormatError(`container: expected at least ${CONTAINER_PREFIX_BYTES} bytes, got ${prefix.length}`)
  }
  for (let i = 0; i < MAGIC_BYTES.length; i++) {
    if (prefix[i] !== MAGIC_BYTES[i]) throw new ContainerFormatError('container: bad magic, expected "TSC1"')
  }
  const jsonLength = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(4, false)
  if (jsonLength > MAX_CONTAINER_HEADER_JSON_BYTES) {
    throw new ContainerFormatError(`container: header JSON of ${jsonLength} bytes exceeds ${MAX_CONTAINER_HEADER_JSON_BYTES}`)
  }
  return CONTAINER_PREFIX_BYTES + jsonLength
}

/**
 * Reads the header at the start of `bytes` (a prefix of the container holding at least the
 * whole header; file bytes after it are ignored).
 * @returns the index (containerSize = headerLength + file sizes) and the header's length
 * @throws ContainerFormatError (code ERR_CONTAINER_FORMAT) for a bad magic, a length that is
 *   too large or past the given bytes, invalid UTF-8 or JSON, non-canonical JSON, a wrong
 *   shape, or offsets that are not contiguous from the end of the header
 */
export function decodeContainerHeader (bytes: Uint8Array): { index: TesseraIndex, headerLength: number } {
  const headerLength = containerHeaderLength(bytes)
  if (bytes.length < headerLength) {
    throw new ContainerFormatError(`container: header needs ${headerLength} bytes, got ${bytes.length}`)
  }
  const jsonBytes = bytes.subarray(CONTAINER_PREFIX_BYTES, headerLength)
  let text: string
  let parsed: unknown
  try {
    text = utf8Decode(jsonBytes)
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ContainerFormatError('container: header is not UTF-8 JSON', { cause: err })
  }
  if (!isRecord(parsed)) throw new ContainerFormatError('container: header JSON is not an object')
  checkKeys(parsed, ['metadata', 'files'], 'header', formatFail)
  const metadata = checkMetadata(parsed.metadata, formatFail)
  if (!Array.isArray(parsed.files)) throw new ContainerFormatError('header.files: expected an array')
  const files = parsed.files.map((f, i) => checkFile(f, i, true, formatFail))
  if (canonicalJson(parsed) !== text) throw new ContainerFormatError('container: header JSON is not canonical')
  const containerSize = checkOffsets(files, headerLength, formatFail)
  if (containerSize > MAX_TESSERA_BYTES) {
    throw new ContainerFormatError(`container: size ${containerSize} exceeds ${MAX_TESSERA_BYTES}`)
  }
  return { index: { metadata, files, containerSize }, headerLength }
}

/**
 * Validates an untrusted value (e.g. decrypted `Manifest.encryptedMetadata`) as a
 * {@link TesseraIndex} and returns a clean copy.
 * @throws ContainerFormatError when a field is missing or mistyped, or file offsets are not
 *   contiguous and ending at `containerSize`
 */
export function parseTesseraIndex (value: unknown): TesseraIndex {
  if (!isRecord(value)) throw new ContainerFormatError('index: expected an object')
  checkKeys(value, ['metadata', 'files', 'containerSize'], 'index', formatFail)
  const metadata = checkMetadata(value.metadata, formatFail)
  if (!Array.isArray(value.files)) throw new ContainerFormatError('index.files: expected an array')
  const files = value.files.map((f, i) => checkFile(f, i, true, formatFail))
  const containerSize = uint(value, 'containerSize', 'index', formatFail)
  if (containerSize > MAX_TESSERA_BYTES) throw new ContainerFormatError(`index.containerSize: exceeds ${MAX_TESSERA_BYTES}`)
  const dataBytes = files.reduce((sum, f) => sum + f.size, 0)
  const headerLength = containerSize - dataBytes
  if (headerLength < CONTAINER_PREFIX_BYTES + 2) {
    throw new ContainerFormatError(`index.containerSize: ${containerSize} is too small for the files' ${dataBytes} bytes`)
  }
  checkOffsets(files, headerLength, formatFail)
  return { metadata, files, containerSize }
}
