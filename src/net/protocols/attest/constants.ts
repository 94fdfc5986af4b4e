/** Protocol id of the proof-of-possession challenge (DESIGN "Replication"). */
export const ATTEST_PROTOCOL = '/tesseras/attest/1.0.0'
/** Largest AttestRequest or AttestResponse: fragment id, nonce, 64 ranges (≤ 16 bytes each). */
export const ATTEST_MAX_MESSAGE_BYTES = 2048
/** Time allowed for the request to arrive once the stream is open. */
export const ATTEST_READ_TIMEOUT_MS = 10_000
/** Holder: time the inbound handler (read ranges, hash, maybe the whole shard) may take. */
export const ATTEST_HANDLER_TIMEOUT_MS = 30_000
/** Challenger: default time for the whole exchange when the caller gives no signal. */
export const DEFAULT_ATTEST_TIMEOUT_MS = 45_000
/** Concurrent inbound attest streams per connection. */
export const ATTEST_MAX_INBOUND_STREAMS = 4
/** Concurrent outbound attest streams per connection. */
export const ATTEST_MAX_OUTBOUND_STREAMS = 4
