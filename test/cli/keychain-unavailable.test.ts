// `vigil serve` on a Linux box without a D-Bus session (no keyring): it starts, says once that the
// keychain is unavailable, why and how to fix it, and the API reports the same to the console.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, vigil, type ServeProcess } from '../helpers/cli.ts';
import { eventually } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-nokeychain-'));
let server: ServeProcess;
let key: string;

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  key = JSON.parse((await vigil(['keys', 'create', '--name', 'admin', '--type', 'human', '--scopes', 'admin', '--json', '--data-dir', dataDir])).stdout).key;
  // No session bus at all: what a headless box or a plain SSH login has.
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  server = await serve(dataDir, [], env);
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')('vigil serve without a keychain (no D-Bus session)', () => {
  it('says so at start: what, why and how to fix it', async () => {
    const note = await eventually(async () => /Warning: the OS keychain is unavailable[\s\S]*To fix it: .*\n/.exec(server.output())?.[0], 'the keychain note');
    expect(note).toMatch(/no D-Bus session bus is reachable \(DBUS_SESSION_BUS_ADDRESS is not set\)/);
    expect(note).toMatch(/scripts\/with-keyring\.sh npm run serve/);
    expect(note).toMatch(/Secrets on a headless Linux machine/);
    // One clear paragraph, not the library's raw error.
    expect(server.output()).not.toMatch(/Platform failure/);
  });

  it('reports the status in GET /v1/settings and GET /v1/secrets, and refuses a secret with 503 saying why', async () => {
    const expected = { state: 'unavailable', reason: 'no-dbus-session', why: expect.stringMatching(/D-Bus/), fix: expect.stringMatching(/with-keyring/) };
    expect((await api('GET', '/v1/settings')).body.data.keychain).toEqual(expected);
    expect((await api('GET', '/v1/secrets')).body.meta.keychain).toEqual(expected);
    const put = await api('PUT', '/v1/secrets/INTEL_TOKEN', { value: 'x' });
    expect(put.status).toBe(503);
    expect(put.body.error.code).toBe('KEYCHAIN_UNAVAILABLE');
  });

  it('still shows the notifier settings, with unknown credentials', async () => {
    const res = await api('GET', '/v1/settings/notifiers');
    expect(res.status).toBe(200);
    expect(res.body.data.slack.credentials).toEqual({ bot_token: null, app_token: null, signing_secret: null, webhook_url: null });
  });

  it('warns on workflows that declare secrets: their runs cannot read them', async () => {
    const created = await api('POST', '/v1/workflows', {
      name: 'Intel lookup',
      code: 'export async function run(ctx) { return ctx.ok(String(ctx.secrets.get("INTEL_TOKEN") !== null)); }',
      secrets: ['INTEL_TOKEN'],
    });
    expect(created.body.data.warnings).toEqual([{ code: 'KEYCHAIN_UNAVAILABLE', message: 'the OS keychain is unavailable: its runs cannot read their secrets and will fail' }]);
  });
});
