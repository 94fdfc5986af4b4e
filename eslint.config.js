// Layering rules from ../shared/STYLE.md §2, enforced in CI (`npm run lint`).
import tseslint from 'typescript-eslint'

const adapters = ['idb', 'idb/*', 'libp2p', '@libp2p/*', '@chainsafe/*', 'svelte', 'svelte/*', 'workbox-*']
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }]
})

export default tseslint.config(
  { ignores: ['dist/**', 'dev-dist/**', 'node_modules/**', 'src/codec/generated/**', 'test-results/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin }
  },
  {
    files: ['src/core/**/*.ts', 'src/crypto/**/*.ts', 'src/codec/**/*.ts'],
    ignores: ['src/codec/worker-client.ts', 'src/codec/build-wasm.ts'],
    rules: restrict([...adapters, '**/store/**', '**/net/**', '**/replication/**', '**/ui/**', '**/app/**', '**/relay/**', 'node:*'],
      'core, crypto and codec are pure: no adapters, services, UI or Node built-ins')
  },
  {
    files: ['src/replication/**/*.ts'],
    rules: restrict([...adapters, '**/store/**', '**/net/**', '**/ui/**', '**/app/**', '**/relay/**'],
      'replication sees only core, crypto and codec (ports are injected)')
  },
  {
    files: ['src/store/**/*.ts'],
    rules: restrict(['libp2p', '@libp2p/*', 'svelte', '**/net/**', '**/replication/**', '**/ui/**', '**/app/**', '**/crypto/**', '**/codec/**'],
      'a store adapter sees only core and its own library')
  },
  {
    files: ['src/net/**/*.ts'],
    rules: restrict(['idb', 'idb/*', 'svelte', 'svelte/*', '**/store/**', '**/replication/**', '**/ui/**', '**/app/**', '**/relay/**', '../crypto/**', '../../crypto/**', '../codec/**', '../../codec/**'],
      'the network adapter sees only core and libp2p')
  },
  {
    files: ['src/relay/**/*.ts'],
    rules: restrict(['idb', 'idb/*', 'svelte', 'svelte/*', '**/ui/**', '**/app/**', 'workbox-*'],
      'the relay is a Node composition root: no browser storage, UI or app wiring')
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: restrict(['idb', 'libp2p', '@libp2p/*', '**/store/**', '**/net/**'],
      'the UI never touches adapters; it gets services from app')
  },
  {
    files: ['workers/codec.worker.ts', 'workers/rpc.ts'],
    rules: restrict([...adapters, '**/store/**', '**/net/**', '**/replication/**', '**/ui/**', '**/app/**'],
      'the codec worker dispatches to core, crypto and codec only')
  }
)
