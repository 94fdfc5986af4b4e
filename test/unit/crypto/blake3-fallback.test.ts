import { describe, expect, it, vi } from 'vitest'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { blake3Backend, blake3Fast } from '../../../src/crypto/index.js'

// An engine without WebAssembly SIMD: the kernel reports unsupported, so src/crypto must fall
// back to hash-wasm (and never construct the SIMD hasher).
vi.mock('../../../src/codec/blake3.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/codec/blake3.js')>()
  return {
    ...real,
    blake3SimdSupported: () => false,
    blake3Simd: () => { throw new Error('SIMD kernel used without support') },
    Blake3SimdHasher: class { constructor () { throw new Error('SIMD kernel used without support') } }
  }
})

const bytes = new Uint8Array(70_001).map((_, i) => (i * 7) % 251)

describe('BLAKE3 bulk API without WebAssembly SIMD', () => {
  it('reports hash-wasm as the backend', async () => {
    expect(await blake3Backend()).toBe('hash-wasm')
  })

  it('hashes with hash-wasm', async () => {
    expect(await blake3Fast(bytes)).toEqual(nobleBlake3(bytes))
  })
})
