// TypeScript for the bundled engine's code-check thread (out/cli and the app's main process), where
// the linter and the type checker import it as `typescript`: the bundles map that name here
// (vite.cli.config.ts, electron.vite.config.ts). TypeScript is one 9 MB CommonJS file. Imported as
// an ES module, Node first scans all of it for export names (cjs-module-lexer, ~220 ms); require()
// does not scan, and reads it from Node's compile cache.
import { createRequire } from 'node:module';

const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
export default ts;
