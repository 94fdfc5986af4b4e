/**
 * One attestation round trip with one holder: a fresh challenge out, the answer checked against
 * the proof we compute from bytes we really have ([Note: Attestation]). The repair loop's
 * health check ([Note: Repair loop] in ./repair.ts) calls it for every holder row.
 */
import type { AbortOptions, AttestResponse, PeerNetwork } from '../core/ports.js'
import type { FragmentId } from '../core/types.js'
import { type AttestationVerdict, type ShardReader, checkAttestation, createChallenge, expectedProof } from './attestation.js'
import { type RandomBytes, throwIfAborted } from './clock.js'
import { DEFAULT_ATTEST_RANGES, DEFAULT_ATTEST_TIMEOUT_MS } from './constants.js'

/** Why a holder did not prove possession: the verdict's reasons, or no answer at all. */
export type HolderMissReason = Extract<AttestationVerdict, { passed: false }>['reason'] | 'UNREACHABLE'

/** Outcome of {@link proveHolder}. */
export type HolderProof = { passed: true } | { passed: false, reason: HolderMissReason }

/** Inputs of {@link proveHolder}. */
export interface ProveHolderInput {
  network: PeerNetwork
  holderId: string
  fragment: FragmentId
  /** Our trustworthy copy of the shard (owner's payload, regenerated from k verified shards, or held). */
  reader: ShardReader
  /** The manifest checksum of the shard: in `whole` mode our copy is checked against it first. */
  checksum: Uint8Array
  /** Also hash the whole shard. */
  whole: boolean
  /** Ranges per challenge. Default {@link DEFAULT_ATTEST_RANGES}. */
  ranges?: number
  /** Secure random bytes for the nonce and offsets. */
  randomBytes: RandomBytes
  /** Longest wait for the answer. Default {@link DEFAULT_ATTEST_TIMEOUT_MS}. */
  timeoutMs?: number
}

/**
 * Challenges one holder and checks its answer. Ping-equivalent: an unreachable peer, a reset
 * stream or a timeout is a miss (`'UNREACHABLE'`), like a wrong proof: health counts both the
 * same way ([Note: Holder grace]). The expected proof is computed only once an answer came.
 * @example const proof = await proveHolder({ network, holderId, fragment, reader, checksum, whole: false, randomBytes })
 * @throws AbortError when `options.signal` aborts; ExpectedAnswerUnavailableError when our own
 * copy does not match the checksum (never blamed on the holder)
 */
export async function proveHolder (input: ProveHolderInput, options: AbortOptions = {}): Promise<HolderProof> {
  const challenge = createChallenge(input.fragment, input.reader.size, { ranges: input.ranges ?? DEFAULT_ATTEST_RANGES, whole: input.whole, random: input.randomBytes })
  const timeout = AbortSignal.timeout(input.timeoutMs ?? DEFAULT_ATTEST_TIMEOUT_MS)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  let response: AttestResponse
  try {
    response = await input.network.requestAttestation(input.holderId, challenge, { signal })
  } catch {
    throwIfAborted(options.signal) // our caller stopped waiting; anything else is the holder's miss
    return { passed: false, reason: 'UNREACHABLE' }
  }
  const expected = await expectedProof(challenge, input.reader, { checksum: input.checksum, signal: options.signal })
  return checkAttestation(response, expected)
}
