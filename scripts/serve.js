#!/usr/bin/env node
// `npm run serve -- [vigil serve options]`: builds the console when out/renderer is missing or
// older than its sources and the vigil command's bundle when out/cli is not current, then runs
// `vigil serve` with the given options. Ctrl-C and SIGTERM are passed on, so running workflows
// drain as they would with `vigil serve` itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureRenderer, root } from './build-renderer.js';
import { ensureCli } from './cli-bundle.js';

try {
  await ensureRenderer({ quiet: true });
} catch (error) {
  console.error(`Could not build the console: ${error instanceof Error ? error.message : String(error)}`);
  console.error('The API still works; the console will say it is not built.');
}
try {
  await ensureCli({ quiet: true });
} catch (error) {
  console.error(`Could not bundle the vigil command: ${error instanceof Error ? error.message : String(error)}`);
  console.error('It runs from the sources instead, and takes longer to start.');
}

const child = spawn(process.execPath, [join(root, 'bin', 'vigil.js'), 'serve', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
