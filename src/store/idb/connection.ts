import { type IDBPDatabase, type IDBPTransaction, type StoreNames, openDB } from 'idb'
import { StoreError } from '../../core/errors.js'
import { toPortError } from '../errors.js'
import { DB_VERSION, type TesserasDB, upgradeSchema } from './schema.js'

/**
 * The one connection to a database, shared by its stores. Opens lazily and reopens after the
 * browser terminated it (`terminated`). When another tab needs a newer schema (`blocking`) it
 * closes and calls `onBlocked`, so the app can ask for a reload; after that every call fails
 * with StoreError, since this code cannot read the newer schema.
 */
export class Connection {
  readonly name: string
  readonly #onBlocked: (() => void) | undefined
  #db: Promise<IDBPDatabase<TesserasDB>> | undefined
  #closedReason: string | undefined

  constructor (name: string, onBlocked?: () => void) {
    this.name = name
    this.#onBlocked = onBlocked
  }

  /** The open database. @throws StoreError when closed or it cannot be opened */
  async db (): Promise<IDBPDatabase<TesserasDB>> {
    if (this.#closedReason !== undefined) throw new StoreError(`database ${this.name}: ${this.#closedReason}`)
    this.#db ??= this.#open()
    return await this.#db
  }

  #open (): Promise<IDBPDatabase<TesserasDB>> {
    // `current` is what #db holds for this attempt; callbacks only reset #db while it still
    // refers to this attempt, never a later reopen.
    const current: Promise<IDBPDatabase<TesserasDB>> = openDB<TesserasDB>(this.name, DB_VERSION, {
      upgrade: (db, oldVersion) => { upgradeSchema(db, oldVersion) },
      blocking: () => {
        this.#closedReason = 'closed: a newer version of the app needs it; reload the page'
        if (this.#db === current) this.#db = undefined
        void current.then(db => { db.close() }, () => undefined)
        this.#onBlocked?.()
      },
      terminated: () => {
        // The browser closed it abnormally (storage cleared, disk error): reopen on next use.
        if (this.#db === current) this.#db = undefined
      }
    }).then(db => db, (err: unknown) => {
      if (this.#db === current) this.#db = undefined
      throw toPortError(err, `open ${this.name}`)
    })
    return current
  }

  /** Closes the connection; later calls fail with StoreError. Idempotent. */
  close (): void {
    this.#closedReason ??= 'closed'
    const db = this.#db
    this.#db = undefined
    void db?.then(d => { d.close() }, () => undefined)
  }

  /**
   * Runs `fn` in one transaction and waits until it commits. Any failure aborts the
   * transaction and is translated into a port error (STYLE §4): the transaction's own error
   * wins over the `AbortError` its pending requests report, so a quota abort surfaces as
   * StorageFullError.
   * Hazard: `fn` must await only IDB requests of `tx`, or the transaction auto-commits early.
   * @param what the operation, for error messages
   * @param durability `'relaxed'` skips the flush to disk at commit: right for bulk chunk writes
   *   that only become visible through a later `'strict'` commit, which flushes everything
   *   written before it (the engine's log is sequential).
   */
  async run<const Names extends ArrayLike<StoreNames<TesserasDB>>, Mode extends IDBTransactionMode, T> (
    names: Names,
    mode: Mode,
    what: string,
    fn: (tx: IDBPTransaction<TesserasDB, Names, Mode>) => Promise<T>,
    durability: IDBTransactionDurability = 'default'
  ): Promise<T> {
    const db = await this.db()
    let tx: IDBPTransaction<TesserasDB, Names, Mode>
    try {
      tx = db.transaction(names, mode, { durability })
    } catch (err) {
      throw toPortError(err, what)
    }
    // Settles with the failure instead of rejecting, so a failure reported through `fn` first
    // never leaves an unhandled rejection behind.
    const done = tx.done.then(() => undefined, (err: unknown) => ({ err }))
    let result: T
    try {
      result = await fn(tx)
    } catch (err) {
      abortQuietly(tx)
      await done
      throw toPortError(transactionError(tx) ?? err, what)
    }
    const failure = await done
    if (failure !== undefined) throw toPortError(transactionError(tx) ?? failure.err, what)
    return result
  }
}

/** Aborts `tx` unless it already finished (then `abort` throws InvalidStateError). */
function abortQuietly (tx: IDBTransaction | IDBPTransaction<TesserasDB, any, any>): void {
  try {
    tx.abort()
  } catch (err) {
    if ((err as { name?: unknown }).name !== 'InvalidStateError') throw err
  }
}

/** The error a transaction was aborted with by the engine (e.g. QuotaExceededError), if any. */
function transactionError (tx: IDBPTransaction<TesserasDB, any, any>): unknown {
  try {
    return tx.error ?? undefined
  } catch {
    // Older engines throw InvalidStateError while the transaction is still running: no error yet.
    return undefined
  }
}
