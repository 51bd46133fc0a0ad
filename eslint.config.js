// Each room imports only what its runtime allows (DESIGN.md §1, §10): the engine and the sandbox
// run under plain Node and never see electron; the renderer is a browser page; shared code runs
// everywhere, so it imports neither Node nor electron.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'worker_threads', 'url'];
const noElectron = { group: ['electron', 'electron/*'], message: 'Only src/main/shell and src/main/index.ts import electron.' };
const noNode = { group: nodeBuiltins, message: 'This code also runs in the browser: no Node built-ins.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'e2e/artifacts/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON bodies of many shapes; typing each one would add noise, not safety.
    files: ['test/**', 'bench/**', 'e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/main/engine/**', 'src/main/sandbox/**', 'src/main/cli.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noElectron] }] },
  },
  {
    files: ['src/shared/**', 'src/renderer/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noNode] }] },
  },
);
