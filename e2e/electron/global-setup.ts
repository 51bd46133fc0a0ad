// Decides once whether the Electron suite runs (binary, display), and if it does, builds the app
// so the suite tests the code in the tree, not an old out/.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BINARY_ENV, ensureDisplay, findElectronBinary, ROOT, SKIP_ENV } from './environment.ts';

export default async function globalSetup(): Promise<() => void> {
  const found = findElectronBinary();
  if ('skip' in found) {
    process.env[SKIP_ENV] = found.skip;
    console.log(`Electron e2e skipped: ${found.skip}`);
    return () => undefined;
  }
  const display = await ensureDisplay();
  if (display.skip) {
    process.env[SKIP_ENV] = display.skip;
    console.log(`Electron e2e skipped: ${display.skip}`);
    return () => undefined;
  }
  if (display.display) process.env.DISPLAY = display.display;
  process.env[BINARY_ENV] = found.binary;

  if (process.env.VIGIL_E2E_SKIP_BUILD !== '1') {
    const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`electron-vite build failed (exit ${build.status}); the Electron suite needs a build.`);
  }
  return () => {
    display.xvfb?.kill();
  };
}
