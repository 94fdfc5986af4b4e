import { MAX_MANIFEST_BYTES } from '../constants.js'

/** Protocol id of manifest and shard retrieval (DESIGN "Network"). */
export const FETCH_PROTOCOL = '/tesseras/fetch/1.0.0'
/** Largest FetchRequest: kind plus a tessera hash or a fragment id. */
export const FETCH_MAX_REQUEST_BYTES = 256
/** Largest FetchResponse header: status plus a maximal manifest or a length. */
export const FETCH_MAX_RESPONSE_BYTES = MAX_MANIFEST_BYTES + 64
/** Time allowed for the request (holder) or the response header (requester) to arrive. */
export const FETCH_READ_TIMEOUT_MS = 10_000
/** Time allowed between two pieces of shard data (read idle timeout). */
export const FETCH_IDLE_TIMEOUT_MS = 15_000
/** Holder: time the inbound handler (a store read) may take. */
export const FETCH_HANDLER_TIMEOUT_MS = 30_000
/** Holder: longest the whole answer (header + shard) may take to send. */
export const FETCH_SEND_TIMEOUT_MS = 5 * 60_000
/** Requester: default time for a manifest fetch when the caller gives no signal. */
export const DEFAULT_FETCH_MANIFEST_TIMEOUT_MS = 30_000
/** Requester: default time for a shard fetch when the caller gives no signal. */
export const DEFAULT_FETCH_SHARD_TIMEOUT_MS = 2 * 60_000
/** Concurrent inbound fetch streams per connection. */
export const FETCH_MAX_INBOUND_STREAMS = 4
/** Concurrent outbound fetch streams per connection. */
export const FETCH_MAX_OUTBOUND_STREAMS = 4
