/**
 * Plaintext bytes per AEAD chunk of a tessera payload (every payload header records its own, so
 * payloads sealed with other sizes, such as the 1 MiB of earlier versions, still open).
 * 896 KiB, not 1 MiB: Chromium copies each WebCrypto input and output into buffers of its own
 * allocator, which maps memory afresh (and faults it in page by page) for anything above
 * 960 KiB. A 1 MiB chunk (1 MiB + 16 B sealed) crosses that line and AES-256-GCM runs at
 * ~340–400 MB/s in a worker; at 896 KiB (sealed 896 KiB + 16 B, with room to spare) it runs at
 * ~830–1060 MB/s when its results are dropped as a save drops them (`npm run bench`, the
 * pipeline rows' "AEAD alone"; the aead rows, which keep every result alive, show ~1.4×).
 */
export const DEFAULT_CHUNK_BYTES = 896 * 1024
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
