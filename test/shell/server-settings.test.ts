// Settings → Server's shell side against a real server on loopback: what is checked before a team
// server is chosen, where the key goes, and that bad input changes nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const { closeSharedSandbox, startTestServer } = await import('../helpers/server.ts');
const { DesktopSettingsStore } = await import('../../src/main/shell/desktop-settings.ts');
const { ServerSettingsController } = await import('../../src/main/shell/server-settings.ts');
const { TEAM_SERVER_KEY_CREDENTIAL } = await import('../../src/main/shell/team-server.ts');
const { createMemorySecretStore } = await import('../../src/main/engine/secrets/index.ts');

let t: Awaited<ReturnType<typeof startTestServer>>;
const scratch = mkdtempSync(join(tmpdir(), 'vigil-server-settings-'));

beforeAll(async () => {
  t = await startTestServer();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await closeSharedSandbox();
  rmSync(scratch, { recursive: true, force: true });
});

let file: string;
let credentials: ReturnType<typeof createMemorySecretStore>;
let controller: InstanceType<typeof ServerSettingsController>;

beforeEach(() => {
  file = join(scratch, `settings-${Math.random()}.json`);
  credentials = createMemorySecretStore();
  controller = new ServerSettingsController({
    settings: new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined }),
    credentials,
    inUse: { kind: 'local' },
    problem: () => null,
  });
});

describe('Settings → Server', () => {
  it('chooses a team server only after it knows the key as a human one; the key goes to the keychain, not the file', async () => {
    const chosen = await controller.useTeam({ url: `${t.url}/`, key: ` ${t.keys.human} ` });
    expect(chosen).toEqual({
      ok: true,
      settings: { inUse: { kind: 'local' }, chosen: { kind: 'team', url: t.url }, teamUrl: t.url, keyStored: true, problem: null, restartNeeded: true },
    });
    expect(await credentials.get(TEAM_SERVER_KEY_CREDENTIAL)).toBe(t.keys.human);
    const written = readFileSync(file, 'utf8');
    expect(JSON.parse(written).server).toEqual({ use: 'team', teamUrl: t.url });
    expect(written).not.toContain('vgl_');
    // The stored key is used when none is typed.
    await expect(controller.check({ url: t.url })).resolves.toMatchObject({ ok: true, key: { name: 'analyst', key_type: 'human' } });
  });

  it('bad input, a refused key or an agent key change nothing', async () => {
    const cases = [
      [{ url: 'http://vigil.example.com', key: t.keys.human }, /must be https/],
      [{ url: t.url, key: 'not-a-key' }, /does not look like a Vigil API key/],
      [{ url: t.url }, /none is stored yet/],
      [{ url: t.url, key: 'vgl_wrongwrongwrongwrongwrongwrong' }, /refused the key \(401\)/],
      [{ url: t.url, key: t.keys.agent }, /is an agent key/],
    ] as const;
    for (const [request, error] of cases) {
      const result = await controller.useTeam(request);
      expect(result, JSON.stringify(request)).toEqual({ ok: false, error: expect.stringMatching(error) });
    }
    expect(await credentials.get(TEAM_SERVER_KEY_CREDENTIAL)).toBeNull();
    expect((await controller.view()).chosen).toEqual({ kind: 'local' });
  });

  it('a new key for the team server in use waits for a restart too', async () => {
    const settings = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined });
    settings.setServer({ use: 'team', teamUrl: t.url });
    const inTeam = new ServerSettingsController({ settings, credentials, inUse: { kind: 'team', url: t.url }, problem: () => null });
    expect((await inTeam.view()).restartNeeded).toBe(false);
    await expect(inTeam.useTeam({ url: t.url, key: t.keys.human })).resolves.toMatchObject({ ok: true, settings: { restartNeeded: true } });
  });

  it('never sends the stored key to another address', async () => {
    await controller.useTeam({ url: t.url, key: t.keys.human });
    const elsewhere = 'https://vigil.elsewhere.example';
    await expect(controller.check({ url: elsewhere })).resolves.toEqual({
      ok: false,
      error: `Enter your API key for ${elsewhere}: the stored key is for ${t.url}.`,
    });
  });

  it("going back to this computer's engine keeps the address and key; the key can then be forgotten", async () => {
    await controller.useTeam({ url: t.url, key: t.keys.human });
    await expect(controller.forgetKey()).resolves.toEqual({ ok: false, error: expect.stringMatching(/choose this computer's engine first/) });
    const local = await controller.useLocal();
    expect(local).toMatchObject({ ok: true, settings: { chosen: { kind: 'local' }, teamUrl: t.url, keyStored: true } });
    const forgotten = await controller.forgetKey();
    expect(forgotten).toMatchObject({ ok: true, settings: { keyStored: false, teamUrl: t.url } });
    expect(await credentials.get(TEAM_SERVER_KEY_CREDENTIAL)).toBeNull();
  });
});
