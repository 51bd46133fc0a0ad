// Once per run: the console must be built from the current sources (the server serves
// out/renderer), and Chromium must exist where the config says.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT } from './vigil.ts';

export default async function globalSetup(): Promise<void> {
  const chromium = process.env.VIGIL_E2E_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(`No Chromium at ${chromium}: install Debian's (apt-get install -y chromium) or set VIGIL_E2E_CHROMIUM.`);
  }
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-renderer.js'), '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`Building the console failed (exit ${build.status}).`);
  mkdirSync(ARTIFACTS, { recursive: true });
}
