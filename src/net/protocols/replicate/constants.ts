import { MAX_MANIFEST_BYTES, MAX_RECEIPT_NONCE_BYTES, MAX_HOLDER_ID_BYTES } from '../constants.js'

/** Protocol id of the owner's shard push (DESIGN "Network"). */
export const REPLICATE_PROTOCOL = '/tesseras/replicate/1.0.0'
/** Largest ReplicateRequest header: a maximal manifest plus fragment id, nonce and length. */
export const REPLICATE_MAX_HEADER_BYTES = MAX_MANIFEST_BYTES + MAX_RECEIPT_NONCE_BYTES + 256
/** Largest ReplicateAck: status plus a receipt (fragment id, holder id, nonce, signature). */
export const REPLICATE_MAX_ACK_BYTES = 512 + MAX_HOLDER_ID_BYTES + MAX_RECEIPT_NONCE_BYTES
/** Time allowed for the header to arrive once the stream is open. */
export const REPLICATE_HEADER_TIMEOUT_MS = 10_000
/** Time allowed between two pieces of shard data (read idle timeout). */
export const REPLICATE_IDLE_TIMEOUT_MS = 15_000
/** Receiver: longest a whole inbound transfer (header + shard) may take. */
export const REPLICATE_TRANSFER_TIMEOUT_MS = 5 * 60_000
/** Receiver: time the inbound handler (verify, store, sign) may take before we answer INTERNAL. */
export const REPLICATE_HANDLER_TIMEOUT_MS = 60_000
/** Sender: default time for a whole push (send + store + ack) when the caller gives no signal; 22 MiB at ~200 KB/s. */
export const DEFAULT_REPLICATE_TIMEOUT_MS = 2 * 60_000
/** Concurrent inbound replicate streams per connection. */
export const REPLICATE_MAX_INBOUND_STREAMS = 2
/** Concurrent outbound replicate streams per connection. */
export const REPLICATE_MAX_OUTBOUND_STREAMS = 4
/** Inbound transfers this node buffers at once, over all peers (each up to MAX_SHARD_BYTES); beyond it we answer INTERNAL (retry later). */
export const DEFAULT_REPLICATE_MAX_CONCURRENT_INBOUND = 4
