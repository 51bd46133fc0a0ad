// `vigil` as one bundle (out/cli): the engine, its CLI and the sandbox process with the pure-JS
// packages they import. From sources, Node resolves, reads and strips the types of ~830 modules
// before `vigil serve` listens; bundled they are a few dozen files. bin/vigil.js runs the bundle
// only while every file it was built from is unchanged (scripts/cli-bundle.js), else the sources.
import { statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = import.meta.dirname;
const outDir = join(root, 'out', 'cli');

/** The code-check thread's `import ts from 'typescript'`, loaded with require() (see the module). */
export const TYPESCRIPT_BY_REQUIRE = { find: /^typescript$/, replacement: join(root, 'src/main/engine/workflows/typescript-cjs.ts') };

/**
 * Records the size and mtime of each source file in the bundle, of the build config and of the
 * installed packages' lockfile (npm rewrites node_modules/.package-lock.json on every install, so
 * the ~1,500 package files need not each be checked). Written last: a bundle without it never runs.
 */
function inputsManifest(): Plugin {
  return {
    name: 'vigil-cli-inputs',
    writeBundle() {
      const sources = [...this.getModuleIds()].filter((id) => isAbsolute(id) && !id.includes('/node_modules/')).map((id) => id.split('?')[0]!);
      const fixed = ['vite.cli.config.ts', 'package-lock.json', 'node_modules/.package-lock.json'].map((path) => join(root, path));
      const files = [...new Set([...sources, ...fixed])].map((path) => {
        const info = statSync(path);
        return [relative(root, path), info.mtimeMs, info.size];
      });
      writeFileSync(join(outDir, 'inputs.json'), JSON.stringify({ files }));
    },
  };
}

export default defineConfig({
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    target: 'node24',
    minify: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        vigil: resolve(root, 'src/main/cli.ts'),
        // Beside the entry, where the launcher and the supervisor look for them when bundled.
        'sandbox-process': resolve(root, 'src/main/sandbox/process/index.ts'),
        'sandbox-worker': resolve(root, 'src/main/sandbox/worker/index.ts'),
        'sandbox-compile-worker': resolve(root, 'src/main/sandbox/process/compile-worker.ts'),
        'code-check-worker': resolve(root, 'src/main/engine/workflows/code-check-worker.ts'),
      },
      // Native addons load their binaries relative to their package; QuickJS's wasm is read from
      // its package. TypeScript stays a package too (it reads its lib files from its own folder),
      // required at run time: the code-check thread's import of it resolves to
      // TYPESCRIPT_BY_REQUIRE. The Electron build keeps the same ones.
      external: [
        'better-sqlite3',
        '@napi-rs/keyring',
        '@jitl/quickjs-wasmfile-release-sync',
        'quickjs-emscripten-core',
        ...builtinModules,
        /^node:/,
      ],
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
  ssr: { noExternal: true, target: 'node' },
  resolve: { alias: [TYPESCRIPT_BY_REQUIRE] },
  plugins: [inputsManifest()],
});
