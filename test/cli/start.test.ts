// `npm start` where Electron cannot be fetched: one paragraph saying what failed and what to do,
// never @electron/get's stack trace. The download is pointed at a closed port on 127.0.0.1 (the
// electron package's documented ELECTRON_MIRROR), so nothing leaves the machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'vigil-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// With Electron installed, npm start would open the app instead of failing.
const installed = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(ELECTRON_|npm_config_electron_|NPM_CONFIG_ELECTRON_|electron_config_)/i.test(name)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
      cwd: ROOT,
      // A cache of its own, so an Electron zip cached by another run is not used.
      env: { ...base, electron_config_cache: join(scratch, 'cache'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(installed || process.platform !== 'linux')('npm start without an Electron binary', () => {
  it('says in one paragraph that the download failed, and offers ELECTRON_OVERRIDE_DIST_PATH and npm run serve', async () => {
    const mirror = `http://127.0.0.1:${await closedPort()}/`;
    const result = await start({ ELECTRON_MIRROR: mirror });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Vigil cannot open the desktop app: Electron 45\\.\\d+\\.\\d+ is not installed here, and downloading it from ${mirror} failed \\(fetch failed\\)\\.`));
    expect(lines[0]).toContain('set ELECTRON_OVERRIDE_DIST_PATH to the folder that holds its electron executable');
    expect(lines[0]).toContain('run npm run serve for the same console in a browser');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('says so when ELECTRON_OVERRIDE_DIST_PATH names a folder without Electron', async () => {
    const empty = mkdtempSync(join(scratch, 'dist-'));
    const result = await start({ ELECTRON_OVERRIDE_DIST_PATH: empty });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Vigil cannot open the desktop app: ELECTRON_OVERRIDE_DIST_PATH is set, but ${join(empty, 'electron')} does not exist. ` +
        'To use an Electron 45 you already have, set ELECTRON_OVERRIDE_DIST_PATH to the folder that holds its electron executable and ' +
        'run npm start again; or run npm run serve for the same console in a browser (it prints a login link).\n',
    );
  });
});
