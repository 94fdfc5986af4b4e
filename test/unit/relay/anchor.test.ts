/**
 * Integration: the relay started as an anchor (the default) holds fragments on disk. A Node
 * owner connects over WebSockets on 127.0.0.1, replicates a small memory through its own
 * replication service, and the anchor stores the shard in its store directory, signs a receipt
 * the owner verified, and credits its ledger. With no storage offered it refuses.
 * Node 20 has no global WebSocket without --experimental-websocket, so the owner dials with `ws`.
 */
import '../../../src/relay/polyfill.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { Library } from '../../../src/app/library.js'
import { createLibp2pPeerNetwork, type Libp2pPeerNetwork } from '../../../src/net/peer-network.js'
import { identitySigner } from '../../../src/net/keys.js'
import { FETCH_PROTOCOL } from '../../../src/net/protocols/fetch/constants.js'
import { createMemoryLedger, replicationService, type ReplicationService } from '../../../src/replication/index.js'
import { startRelay, type RunningRelay } from '../../../src/relay/relay.js'
import { anchorOptions, parseBytes, parseDuration } from '../../../src/relay/options.js'
import { MemoryFragmentStore, MemoryManifestStore, MemoryReplicaStore, MemoryTesseraStore, MemoryVaultStore } from '../../../src/store/memory/index.js'
import type { TesseraMetadata } from '../../../src/core/types.js'
import { inlineCodec } from '../app/inline-codec.js'
import { seededBytes } from '../replication/helpers.js'

if (typeof globalThis.WebSocket === 'undefined') (globalThis as { WebSocket?: unknown }).WebSocket = (createRequire(import.meta.url)('ws') as { WebSocket: unknown }).WebSocket

const metadata: TesseraMetadata = { title: 'note', description: '', date: '2026-01-02', memoryType: 'mixed', tags: [], language: 'en', visibility: 'private' }
const PLAIN = seededBytes(7)(200 * 1024)

interface Owner { node: Libp2p, network: Libp2pPeerNetwork, service: ReplicationService, hashHex: string, stop: () => Promise<void> }

/** An owner node connected to `relay`, once identify has told it the relay's protocols (`listed`: and it is a holder candidate). */
async function owner (relay: RunningRelay, listed = true): Promise<Owner> {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: { identify: identify(), identifyPush: identifyPush() }
  })
  const tesseras = new MemoryTesseraStore()
  const library = new Library({ codec: inlineCodec(), tesseras, vault: new MemoryVaultStore(), makeThumbnail: async () => undefined, createObjectURL: () => 'blob:x', revokeObjectURL: () => {} })
  await library.confirmVault(library.newVault('en'))
  const hashHex = await library.save({ files: [new File([PLAIN as Uint8Array<ArrayBuffer>], 'note.bin', { lastModified: 1 })], metadata })
  const network = await createLibp2pPeerNetwork(node)
  const fragments = new MemoryFragmentStore()
  const service = replicationService({ backoff: { initialMs: 1, maxMs: 2 } })({
    network, tesseras, fragments, ledger: createMemoryLedger({ fragments }), replicas: new MemoryReplicaStore(), manifests: new MemoryManifestStore(),
    signer: identitySigner((node as unknown as { components: { privateKey: Parameters<typeof identitySigner>[0] } }).components.privateKey),
    log: () => {}
  })
  service.start()
  await node.dial(multiaddr(relay.addrs[0]))
  const end = Date.now() + 5_000
  const ready = async (): Promise<boolean> => listed
    ? network.peers().length > 0
    : (await node.peerStore.get(peerIdFromString(relay.peerId)).catch(() => undefined))?.protocols.includes(FETCH_PROTOCOL) === true
  while (!(await ready())) {
    if (Date.now() > end) throw new Error('the anchor was never identified')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return { node, network, service, hashHex, stop: async () => { await service.stop(); await network.stop(); await node.stop() } }
}

describe('relay in anchor mode', () => {
  let dir: string
  let relay: RunningRelay
  let o: Owner

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tesseras-anchor-'))
    relay = await startRelay({ dataDir: dir, port: 0, httpPort: -1 })
    o = await owner(relay)
  }, 60_000)

  afterAll(async () => {
    await o?.stop()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('is listed as an anchor holder and stores a pushed shard on disk with a verified receipt', async () => {
    expect(relay.anchor?.storeDir).toBe(join(dir, 'store'))
    const [peer] = o.network.peers()
    expect(peer).toMatchObject({ id: relay.peerId, kind: 'websocket', anchor: true })
    const result = await o.service.replicate(o.hashHex)
    expect(result.sent).toBe(1) // a Small memory: one copy per distinct holder, and the anchor is the only one
    const shards = await readdir(join(dir, 'store', 'fragments', o.hashHex))
    expect(shards).toHaveLength(1)
    const bytes = new Uint8Array(await readFile(join(dir, 'store', 'fragments', o.hashHex, shards[0])))
    expect(bytes.length).toBeGreaterThan(PLAIN.length) // sealed, never the plaintext
    expect(Buffer.from(bytes).includes(Buffer.from(PLAIN.subarray(4096, 4096 + 32)))).toBe(false)
    expect((await relay.anchor!.ledger.entry(o.network.selfId)).heldForThemBytes).toBe(bytes.length)
    const ledger = JSON.parse(await readFile(join(dir, 'store', 'ledger.json'), 'utf8')) as { accounts: Record<string, unknown> }
    expect(Object.keys(ledger.accounts)).toContain(o.network.selfId)
    const status = await o.service.status(o.hashHex)
    expect(status.holders).toBe(1)
  }, 60_000)

  it('with --no-storage (offered storage 0) it is no holder candidate and keeps nothing', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'tesseras-anchor-'))
    const relay2 = await startRelay({ dataDir: dir2, port: 0, httpPort: -1, anchor: { offeredStorageBytes: 0 } })
    const o2 = await owner(relay2, false)
    try {
      expect(o2.network.peers()).toEqual([])
      const attempts: string[] = []
      const result = await o2.service.replicate(o2.hashHex, { onProgress: e => { if (e.type.startsWith('replicate:fragment:')) attempts.push(e.type) } })
      expect(result.sent).toBe(0)
      expect(attempts).toEqual([])
      await expect(readdir(join(dir2, 'store', 'fragments', o2.hashHex))).rejects.toThrow()
    } finally {
      await o2.stop()
      await relay2.stop()
      await rm(dir2, { recursive: true, force: true })
    }
  }, 60_000)

  it('runs a keyless repair loop over the memories it holds fragments of', async () => {
    await o.service.replicate(o.hashHex) // idempotent: the anchor holds the copy after the first test, or now
    const repair = relay.anchor!.repair
    expect(repair.running).toBe(true)
    // Watched since now: the missing copies may only be offline, so nothing is pushed yet.
    expect(await repair.runNow()).toMatchObject({ checked: 1, failed: 0, pushed: 0 })
    const file = join(dir, 'store', 'repair-last-run')
    const end = Date.now() + 5_000
    while (await readFile(file, 'utf8').catch(() => '') === '') {
      if (Date.now() > end) throw new Error('the last run was not kept')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    expect(Number(await readFile(file, 'utf8'))).toBeGreaterThan(0)
  }, 60_000)

  it('parses repair intervals', () => {
    expect(parseDuration('24h')).toBe(24 * 3600_000)
    expect(parseDuration('90m')).toBe(90 * 60_000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('1d')).toBe(86_400_000)
    expect(parseDuration('250')).toBe(250)
    expect(() => parseDuration('soon')).toThrow(RangeError)
  })

  it('stays connected to the relays/anchors given with --peer', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'tesseras-anchor-'))
    const relay2 = await startRelay({ dataDir: dir2, port: 0, httpPort: -1, anchor: false, peers: [relay.addrs[0]] })
    try {
      const end = Date.now() + 10_000
      while (!relay2.node.getConnections().some(c => c.remotePeer.toString() === relay.peerId)) {
        if (Date.now() > end) throw new Error('never connected to its --peer')
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    } finally {
      await relay2.stop()
      await rm(dir2, { recursive: true, force: true })
    }
  }, 30_000)

  it('the relay program (its own Node process, no test polyfills) dials its --peer too', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'tesseras-relay-'))
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/main.ts', '--port', '0', '--http-port', '0', '--data-dir', dir2, '--no-storage', '--peer', relay.addrs[0]],
      { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (b: Buffer) => { output += b.toString() })
    child.stderr.on('data', (b: Buffer) => { output += b.toString() })
    try {
      const end = Date.now() + 20_000
      const idOf = (): string | undefined => /^relay (\S+)/m.exec(output)?.[1]
      while (idOf() === undefined || !relay.node.getConnections().some(c => c.remotePeer.toString() === idOf())) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`the relay program never connected to its --peer:\n${output}`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      expect(output).not.toMatch(/cannot reach peer/)
    } finally {
      child.kill('SIGTERM')
      await new Promise(resolve => child.once('exit', resolve))
      await rm(dir2, { recursive: true, force: true })
    }
  }, 40_000)

  it('turns the anchor flags into options', () => {
    expect(anchorOptions('/d', undefined, '2G', false, '30s', '5s')).toEqual({ storeDir: '/d/store', offeredStorageBytes: 2 * 1024 ** 3, repairIntervalMs: 30_000, holderGraceMs: 5000 })
    expect(anchorOptions('/d', '/s', undefined, true)).toEqual({ storeDir: '/s', offeredStorageBytes: 0, repairIntervalMs: undefined, holderGraceMs: undefined })
  })

  it('parses storage sizes', () => {
    expect(parseBytes('1G')).toBe(1024 ** 3)
    expect(parseBytes('512M')).toBe(512 * 1024 ** 2)
    expect(parseBytes('0')).toBe(0)
    expect(() => parseBytes('lots')).toThrow(RangeError)
  })
})
