import { describe, expect, it } from 'vitest'
import { parseNetworkConfig, parseRelayAddr, parseRelayList } from '../../../src/net/index.js'

const ID = '12D3KooWCV4WPdLRpuiJmaFi44SmwvYSjKRhsiUfDmQqYBGRdG43'
const LOCAL = `/ip4/127.0.0.1/tcp/4174/ws/p2p/${ID}`
const PUBLIC = `/dns4/relay.example.org/tcp/443/wss/p2p/${ID}`

function errorOf (fn: () => unknown): { name: string, code: string, message: string } {
  try { fn() } catch (err) { return err as { name: string, code: string, message: string } }
  throw new Error('expected a throw')
}

describe('parseRelayAddr', () => {
  it('accepts ws and wss relay addresses with a peer id', () => {
    expect(parseRelayAddr(LOCAL)).toBe(LOCAL)
    expect(parseRelayAddr(`  ${PUBLIC} `)).toBe(PUBLIC)
  })

  it.each([
    ['/ip4/1.2.3/tcp/1/ws/p2p/' + ID, /not a valid multiaddr/],
    ['not a multiaddr', /not a valid multiaddr/],
    ['/ip4/127.0.0.1/tcp/4174/p2p/' + ID, /not a WebSocket address/],
    ['/ip4/127.0.0.1/tcp/4174/ws', /does not end in \/p2p/],
    ['/ip4/127.0.0.1/tcp/4174/ws/p2p/notapeerid', /invalid relay peer id "notapeerid"/],
    ['', /empty multiaddr/]
  ])('rejects %j with a clear error', (text, message) => {
    const err = errorOf(() => parseRelayAddr(text, 'relays[0]'))
    expect(err.name).toBe('NetworkConfigError')
    expect(err.code).toBe('ERR_NETWORK_CONFIG')
    expect(err.message).toMatch(/^relays\[0\]: /)
    expect(err.message).toMatch(message)
  })

  it('rejects a non-string naming the type', () => {
    expect(errorOf(() => parseRelayAddr(42)).message).toBe('relay: expected a multiaddr string, got number')
  })
})

describe('parseRelayList', () => {
  it('splits lines and commas, drops blanks and duplicates', () => {
    expect(parseRelayList(`${LOCAL}\n\n${PUBLIC}, ${LOCAL}`)).toEqual([LOCAL, PUBLIC])
  })

  it('names the position of the bad entry', () => {
    expect(errorOf(() => parseRelayList(`${LOCAL}\n/ip4/999.0.0.1/tcp/1/ws/p2p/${ID}`)).message).toMatch(/^relay 2: /)
  })
})

describe('parseNetworkConfig', () => {
  it('parses the document served beside the app', () => {
    expect(parseNetworkConfig({ relays: [LOCAL], iceServers: [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }], allowPrivateAddresses: true })).toEqual({
      relays: [LOCAL],
      iceServers: [{ urls: ['stun:stun.example.org:3478'] }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }],
      allowPrivateAddresses: true
    })
  })

  it('defaults to no relays, no ICE servers, no private addresses', () => {
    expect(parseNetworkConfig({})).toEqual({ relays: [], iceServers: [], allowPrivateAddresses: false })
  })

  it.each([
    [null, /expected a JSON object/],
    [[], /expected a JSON object/],
    [{ relays: LOCAL }, /^relays: expected an array/],
    [{ relays: [LOCAL, '/ip4/nope'] }, /^relays\[1\]: "\/ip4\/nope" is not a valid multiaddr/],
    [{ iceServers: [{ urls: 'http://stun.example.org' }] }, /^iceServers\[0\]\.urls: .* is not a stun:/],
    [{ iceServers: [{}] }, /^iceServers\[0\]\.urls: expected/],
    [{ iceServers: [{ urls: 'stun:x', username: 1 }] }, /^iceServers\[0\]\.username: expected a string/],
    [{ allowPrivateAddresses: 'yes' }, /^allowPrivateAddresses: expected a boolean, got string/]
  ])('rejects %j naming the field', (doc, message) => {
    const err = errorOf(() => parseNetworkConfig(doc))
    expect(err.name).toBe('NetworkConfigError')
    expect(err.message).toMatch(message)
  })
})
