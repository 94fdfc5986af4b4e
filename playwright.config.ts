import { defineConfig, devices } from '@playwright/test'

/** Debian's Chromium (Playwright's own browser download is not available here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Launch flags verified on this kind of machine (../shared/PLATFORM-NOTES.md). */
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // WebRTC host candidates as plain IPs, not <uuid>.local mDNS names (dials time out otherwise).
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]
/** Data directory of the relay the network tests start; the app server serves its network.json. */
export const E2E_RELAY_DIR = '.tmp/e2e-relay'
const PORT = Number(process.env.E2E_PORT ?? 4173)
export const BASE_URL = `http://127.0.0.1:${PORT}`

const launchOptions = { executablePath: CHROMIUM, args: CHROMIUM_ARGS }

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI != null ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    headless: true,
    trace: 'retain-on-failure',
    launchOptions
  },
  projects: [
    { name: 'desktop', use: { browserName: 'chromium', viewport: { width: 1280, height: 800 } } },
    {
      name: 'phone',
      use: {
        browserName: 'chromium',
        viewport: devices['Pixel 7'].viewport,
        deviceScaleFactor: devices['Pixel 7'].deviceScaleFactor,
        isMobile: devices['Pixel 7'].isMobile,
        hasTouch: devices['Pixel 7'].hasTouch,
        userAgent: devices['Pixel 7'].userAgent
      },
      // The phone project runs the main user flow; the rest is viewport-independent.
      grep: /@phone/
    }
  ],
  webServer: {
    // The built app plus /network.json from the relay the network tests start and stop.
    command: `npx tsx src/relay/serve-app.ts --no-relay --port ${PORT} --data-dir ${E2E_RELAY_DIR}`,
    url: BASE_URL,
    reuseExistingServer: false,
    timeout: 60_000
  }
})
