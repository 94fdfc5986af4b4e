/** Plaintext bytes per AEAD chunk of a tessera payload. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024
/** Largest tessera accepted. */
export const MAX_TESSERA_BYTES = 1024 * 1024 * 1024
/** Below this encrypted size a tessera is Small: stored whole on each holder. */
export const SMALL_TIER_MAX_BYTES = 4 * 1024 * 1024
/** From this encrypted size on a tessera is Large (48+24). */
export const LARGE_TIER_MIN_BYTES = 256 * 1024 * 1024
/** Replicas (holders) wanted per tessera. */
export const DEFAULT_REPLICAS = 7
/** Medium tier coding. */
export const MEDIUM_DATA_SHARDS = 16
export const MEDIUM_PARITY_SHARDS = 8
/** Large tier coding. */
export const LARGE_DATA_SHARDS = 48
export const LARGE_PARITY_SHARDS = 24
