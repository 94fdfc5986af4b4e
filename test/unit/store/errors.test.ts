import { describe, expect, it } from 'vitest'
import { CorruptRecordError, StorageFullError } from '../../../src/core/errors.js'
import { isQuotaError, throwIfAborted, toPortError } from '../../../src/store/errors.js'

describe('toPortError', () => {
  it('maps a QuotaExceededError DOMException to StorageFullError with the cause kept', () => {
    const native = new DOMException('quota', 'QuotaExceededError')
    const err = toPortError(native, 'putChunk')
    expect(err.name).toBe('StorageFullError')
    expect((err as StorageFullError).code).toBe('ERR_STORAGE_FULL')
    expect(err.cause).toBe(native)
    expect(err.message).toContain('putChunk')
  })

  it('recognises a quota error from another realm by name', () => {
    expect(isQuotaError({ name: 'QuotaExceededError' })).toBe(true)
    expect(toPortError({ name: 'QuotaExceededError', message: 'x' }, 'put').name).toBe('StorageFullError')
  })

  it('maps any other failure to StoreError with the cause kept', () => {
    for (const native of [new DOMException('x', 'UnknownError'), new DOMException('x', 'DataCloneError'), new Error('x'), 'string', undefined]) {
      const err = toPortError(native, 'get')
      expect(err.name).toBe('StoreError')
      expect(err.cause).toBe(native)
    }
  })

  it('passes port errors and our argument errors through unchanged', () => {
    for (const ours of [new CorruptRecordError(), new StorageFullError(), new TypeError('x'), new RangeError('y')]) {
      expect(toPortError(ours, 'get')).toBe(ours)
    }
  })

  it('does not pass a foreign error that merely has a port error name', () => {
    const foreign = new Error('signal')
    foreign.name = 'AbortError'
    expect(toPortError(foreign, 'get').name).toBe('StoreError')
  })
})

describe('throwIfAborted', () => {
  it('throws the core AbortError, not the signal reason', () => {
    const c = new AbortController()
    c.abort(new Error('because'))
    expect(() => { throwIfAborted(c.signal) }).toThrow(expect.objectContaining({ name: 'AbortError', code: 'ABORT_ERR' }))
  })

  it('does nothing without a signal or before abort', () => {
    expect(() => { throwIfAborted(undefined) }).not.toThrow()
    expect(() => { throwIfAborted(new AbortController().signal) }).not.toThrow()
  })
})
