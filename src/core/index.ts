/**
 * Public surface of the pure domain layer: types, errors, port interfaces, constants,
 * fragment plans, the plaintext container format and byte helpers.
 */
export type * from './types.js'
export type * from './ports.js'
export * from './errors.js'
export * from './constants.js'
export * from './plan.js'
export * from './container.js'
export * from './hex.js'
export * from './ledger-key.js'
