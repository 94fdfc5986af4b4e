/**
 * Small JSON documents on disk for the Node anchor: written atomically (temp file in the same
 * directory, flushed, renamed over the target), bytes encoded as `{ "$b64": "…" }`.
 * A reader or a crash sees the previous document or the next one, never half of one.
 */
import * as nodeFs from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Buffer } from 'node:buffer'
import { CorruptRecordError, StorageFullError, StoreError } from '../../core/errors.js'
import { bytesToHex } from '../bytes.js'
import { toPortError } from '../errors.js'
import type { FsOps } from './fragment-store.js'

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT'])

/** The code of a Node system error, if any. */
export function codeOf (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Maps a native fs failure to a port error, keeping it as `cause` (STYLE §4). */
export function toFsError (err: unknown, what: string): Error {
  const code = codeOf(err)
  if (code !== undefined && FULL_CODES.has(code)) return new StorageFullError(`${what}: disk is full`, { cause: err })
  if (err instanceof Error && code !== undefined && /^E[A-Z]+$/.test(code)) return new StoreError(`${what}: file system operation failed (${code})`, { cause: err })
  return toPortError(err, what)
}

/**
 * Bytes as `{ $b64 }`. JSON.stringify applies `toJSON` before the replacer, and a Node `Buffer`
 * (what bytes decoded from a socket often are) turns into `{ type: 'Buffer', data: [...] }`
 * there: so the original value, `this[key]`, decides.
 */
function replacer (this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key]
  return original instanceof Uint8Array ? { $b64: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') } : value
}

function reviver (_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value)
    const b64 = (value as { $b64?: unknown }).$b64
    if (keys.length === 1 && typeof b64 === 'string') return new Uint8Array(Buffer.from(b64, 'base64'))
  }
  return value
}

/** JSON text of `value` with bytes as base64. */
export function encodeJson (value: unknown): string {
  return JSON.stringify(value, replacer)
}

/** Parses {@link encodeJson} output. @throws CorruptRecordError when not JSON */
export function decodeJson (text: string, what: string): unknown {
  try {
    return JSON.parse(text, reviver)
  } catch (err) {
    throw new CorruptRecordError(`${what}: not valid JSON`, { cause: err })
  }
}

/**
 * Reads a JSON document. @returns undefined when the file does not exist
 * @throws CorruptRecordError when malformed, StoreError on I/O failure
 */
export async function readJsonFile (fs: FsOps, file: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = (await fs.readFile(file)).toString('utf8')
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined
    throw toFsError(err, what)
  }
  return decodeJson(text, what)
}

/**
 * Writes a JSON document atomically (temp + flush + rename).
 * @throws StorageFullError on ENOSPC/EDQUOT, StoreError
 */
export async function writeJsonFile (fs: FsOps, file: string, value: unknown, what: string): Promise<void> {
  const dir = dirname(file)
  const temp = join(dir, `.tmp-${bytesToHex(crypto.getRandomValues(new Uint8Array(8)))}`)
  try {
    await fs.mkdir(dir, { recursive: true })
    await fs.writeFile(temp, encodeJson(value), { flag: 'wx', flush: true })
    await fs.rename(temp, file)
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined) // best effort: absent when never created
    throw toFsError(err, what)
  }
}

/**
 * Runs async sections one at a time (the fs stores keep one document in memory and rewrite it:
 * two interleaved updates would lose one).
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` after every earlier section settled. */
  async run<T> (fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn)
    this.#tail = result.then(() => undefined, () => undefined)
    return await result
  }
}

/** node:fs/promises as {@link FsOps}. */
export const defaultFs: FsOps = nodeFs
