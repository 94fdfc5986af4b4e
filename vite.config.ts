/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'

// One host everywhere: 127.0.0.1 and localhost are different origins (service worker, IndexedDB).
const HOST = '127.0.0.1'

export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'workers',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,ico,wasm}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        rollupFormat: 'iife'
      },
      includeAssets: ['favicon.svg', 'favicon.ico', 'apple-touch-icon-180x180.png'],
      manifest: {
        name: 'Tesseras — memories that last',
        short_name: 'Tesseras',
        description: 'Keep your memories encrypted on your device and alive on a peer-to-peer network for decades.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1f3a5f',
        background_color: '#f7f5f0',
        icons: [
          { src: 'pwa-64x64.png', sizes: '64x64', type: 'image/png' },
          { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png' },
          { src: 'maskable-icon-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      devOptions: { enabled: false, type: 'module' }
    })
  ],
  server: { host: HOST, port: 5173, strictPort: true },
  preview: { host: HOST, port: 4173, strictPort: true },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/compliance/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'threads'
  }
})
