/**
 * `npm start`: the local relay and the built app in one process; prints the URL to open.
 * `/network.json` beside the app lists the relay, so opening the URL is enough to join.
 * The relay is also an anchor (holds fragments on disk in `<data-dir>/store`) unless
 * `--no-storage` is given; `--help` lists the options.
 *
 * With `--no-relay` it serves the configuration the relay in `--data-dir` last published (tests
 * start, stop and restart that relay as its own process; its key, hence address, is stable).
 */
import './polyfill.js'
import { parseArgs } from 'node:util'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { preview } from 'vite'
import { CONFIG_FILE, startRelay, type RunningRelay } from './relay.js'
import { anchorOptions, formatBytes } from './options.js'
import { DEFAULT_RELAY_HTTP_PORT, DEFAULT_RELAY_PORT, NETWORK_CONFIG_PATH } from '../net/constants.js'

const HELP = `npm start — the Tesseras app and a local relay, which is also an anchor
(an always-on node keeping fragments of memories on disk)

Usage: npm start -- [options]

  --port <n>          port of the app                                  [4173]
  --relay-port <n>    WebSocket (libp2p) port of the relay             [${DEFAULT_RELAY_PORT}]
  --http-port <n>     relay's /metrics /healthz /network.json port     [${DEFAULT_RELAY_HTTP_PORT}]
  --data-dir <dir>    relay key and network.json                       [.tesseras/relay]
  --store-dir <dir>   fragments the anchor holds for others, its ledger
                      and holder map                                   [<data-dir>/store]
  --storage <bytes>   storage the anchor gives (suffix K, M, G allowed) [1G]
  --no-storage        relay only: hold nothing new for others
  --no-relay          serve the app with the configuration the relay in
                      --data-dir last published (tests run that relay apart)
  --help              this text
`

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4173' },
      'relay-port': { type: 'string', default: String(DEFAULT_RELAY_PORT) },
      'http-port': { type: 'string', default: String(DEFAULT_RELAY_HTTP_PORT) },
      'data-dir': { type: 'string', default: '.tesseras/relay' },
      'no-relay': { type: 'boolean', default: false },
      'store-dir': { type: 'string' },
      storage: { type: 'string' },
      'no-storage': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) { process.stdout.write(HELP); return }
  const dataDir = values['data-dir']
  let relay: RunningRelay | undefined
  if (!values['no-relay']) {
    relay = await startRelay({
      dataDir,
      port: Number(values['relay-port']),
      httpPort: Number(values['http-port']),
      anchor: anchorOptions(dataDir, values['store-dir'], values.storage, values['no-storage'])
    })
  }
  const server = await preview({
    preview: { host: '127.0.0.1', port: Number(values.port), strictPort: true, open: false },
    plugins: [{
      name: 'tesseras-network-config',
      configurePreviewServer (s) {
        s.middlewares.use(NETWORK_CONFIG_PATH, (_req: IncomingMessage, res: ServerResponse) => {
          const body = relay != null
            ? Promise.resolve(JSON.stringify(relay.config))
            : readFile(join(dataDir, CONFIG_FILE), 'utf8').catch(() => '{"relays":[]}')
          void body.then((text) => { res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(text) })
        })
      }
    }]
  })
  const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${values.port}/`
  if (relay != null) {
    console.log(`relay   ${relay.addrs.join('  ')}`)
    console.log(`        metrics ${relay.httpUrl ?? '—'}/metrics`)
    if (relay.anchor != null) console.log(`anchor  ${relay.anchor.storeDir} (gives ${formatBytes(relay.anchor.offeredStorageBytes)} to others)`)
  }
  console.log(`\n  Tesseras is running: open ${url}\n  (Ctrl-C stops the app and the relay)\n`)
  const stop = (): void => {
    void Promise.allSettled([relay?.stop(), server.close()]).then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error('could not start:', err)
  process.exit(1)
})
