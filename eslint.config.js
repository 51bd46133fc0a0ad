// Each room imports only what its runtime and its place allow (DESIGN.md §1, §10; docs/architecture.md):
// - only the shell (src/main/shell, src/main/index.ts and the preload) imports electron;
// - shared code runs everywhere: no Node built-ins, and nothing but shared code;
// - the renderer is a browser page: no Node built-ins, and of the project only itself and shared code;
// - the engine's services never import the HTTP layer (api/): it adapts them, not the other way;
// - the CLI reaches the engine and the sandbox through their doors (index.ts).
// test/architecture/import-rules.test.ts proves each rule fires.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'worker_threads', 'url'];
const noElectron = { group: ['electron', 'electron/*'], message: 'Only src/main/shell, src/main/index.ts and the preload import electron.' };
const noNode = { group: nodeBuiltins, message: 'This code also runs in the browser: no Node built-ins.' };
const onlyShared = {
  group: ['**/main/**', '**/preload/**', '**/renderer/**'],
  message: 'src/shared is used by every process: it imports only src/shared.',
};
const rendererOnly = {
  group: ['**/main/**', '**/preload/**'],
  message: 'The renderer talks to the engine over the API: it imports only src/shared and itself.',
};
// src/shared/api is the contract's shapes (no routes, no statuses to answer with): services may
// use them, as the notifier settings do for the CLI's checks.
const noHttpLayer = {
  group: ['**/api/**', '!**/shared/api/**'],
  message: "The engine's services do not know HTTP: api/ adapts them (routes import services, not the reverse).",
};
const engineDoor = {
  group: ['**/engine/**', '!**/engine/index.ts'],
  message: 'The CLI reaches the engine through its door, src/main/engine/index.ts.',
};
const sandboxDoor = {
  group: ['**/sandbox/**', '!**/sandbox/index.ts'],
  message: 'The CLI reaches the sandbox through its door, src/main/sandbox/index.ts.',
};

/** One rule entry per folder: a later entry for the same files would replace, not add to, an earlier one. */
const restrict = (files, patterns, ignores = []) => ({ files, ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } });

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
  restrict(['src/main/engine/**'], [noElectron, noHttpLayer], ['src/main/engine/api/**', 'src/main/engine/server.ts']),
  restrict(['src/main/engine/api/**', 'src/main/engine/server.ts', 'src/main/sandbox/**'], [noElectron]),
  restrict(['src/main/cli/**', 'src/main/cli.ts'], [noElectron, engineDoor, sandboxDoor]),
  restrict(['src/shared/**'], [noElectron, noNode, onlyShared]),
  restrict(['src/renderer/**'], [noElectron, noNode, rendererOnly]),
);
