/**
 * Codec: Reed-Solomon erasure coding over GF(2^8) compatible with the Rust
 * `reed-solomon-erasure` crate (galois_8), with a WebAssembly SIMD kernel, a plain JavaScript
 * fallback, the Tesseras shard layout and striped coding for bounded memory.
 */
export { createReedSolomon, MAX_TOTAL_SHARDS } from './reed-solomon.js'
export type { ReedSolomon, ReedSolomonOptions, ReconstructOptions, ShardWorkspace } from './reed-solomon.js'
export { supportedKernels } from './kernel.js'
export type { KernelName } from './kernel.js'
export { splitIntoShards, joinShards, shardBytesFor } from './layout.js'
export { createStripedCoder, DEFAULT_STRIPE_BYTES } from './striped.js'
export type { StripedCoder, StripedCoderOptions, StripeDataRange, PayloadSource } from './striped.js'
export { TooManyErasuresError, ShardSizeMismatchError, InvalidCodingParametersError } from './errors.js'
export { blake3Simd, blake3SimdSupported, Blake3SimdHasher } from './blake3.js'
