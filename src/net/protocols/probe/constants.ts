/** Protocol id of the measured transfer (tests and diagnostics). */
export const PROBE_PROTOCOL = '/tesseras/probe/1.0.0'
/** Largest framed message (header or ack) in bytes. */
export const PROBE_MAX_MESSAGE_BYTES = 64
/** Largest transfer a receiver accepts, in bytes. */
export const PROBE_MAX_TRANSFER_BYTES = 64 * 1024 * 1024
/** Raw data is sent in frames of this size (WebRTC: keep ≤ 256 KiB). */
export const PROBE_FRAME_BYTES = 64 * 1024
/** Time allowed for each read of a header or ack. */
export const PROBE_READ_TIMEOUT_MS = 10_000
/** Time allowed for a whole transfer. */
export const PROBE_TRANSFER_TIMEOUT_MS = 120_000
/** Concurrent inbound probe streams per connection. */
export const PROBE_MAX_INBOUND_STREAMS = 2
/** Concurrent outbound probe streams per connection. */
export const PROBE_MAX_OUTBOUND_STREAMS = 2
