/**
 * Measurements that drive the real app like the e2e suites but are too heavy for `npm test`
 * (dozens of anchor processes): `npm run bench:holders`. Same browser, server and namespace.
 */
import { defineConfig } from '@playwright/test'
import base from './playwright.config.js'

export default defineConfig({
  ...base,
  testDir: 'test/bench',
  testMatch: '**/*.bench.ts',
  retries: 0,
  timeout: 30 * 60_000,
  projects: [base.projects?.[0] ?? { name: 'desktop' }]
})
