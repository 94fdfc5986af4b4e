/**
 * Regenerates vectors.json from the oracle (the Rust crate built to WebAssembly):
 * `npx tsx test/unit/codec/generate-vectors.ts`. The committed file is the known answer.
 */
import { writeFileSync } from 'node:fs'
import { splitIntoShards } from '../../../src/codec/index.js'
import { oracleParity } from './oracle.js'
import { bytes } from './kernels.js'

const cases: Array<[number, number, number]> = [[1, 1, 1], [2, 1, 5], [4, 2, 10], [3, 5, 7], [10, 4, 123], [16, 8, 100], [17, 3, 64], [48, 24, 97], [200, 56, 201]]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const vectors = cases.map(([k, m, len], i) => {
  const payload = bytes(len, 1000 + i)
  const parity = oracleParity(splitIntoShards(payload, k), m)
  return { k, m, payloadHex: hex(payload), parityHex: parity.map(hex) }
})
writeFileSync(new URL('./vectors.json', import.meta.url), JSON.stringify({
  source: '@digitaldefiance/reed-solomon-erasure.wasm 1.0.2 (Rust reed-solomon-erasure, galois_8); payload split with S = ceil(len / k), zero padding',
  vectors
}, null, 1) + '\n')
