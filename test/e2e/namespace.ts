/**
 * What every WebRTC suite shares: the private network namespace `npm test` sets up
 * (test/netns.sh: veth 10.99.0.1/10.99.0.2, which exists only inside it) and the second guard
 * that keeps ICE on it.
 */
import { test } from '@playwright/test'
import { networkInterfaces } from 'node:os'

/** Addresses of the namespace's veth pair. */
export const NAMESPACE_ADDR = /^10\.99\.0\.\d{1,3}$/

/** True inside the namespace. */
export const inNamespace = Object.values(networkInterfaces()).flat().some(i => i != null && NAMESPACE_ADDR.test(i.address))

/** Fails the suite at once (not a silent skip) when run outside the namespace. */
export function requireNamespace (file: string): void {
  test.beforeAll(() => {
    if (!inNamespace) throw new Error(`this suite needs the private network namespace that \`npm test\` sets up: as root, \`sh test/netns.sh npx playwright test ${file}\` (README, “Two browsers on one machine”)`)
  })
}

/**
 * Drops remote ICE candidates outside the namespace (second guard after the namespace itself).
 * Runs in the page (`context.addInitScript(guardIce)`): self-contained, counts what it drops.
 */
export function guardIce (): void {
  const original = RTCPeerConnection.prototype.addIceCandidate
  RTCPeerConnection.prototype.addIceCandidate = function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | null, ...rest: unknown[]) {
    const text = candidate?.candidate ?? ''
    const address = text.split(' ')[4]
    if (text !== '' && address != null && !/^10\.99\.0\.\d{1,3}$/.test(address)) {
      (globalThis as { droppedCandidates?: number }).droppedCandidates = ((globalThis as { droppedCandidates?: number }).droppedCandidates ?? 0) + 1
      return Promise.resolve()
    }
    return (original as (...a: unknown[]) => Promise<void>).call(this, candidate, ...rest)
  } as typeof original
}
