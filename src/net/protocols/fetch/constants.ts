import { MAX_LISTED_MANIFESTS } from '../../../core/ports.js'
import { MAX_MANIFEST_BYTES } from '../constants.js'

/** Protocol id of manifest and shard retrieval (DESIGN "Network"). */
export const FETCH_PROTOCOL = '/tesseras/fetch/1.0.0'
/** Largest FetchRequest: kind plus a tessera hash or a fragment id. */
export const FETCH_MAX_REQUEST_BYTES = 256
/** Largest FetchResponse header: status plus a maximal manifest or a length. */
export const FETCH_MAX_RESPONSE_BYTES = MAX_MANIFEST_BYTES + 64
/**
 * Largest FetchResponse of a `list` query. A typical manifest is ~3 KB (72 shard checksums plus
 * a sealed header of a few hundred bytes), so {@link MAX_LISTED_MANIFESTS} of them fit in about
 * 1.5 MiB; 4 MiB leaves room for large sealed headers. The holder drops the oldest manifests
 * that do not fit (the requester asks other holders), and always fits at least one maximal one.
 */
export const FETCH_MAX_LIST_RESPONSE_BYTES = Math.max(4 * 1024 * 1024, FETCH_MAX_RESPONSE_BYTES)
/** Most manifests one `list` answer carries (the port's bound, restated for the wire). */
export const FETCH_MAX_LISTED_MANIFESTS = MAX_LISTED_MANIFESTS
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
/** Requester: default time for a manifest listing (up to 4 MiB) when the caller gives no signal. */
export const DEFAULT_FETCH_LIST_TIMEOUT_MS = 60_000
/** Requester: default time for a shard fetch when the caller gives no signal. */
export const DEFAULT_FETCH_SHARD_TIMEOUT_MS = 2 * 60_000
/** Concurrent inbound fetch streams per connection. */
export const FETCH_MAX_INBOUND_STREAMS = 4
/** Concurrent outbound fetch streams per connection. */
export const FETCH_MAX_OUTBOUND_STREAMS = 4
