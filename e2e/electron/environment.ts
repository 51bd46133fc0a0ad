// Whether the Electron suite can run here, decided without ever asking the `electron` package for
// its binary: its index.js downloads Electron on first use (from a host some machines cannot
// reach), so only the files it would read are looked at.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ELECTRON_PACKAGE = join(ROOT, 'node_modules', 'electron');

/** Set by the global setup when the suite cannot run; every test skips with it. */
export const SKIP_ENV = 'VIGIL_ELECTRON_E2E_SKIP';
/** Set by the global setup: the Electron executable to launch. */
export const BINARY_ENV = 'VIGIL_ELECTRON_E2E_BINARY';

export type Availability = { binary: string } | { skip: string };

/**
 * The Electron executable, resolved the way node_modules/electron/index.js does (path.txt names it
 * inside dist/, or inside $ELECTRON_OVERRIDE_DIST_PATH) but without its download fallback.
 */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): Availability {
  const pathFile = join(ELECTRON_PACKAGE, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(binary)
      ? { binary }
      : { skip: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${binary} does not exist.` };
  }
  if (relative) {
    const binary = join(ELECTRON_PACKAGE, 'dist', relative);
    if (existsSync(binary)) return { binary };
  }
  return {
    skip:
      'No Electron binary: node_modules/electron/dist is empty (Electron 45 downloads it on first launch, and this machine cannot reach ' +
      "Electron's download host). Run `npx install-electron` where it can, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45.4.1.",
  };
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Linux needs an X server (or Wayland) for windows and the tray. With none, Xvfb is started on a
 * free display; with no Xvfb either, the suite skips and says what to install.
 */
export async function ensureDisplay(env: NodeJS.ProcessEnv = process.env): Promise<{ display?: string; xvfb?: ChildProcess; skip?: string }> {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return {};
  if (!onPath('Xvfb')) return { skip: 'No display (DISPLAY is unset) and no Xvfb to start one: apt-get install xvfb, or run under xvfb-run.' };
  for (let number = 90; number < 110; number++) {
    if (existsSync(`/tmp/.X11-unix/X${number}`) || existsSync(`/tmp/.X${number}-lock`)) continue;
    const xvfb = spawn('Xvfb', [`:${number}`, '-screen', '0', '1440x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    const up = await new Promise<boolean>((resolve) => {
      const deadline = Date.now() + 5000;
      const poll = () => {
        if (existsSync(`/tmp/.X11-unix/X${number}`)) return resolve(true);
        if (xvfb.exitCode !== null || Date.now() > deadline) return resolve(false);
        setTimeout(poll, 50);
      };
      poll();
    });
    if (up) return { display: `:${number}`, xvfb };
    xvfb.kill();
  }
  return { skip: 'Xvfb could not be started on any display from :90 to :109.' };
}
