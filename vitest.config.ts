import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every sandbox a test starts refuses to dial past loopback, even if its egress policy broke.
    env: { VIGIL_DIAL_LOOPBACK_ONLY: '1' },
  },
});
