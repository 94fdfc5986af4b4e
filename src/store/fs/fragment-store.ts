/**
 * {@link FragmentStore} on the local file system, for the Node anchor (src/relay). Node only.
 *
 * [Note: Fs fragment layout]
 *
 *     <root>/fragments/<tesseraHashHex>/<index>-<shardCount>-<checksumHex>.shard
 *
 * One directory per tessera (so `list(hash)` reads one directory, never shard bytes). Writes go
 * to a `.tmp-*` file in the same directory, flushed, then renamed over the final name: rename is
 * atomic on POSIX file systems, so a reader (or a crash) sees the whole shard or nothing. Stale
 * temp files from a crash are ignored by `list` and removed by {@link FsFragmentStore.sweepTemp}.
 * Empty tessera directories are kept (removing them would race with a parallel put).
 */
import * as nodeFs from 'node:fs/promises'
import { join } from 'node:path'
import { StorageFullError, StoreError } from '../../core/errors.js'
import type { AbortOptions, FragmentStore } from '../../core/ports.js'
import type { FragmentId } from '../../core/types.js'
import { HASH_HEX, bytesToHex } from '../bytes.js'
import { throwIfAborted, toPortError } from '../errors.js'
import { assertBytes, assertFragmentId, assertHashHex } from '../record.js'

/** The file-system calls the store makes (node:fs/promises by default; tests inject failures). */
export interface FsOps {
  mkdir: typeof nodeFs.mkdir
  writeFile: typeof nodeFs.writeFile
  rename: typeof nodeFs.rename
  readFile: typeof nodeFs.readFile
  unlink: typeof nodeFs.unlink
  readdir: typeof nodeFs.readdir
  access: typeof nodeFs.access
}

/** Options of {@link FsFragmentStore}. */
export interface FsFragmentStoreInit {
  /** Directory of the store; created when missing. */
  root: string
  /** File-system calls. Default node:fs/promises. */
  fs?: FsOps
}

const FILE = /^(\d{1,3})-(\d{1,3})-([0-9a-f]{64})\.shard$/
const TEMP_PREFIX = '.tmp-'
/** Error codes that mean the disk (or the user's quota on it) is full. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT'])

function codeOf (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Maps a native fs failure to a port error, keeping it as `cause` (STYLE §4). */
function toFsPortError (err: unknown, what: string): Error {
  const code = codeOf(err)
  if (code !== undefined && FULL_CODES.has(code)) return new StorageFullError(`${what}: disk is full`, { cause: err })
  if (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new StoreError(`${what}: file system operation failed (${code})`, { cause: err })
  return toPortError(err, what)
}

/**
 * Fragments as files ([Note: Fs fragment layout]). Content addressed: a repeated put is a no-op.
 * @example
 * const fragments = new FsFragmentStore({ root: '/var/lib/tesseras' })
 * await fragments.put(id, shard)
 */
export class FsFragmentStore implements FragmentStore {
  readonly root: string
  readonly #fs: FsOps
  readonly #dir: string

  constructor (init: FsFragmentStoreInit) {
    if (typeof init?.root !== 'string' || init.root === '') throw new TypeError('root: expected a non-empty path')
    this.root = init.root
    this.#fs = init.fs ?? nodeFs
    this.#dir = join(init.root, 'fragments')
  }

  #pathOf (id: FragmentId): { dir: string, file: string } {
    const dir = join(this.#dir, id.tesseraHashHex)
    return { dir, file: join(dir, `${id.index}-${id.shardCount}-${id.checksumHex}.shard`) }
  }

  /** Writes atomically (temp file + rename). @throws StorageFullError on ENOSPC/EDQUOT, StoreError, AbortError, TypeError/RangeError */
  async put (id: FragmentId, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    assertBytes(bytes, 'bytes')
    const { dir, file } = this.#pathOf(id)
    if (await this.#exists(file)) return
    const copy = bytes.slice() // the caller may change its buffer while we write
    const temp = join(dir, `${TEMP_PREFIX}${bytesToHex(crypto.getRandomValues(new Uint8Array(8)))}`)
    try {
      await this.#fs.mkdir(dir, { recursive: true })
      throwIfAborted(options.signal)
      await this.#fs.writeFile(temp, copy, { flag: 'wx', flush: true })
      await this.#fs.rename(temp, file)
    } catch (err) {
      await this.#fs.unlink(temp).catch((cleanup: unknown) => {
        // ENOENT: the temp file was never created. Anything else is left for sweepTemp.
        if (codeOf(cleanup) !== 'ENOENT') return undefined
      })
      throw toFsPortError(err, 'put fragment')
    }
  }

  /** @returns undefined when absent. @throws StoreError, AbortError, TypeError/RangeError */
  async get (id: FragmentId, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    try {
      const buf = await this.#fs.readFile(this.#pathOf(id).file, { signal: options.signal })
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return undefined
      throwIfAborted(options.signal)
      throw toFsPortError(err, 'get fragment')
    }
  }

  /** @throws StoreError, AbortError, TypeError/RangeError */
  async has (id: FragmentId, options: AbortOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    return await this.#exists(this.#pathOf(id).file)
  }

  /** No error when absent. @throws StoreError, AbortError, TypeError/RangeError */
  async delete (id: FragmentId, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    assertFragmentId(id)
    try {
      await this.#fs.unlink(this.#pathOf(id).file)
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return
      throw toFsPortError(err, 'delete fragment')
    }
  }

  /** Ids held (optionally of one tessera), ordered by tessera, index, checksum, shard count. @throws StoreError, AbortError */
  async list (tesseraHashHex?: string, options: AbortOptions = {}): Promise<FragmentId[]> {
    throwIfAborted(options.signal)
    if (tesseraHashHex !== undefined) assertHashHex(tesseraHashHex, 'tesseraHashHex')
    const tesseras = tesseraHashHex !== undefined ? [tesseraHashHex] : (await this.#names(this.#dir)).filter(n => HASH_HEX.test(n))
    const out: FragmentId[] = []
    for (const hash of tesseras.sort()) {
      throwIfAborted(options.signal)
      for (const name of await this.#names(join(this.#dir, hash))) {
        const match = FILE.exec(name)
        if (match === null) continue
        const index = Number(match[1])
        const shardCount = Number(match[2])
        if (shardCount < 1 || shardCount > 256 || index >= shardCount) continue
        out.push({ tesseraHashHex: hash, index, shardCount, checksumHex: match[3] })
      }
    }
    return out.sort((a, b) => cmp(a.tesseraHashHex, b.tesseraHashHex) || a.index - b.index || cmp(a.checksumHex, b.checksumHex) || a.shardCount - b.shardCount)
  }

  /** Removes temp files left by a crash mid-write. @returns files removed. @throws StoreError */
  async sweepTemp (options: AbortOptions = {}): Promise<number> {
    throwIfAborted(options.signal)
    let removed = 0
    for (const hash of await this.#names(this.#dir)) {
      const dir = join(this.#dir, hash)
      for (const name of await this.#names(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue
        try {
          await this.#fs.unlink(join(dir, name))
          removed++
        } catch (err) {
          if (codeOf(err) !== 'ENOENT') throw toFsPortError(err, 'sweep temp files')
        }
      }
    }
    return removed
  }

  async #names (dir: string): Promise<string[]> {
    try {
      return await this.#fs.readdir(dir)
    } catch (err) {
      if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR') return []
      throw toFsPortError(err, 'list fragments')
    }
  }

  async #exists (file: string): Promise<boolean> {
    try {
      await this.#fs.access(file)
      return true
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return false
      throw toFsPortError(err, 'stat fragment')
    }
  }
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
