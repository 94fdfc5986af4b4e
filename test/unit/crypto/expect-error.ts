import { expect } from 'vitest'

/** Asserts that `fn` throws an error with the given `name` and `code` (never `instanceof`). */
export function expectThrowsNamed (fn: () => unknown, name: string, code?: string): Error & { code?: string } {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected ${name} to be thrown`).toBeInstanceOf(Error)
  const err = caught as Error & { code?: string }
  expect(err.name).toBe(name)
  if (code !== undefined) expect(err.code).toBe(code)
  return err
}

/** Async form of {@link expectThrowsNamed}. */
export async function expectRejectsNamed (fn: () => Promise<unknown>, name: string, code?: string): Promise<Error & { code?: string }> {
  let caught: unknown
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected ${name} to be thrown`).toBeInstanceOf(Error)
  const err = caught as Error & { code?: string }
  expect(err.name).toBe(name)
  if (code !== undefined) expect(err.code).toBe(code)
  return err
}
