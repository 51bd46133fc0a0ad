// The `vigil` command's bundle (out/cli, built by vite.cli.config.ts): whether it is current, and
// building it. bin/vigil.js runs it only while it is current, so a bundle left behind by older
// sources never runs; `npm run build` and `npm run serve` build it.
//
//   node scripts/cli-bundle.js            build now
//   node scripts/cli-bundle.js --if-stale build only when out/cli is missing or not current
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const cliOut = join(root, 'out', 'cli');
export const cliEntry = join(cliOut, 'vigil.js');

/**
 * True when every file the build recorded (out/cli/inputs.json: the sources, the build config, the
 * installed packages' lockfile) still has the size and mtime it had: an edit, a checkout or an
 * `npm ci` changes them. Some 200 stat calls, a few milliseconds.
 */
export function cliBundleIsCurrent(manifest = join(cliOut, 'inputs.json')) {
  let files;
  try {
    ({ files } = JSON.parse(readFileSync(manifest, 'utf8')));
  } catch {
    return false;
  }
  for (const [path, mtimeMs, size] of files) {
    const info = statSync(resolve(root, path), { throwIfNoEntry: false });
    if (info?.mtimeMs !== mtimeMs || info.size !== size) return false;
  }
  return true;
}

export async function buildCli({ quiet = false } = {}) {
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.cli.config.ts'), logLevel: quiet ? 'warn' : 'info' });
}

/** Builds only when needed; returns whether it built. */
export async function ensureCli({ quiet = false, log = console.log } = {}) {
  if (cliBundleIsCurrent()) return false;
  log('Building the vigil command (src/main → out/cli)…');
  const started = Date.now();
  await buildCli({ quiet });
  log(`Command built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes('--if-stale')) await ensureCli();
    else await buildCli();
  } catch (error) {
    console.error(`cli-bundle: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
