import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { TYPESCRIPT_BY_REQUIRE } from './vite.cli.config.ts';

export default defineConfig({
  main: {
    resolve: { alias: [TYPESCRIPT_BY_REQUIRE] },
    build: {
      // Not externalized as a package import: the alias above turns it into a require().
      externalizeDeps: { exclude: ['typescript'] },
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'sandbox-process': resolve('src/main/sandbox/process/index.ts'),
          'sandbox-worker': resolve('src/main/sandbox/worker/index.ts'),
          'sandbox-compile-worker': resolve('src/main/sandbox/process/compile-worker.ts'),
          'code-check-worker': resolve('src/main/engine/workflows/code-check-worker.ts'),
        },
        // Chunks beside the entries, as in out/cli: the engine finds code-check-worker.js next to
        // the chunk it is in.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    // A sandboxed window only loads a CommonJS preload.
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      rollupOptions: {
        input: { index: resolve('src/renderer/index.html') },
        // The timing report is advice for plugin authors, not for someone starting `npm run serve`.
        checks: { bundlerTimings: false },
      },
      // Monaco and the TypeScript parser inside the lint worker are large by nature; they load
      // lazily (the editor chunk, the workers), never on the first paint.
      chunkSizeWarningLimit: 12_000,
    },
    // Monaco's language workers and the lint worker use dynamic imports and ES syntax.
    worker: { format: 'es' },
    plugins: [react()],
  },
});
