/**
 * dialDirect over a scripted node: which addresses it dials, in which order, and how the WebRTC
 * dial budget is spent (the WebRTC path itself runs in the Playwright suites).
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import { DialBudget } from '../../../src/net/dial-budget.js'
import { dialDirect, type DirectDialNode } from '../../../src/net/direct-dial.js'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A node whose dials succeed for `reachable` addresses (a direct connection, or a limited one for `/p2p-circuit` without `/webrtc`). */
function scriptedNode (reachable: (ma: string) => boolean): DirectDialNode & { dialled: string[], conns: Connection[], open: (c: Connection) => void } {
  const listeners = new Set<(e: CustomEvent<Connection>) => void>()
  const node = {
    dialled: [] as string[],
    conns: [] as Connection[],
    open: (c: Connection) => { node.conns.push(c); for (const l of listeners) l(new CustomEvent('connection:open', { detail: c })) },
    getConnections: () => node.conns,
    addEventListener: (_: string, l: (e: CustomEvent<Connection>) => void) => { listeners.add(l) },
    removeEventListener: (_: string, l: (e: CustomEvent<Connection>) => void) => { listeners.delete(l) },
    dial: async (ma: Multiaddr) => {
      const text = ma.toString()
      node.dialled.push(text)
      if (!reachable(text)) throw new Error('unreachable')
      const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value ?? ''
      const conn = { remotePeer: { toString: () => id }, status: 'open', limits: undefined, multiplexer: text.includes('/webrtc') ? '/webrtc' : '/yamux/1.0.0', direct: true, remoteAddr: ma } as unknown as Connection
      node.conns.push(conn)
      return conn
    }
  }
  return node as unknown as DirectDialNode & { dialled: string[], conns: Connection[], open: (c: Connection) => void }
}

const RELAY = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

describe('dialDirect', () => {
  it('dials a plain WebSocket address first and spends no WebRTC budget', async () => {
    const id = await peer()
    const node = scriptedNode(() => true)
    const budget = new DialBudget()
    const ok = await dialDirect(node, id, [multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc`), multiaddr('/ip4/10.0.0.2/tcp/2/ws')], { budget })
    expect(ok).toBe(true)
    expect(node.dialled).toEqual([`/ip4/10.0.0.2/tcp/2/ws/p2p/${id.toString()}`])
    expect(budget.used).toBe(0)
  })

  it('upgrades through a relay circuit with one budgeted dial when no plain address works', async () => {
    const id = await peer()
    const node = scriptedNode(ma => ma.includes('/webrtc'))
    const budget = new DialBudget()
    expect(await dialDirect(node, id, [multiaddr('/ip4/10.0.0.2/tcp/2/ws'), multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc`)], { budget })).toBe(true)
    expect(node.dialled).toEqual([`/ip4/10.0.0.2/tcp/2/ws/p2p/${id.toString()}`, `/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${id.toString()}`])
    expect(budget.used).toBe(1)
  })

  it('does not dial when already directly connected, nor when the budget is spent', async () => {
    const id = await peer()
    const node = scriptedNode(() => true)
    const circuit = multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc`)
    expect(await dialDirect(node, id, [circuit], { budget: new DialBudget({ lifetimeDials: 0 }) })).toBe(false)
    expect(node.dialled).toEqual([])
    await dialDirect(node, id, [circuit], { budget: new DialBudget() })
    expect(await dialDirect(node, id, [circuit], { budget: new DialBudget({ lifetimeDials: 0 }) })).toBe(true)
    expect(node.dialled).toHaveLength(1)
  })

  it('waits for the dial already in flight instead of racing it', async () => {
    const id = await peer()
    const node = scriptedNode(() => true)
    const budget = new DialBudget()
    budget.begin(id.toString())
    const pending = dialDirect(node, id, [multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc`)], { budget })
    node.open({ remotePeer: { toString: () => id.toString() }, status: 'open', limits: undefined } as unknown as Connection)
    expect(await pending).toBe(true)
    expect(node.dialled).toEqual([])
  })

  it('returns false for an unreachable peer and backs it off; AbortError when the caller aborts', async () => {
    const id = await peer()
    const node = scriptedNode(() => false)
    const budget = new DialBudget()
    const circuit = multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${RELAY}/p2p-circuit/webrtc`)
    expect(await dialDirect(node, id, [circuit], { budget })).toBe(false)
    expect(budget.check(id.toString(), 0)).toBe('backing-off')
    await expect(dialDirect(node, id, [circuit], { budget, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })
})
