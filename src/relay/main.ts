/**
 * The relay program: `tsx src/relay/main.ts --help`.
 */
import './polyfill.js'
import { parseArgs } from 'node:util'
import { startRelay } from './relay.js'
import { anchorOptions, formatBytes } from './options.js'
import { repairLogLine } from './repair-log.js'
import { DEFAULT_RELAY_HTTP_PORT, DEFAULT_RELAY_PORT } from '../net/constants.js'

const HELP = `tesseras relay — WebSockets + circuit relay v2 + kad-dht server + peer discovery,
and by default an anchor: an always-on holder of memory fragments on disk

Usage: npx tsx src/relay/main.ts [options]

  --port <n>          WebSocket (libp2p) port                   [${DEFAULT_RELAY_PORT}]
  --http-port <n>     HTTP port for /metrics /healthz /network.json [${DEFAULT_RELAY_HTTP_PORT}]
  --host <ip>         interface to listen on       [127.0.0.1; 0.0.0.0 with --announce]
  --data-dir <dir>    keeps the peer key (stable address) and network.json  [.tesseras/relay]
  --announce <ma>     public multiaddr to announce, repeatable
                      (behind a TLS proxy: /dns4/relay.example.org/tcp/443/wss)
  --ice <url>         STUN/TURN URL listed in network.json for browsers, repeatable
  --store-dir <dir>   where the anchor keeps the fragments it holds for others,
                      its ledger and holder map                [<data-dir>/store]
  --storage <bytes>   storage the anchor gives to others (suffix K, M, G allowed) [1G]
  --no-storage        hold nothing new for others (still answers proofs and fetches
                      for fragments already held)
  --repair-interval <d>  how often the anchor checks the memories it holds fragments
                      of and repairs lost ones, keyless (24h, 90m, 30s; ± 1/12)  [24h]
  --peer <multiaddr>   another relay/anchor to stay connected to (…/p2p/<id>), repeatable
  --holder-grace <d>  how long a holder may fail its proofs before the anchor re-places
                      its fragments (72h, 30s)  [the replication default]
  --log-repair        print every repair event (health checks, lost holders, pushes)
  --help              this text
`

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_RELAY_PORT) },
      'http-port': { type: 'string', default: String(DEFAULT_RELAY_HTTP_PORT) },
      host: { type: 'string' },
      'data-dir': { type: 'string', default: '.tesseras/relay' },
      announce: { type: 'string', multiple: true, default: [] },
      ice: { type: 'string', multiple: true, default: [] },
      'store-dir': { type: 'string' },
      storage: { type: 'string' },
      'no-storage': { type: 'boolean', default: false },
      'repair-interval': { type: 'string' },
      'holder-grace': { type: 'string' },
      peer: { type: 'string', multiple: true, default: [] },
      'log-repair': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) { process.stdout.write(HELP); return }
  const port = parsePort(values.port, '--port')
  const httpPort = parsePort(values['http-port'], '--http-port')
  const relay = await startRelay({
    dataDir: values['data-dir'],
    port,
    httpPort,
    host: values.host,
    announce: values.announce,
    iceServers: values.ice.map(urls => ({ urls })),
    anchor: anchorOptions(values['data-dir'], values['store-dir'], values.storage, values['no-storage'], values['repair-interval'], values['holder-grace']),
    peers: values.peer
  })
  console.log(`relay ${relay.peerId}`)
  for (const a of relay.addrs) console.log(`  listening  ${a}`)
  if (relay.anchor != null) console.log(`  anchor     ${relay.anchor.storeDir} (gives ${formatBytes(relay.anchor.offeredStorageBytes)})`)
  if (relay.httpUrl != null) console.log(`  metrics    ${relay.httpUrl}/metrics   health ${relay.httpUrl}/healthz   config ${relay.httpUrl}/network.json`)
  if (values['log-repair']) relay.anchor?.repair.subscribe(e => { console.log(repairLogLine(e)) })
  const stop = (): void => { void relay.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

function parsePort (text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${flag}: expected a port number 0–65535, got "${text}"`)
    process.exit(2)
  }
  return n
}

main().catch((err: unknown) => {
  console.error('relay failed to start:', err)
  process.exit(1)
})
