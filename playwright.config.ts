// Web-mode e2e (DESIGN.md §8): the console in Debian's Chromium against a real `vigil serve` on a
// temporary data folder. The Electron-mode suite has its own config (e2e/electron), because it
// needs an Electron binary.
//   npx playwright test            (npm run test:e2e)
// scripts/test.js sets PLAYWRIGHT_JSON_OUTPUT_NAME and reads the JSON report's stats.
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.VIGIL_E2E_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e/web',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/web/global-setup.ts',
  // Two cores shared with other work: one browser at a time, against one server per worker.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: './test-results/web',
  // The JSON reporter writes to PLAYWRIGHT_JSON_OUTPUT_NAME when set (npm test); without it, it
  // would print the whole report to the terminal, so it is only added then.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 860 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
