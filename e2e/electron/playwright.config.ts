// The Electron-mode suite (DESIGN.md §8): the real app through Playwright's _electron.launch, under
// Xvfb on Linux. Separate from the web-mode config because it needs an Electron binary; where there
// is none, every test skips with the reason.
//   npx playwright test -c e2e/electron/playwright.config.ts
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  // One app at a time: each test launches its own Vigil with its own data folder.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: '../../test-results/electron',
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
});
