#!/usr/bin/env node
// Builds the console (src/renderer) into out/renderer with the renderer section of
// electron.vite.config.ts, without building the Electron main and preload bundles: `vigil serve`
// and the web e2e suite need only the console, and must not depend on the Electron shell building.
//
//   node scripts/build-renderer.js            build now
//   node scripts/build-renderer.js --if-stale build only when out/renderer is missing or older than its sources
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const rendererOut = join(root, 'out', 'renderer');

// Everything the bundle is made from: the renderer, the shared code it imports (linter, ctx types,
// domain), the build config and the installed package versions.
const SOURCES = ['src/renderer', 'src/shared', 'electron.vite.config.ts', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when out/renderer is missing or any source changed after it was built. */
export function rendererIsStale() {
  const built = join(rendererOut, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestMtime(join(root, source)) > builtAt);
}

export async function buildRenderer({ quiet = false } = {}) {
  // electron-vite's renderer preset emits relative asset URLs only for production builds.
  process.env.NODE_ENV_ELECTRON_VITE = 'production';
  const { resolveConfig } = await import('electron-vite');
  const { build } = await import('vite');
  const resolved = await resolveConfig({ root, logLevel: quiet ? 'warn' : 'info' }, 'build', 'production');
  const renderer = resolved.config?.renderer;
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer section');
  await build(renderer);
}

/** Builds only when needed; returns whether it built. */
export async function ensureRenderer({ quiet = false, log = console.log } = {}) {
  if (!rendererIsStale()) return false;
  log('Building the Vigil console (src/renderer → out/renderer)…');
  const started = Date.now();
  await buildRenderer({ quiet });
  log(`Console built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (ifStale) await ensureRenderer();
    else await buildRenderer();
  } catch (error) {
    console.error(`build-renderer: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
