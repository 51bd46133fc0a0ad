#!/usr/bin/env node
// `npm start`: the desktop app. The same steps as `install-electron && electron-vite preview`,
// except that when the Electron binary is missing and cannot be downloaded it prints one paragraph
// saying so and what to do instead, not @electron/get's stack trace, and exits 1.
//
// ELECTRON_OVERRIDE_DIST_PATH (the `electron` package's own variable) names a folder holding an
// unpacked Electron; then nothing is downloaded and electron-vite is pointed at that binary.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './build-renderer.js';

const electronPackage = join(root, 'node_modules', 'electron');
const { version } = JSON.parse(readFileSync(join(electronPackage, 'package.json'), 'utf8'));
const EXECUTABLE = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ?? 'electron';
const DEFAULT_MIRROR = 'https://github.com/electron/electron/releases/download/';

function explain(what) {
  console.error(
    `Vigil cannot open the desktop app: ${what} ` +
      `To use an Electron ${version.split('.')[0]} you already have, set ELECTRON_OVERRIDE_DIST_PATH to the folder that holds its ` +
      `${EXECUTABLE} executable and run npm start again; or run npm run serve for the same console in a browser (it prints a login link).`,
  );
  process.exit(1);
}

/** The first "SomethingError: message" line of a stack trace, without the error's name. */
function reasonIn(stderr) {
  const line = stderr.split('\n').find((text) => /^\w*Error\b/.test(text.trim()));
  return (line ?? stderr.split('\n').find((text) => text.trim()) ?? 'no reason given').trim().replace(/^\w*Error:\s*/, '');
}

const env = { ...process.env };
if (env.ELECTRON_OVERRIDE_DIST_PATH && !env.ELECTRON_EXEC_PATH) {
  const binary = join(env.ELECTRON_OVERRIDE_DIST_PATH, EXECUTABLE);
  if (!existsSync(binary)) explain(`ELECTRON_OVERRIDE_DIST_PATH is set, but ${binary} does not exist.`);
  // electron-vite reads ELECTRON_EXEC_PATH, not the electron package's override.
  env.ELECTRON_EXEC_PATH = binary;
} else if (!env.ELECTRON_EXEC_PATH) {
  // Downloads Electron into node_modules/electron/dist unless it is there already.
  const install = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (install.status !== 0) {
    // Where @electron/get looked, in its order: npm config (.npmrc), then the environment.
    const source = env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || env.ELECTRON_MIRROR || DEFAULT_MIRROR;
    explain(`Electron ${version} is not installed here, and downloading it from ${source} failed (${reasonIn(install.stderr ?? '')}).`);
  }
}

const child = spawn(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
