import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { isTrustedSender, registerBridge, checkRevealablePath } = await import('../../src/main/shell/ipc.ts');
const { BRIDGE_CHANNELS, DEFAULT_DESKTOP_SETTINGS } = await import('../../src/shared/bridge.ts');
type ServerSettings = import('../../src/shared/bridge.ts').ServerSettings;

const scratch = mkdtempSync(join(tmpdir(), 'vigil-ipc-'));
const dataDir = join(scratch, 'data');
const downloads = join(scratch, 'downloads');
const elsewhere = join(scratch, 'elsewhere');
for (const dir of [dataDir, downloads, elsewhere]) mkdirSync(dir);
writeFileSync(join(dataDir, 'vigil.db'), '');
writeFileSync(join(downloads, 'runs.csv'), '');
writeFileSync(join(elsewhere, 'secret.txt'), '');
symlinkSync(join(elsewhere, 'secret.txt'), join(dataDir, 'link-out.txt'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('isTrustedSender', () => {
  const console = new fake.FakeWebContents('app://vigil/');
  const event = (sender: unknown, frame: unknown) => ({ sender, senderFrame: frame }) as never;

  it("accepts the console's top frame on app://vigil", () => {
    expect(isTrustedSender(event(console, console.mainFrame), console as never)).toBe(true);
  });

  it('refuses another web contents', () => {
    const other = new fake.FakeWebContents('app://vigil/');
    expect(isTrustedSender(event(other, other.mainFrame), console as never)).toBe(false);
  });

  it('refuses a sub-frame, even one on app://vigil', () => {
    const child = new fake.FakeFrame('app://vigil/embedded', { parent: console.mainFrame, routingId: 7 });
    expect(isTrustedSender(event(console, child), console as never)).toBe(false);
  });

  it('refuses a frame that is gone (senderFrame null)', () => {
    expect(isTrustedSender(event(console, null), console as never)).toBe(false);
  });

  it('refuses the top frame once it shows another origin', () => {
    const strayed = new fake.FakeWebContents('https://evil.example/');
    expect(isTrustedSender(event(strayed, strayed.mainFrame), strayed as never)).toBe(false);
  });

  it('refuses a frame with the top frame\'s URL but another routing id', () => {
    const impostor = new fake.FakeFrame('app://vigil/', { routingId: 99 });
    expect(isTrustedSender(event(console, impostor), console as never)).toBe(false);
  });

  it('refuses everything when there is no console window', () => {
    expect(isTrustedSender(event(console, console.mainFrame), null)).toBe(false);
    const closed = new fake.FakeWebContents('app://vigil/');
    closed.destroyed = true;
    expect(isTrustedSender(event(closed, closed.mainFrame), closed as never)).toBe(false);
  });
});

describe('bridge handlers', () => {
  let console: InstanceType<typeof fake.FakeWebContents>;
  let calls: Array<[string, ...unknown[]]>;
  let logged: string[];
  let settings: typeof DEFAULT_DESKTOP_SETTINGS;

  beforeEach(() => {
    fake.resetFakes();
    console = new fake.FakeWebContents('app://vigil/');
    calls = [];
    logged = [];
    settings = { ...DEFAULT_DESKTOP_SETTINGS };
    registerBridge({
      consoleContents: () => console as never,
      revealableFolders: () => [dataDir, downloads],
      log: (message) => logged.push(message),
      handlers: {
        connection: () => ({ baseUrl: 'app://vigil', token: 'vgl_session' }),
        openLink: async (url) => {
          calls.push(['openLink', url]);
        },
        showItemInFolder: (path) => calls.push(['showItemInFolder', path]),
        desktopSettings: () => settings,
        updateDesktopSettings: (changes) => (settings = { ...settings, ...changes }),
        navigationReady: () => ({ view: 'approval', uuid: 'a-1' }),
        serverSettings: async () => serverSettings,
        checkServer: async (request) => {
          calls.push(['checkServer', request]);
          return { ok: false, error: 'unreachable' };
        },
        useTeamServer: async (request) => {
          calls.push(['useTeamServer', request]);
          return { ok: true, settings: serverSettings };
        },
        useLocalEngine: async () => {
          calls.push(['useLocalEngine']);
          return { ok: true, settings: serverSettings };
        },
        forgetServerKey: async () => {
          calls.push(['forgetServerKey']);
          return { ok: true, settings: serverSettings };
        },
        restart: () => calls.push(['restart']),
      },
    });
  });

  const serverSettings: ServerSettings = {
    inUse: { kind: 'local' },
    chosen: { kind: 'team', url: 'https://vigil.example.com' },
    teamUrl: 'https://vigil.example.com',
    keyStored: true,
    problem: null,
    restartNeeded: true,
  };

  const invoke = (channel: string, ...args: unknown[]) => fake.ipcMain.invoke(channel, console, console.mainFrame, ...args);

  it('registers one handler per request channel', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      Object.values(BRIDGE_CHANNELS)
        .filter((channel) => channel !== BRIDGE_CHANNELS.navigate)
        .sort(),
    );
  });

  it('answers the connection to the console', async () => {
    await expect(invoke(BRIDGE_CHANNELS.connection)).resolves.toEqual({ baseUrl: 'app://vigil', token: 'vgl_session' });
  });

  it('refuses every channel to an untrusted frame, before looking at its arguments', async () => {
    const frame = new fake.FakeFrame('app://vigil/', { parent: console.mainFrame, routingId: 3 });
    for (const channel of fake.ipcMain.handlers.keys()) {
      await expect(fake.ipcMain.invoke(channel, console, frame, 'https://example.com/'), channel).rejects.toThrow(
        'This frame may not use the Vigil bridge.',
      );
    }
    expect(calls).toEqual([]);
    expect(logged.length).toBe(fake.ipcMain.handlers.size);
  });

  it('opens only checked https links', async () => {
    await invoke(BRIDGE_CHANNELS.openExternal, 'https://attack.mitre.org/');
    for (const bad of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 42, undefined, 'https://u:p@example.com/']) {
      await expect(invoke(BRIDGE_CHANNELS.openExternal, bad), String(bad)).rejects.toThrow(/Only https: links/);
    }
    expect(calls).toEqual([['openLink', 'https://attack.mitre.org/']]);
  });

  it('reveals files of the data folder and downloads only', async () => {
    await invoke(BRIDGE_CHANNELS.showItemInFolder, join(dataDir, 'vigil.db'));
    await invoke(BRIDGE_CHANNELS.showItemInFolder, join(downloads, 'runs.csv'));
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, join(elsewhere, 'secret.txt'))).rejects.toThrow(/data folder or the downloads/);
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, join(dataDir, 'link-out.txt'))).rejects.toThrow(/data folder or the downloads/);
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, join(dataDir, '..', 'elsewhere', 'secret.txt'))).rejects.toThrow();
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, 'vigil.db')).rejects.toThrow(/absolute path/);
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, join(dataDir, 'missing'))).rejects.toThrow(/no such file/);
    await expect(invoke(BRIDGE_CHANNELS.showItemInFolder, { path: dataDir })).rejects.toThrow(/absolute path/);
    expect(calls.map(([, path]) => path)).toEqual([join(dataDir, 'vigil.db'), join(downloads, 'runs.csv')]);
  });

  it('validates desktop settings changes', async () => {
    await expect(invoke(BRIDGE_CHANNELS.updateDesktopSettings, { startAtLogin: true })).resolves.toEqual({ startAtLogin: true });
    for (const bad of [{ startAtLogin: 'yes' }, { startAtLogin: true, unknown: true }, { notifyRunFailed: false }, null, [true], 'startAtLogin']) {
      await expect(invoke(BRIDGE_CHANNELS.updateDesktopSettings, bad), JSON.stringify(bad)).rejects.toThrow(/known boolean settings/);
    }
    await expect(invoke(BRIDGE_CHANNELS.desktopSettings)).resolves.toEqual({ startAtLogin: true });
  });

  it('passes server requests on only as a url and an optional key, both strings', async () => {
    await expect(invoke(BRIDGE_CHANNELS.serverSettings)).resolves.toEqual(serverSettings);
    await invoke(BRIDGE_CHANNELS.checkServer, { url: 'https://vigil.example.com' });
    await invoke(BRIDGE_CHANNELS.useTeamServer, { url: 'https://vigil.example.com', key: 'vgl_abc' });
    await invoke(BRIDGE_CHANNELS.useLocalEngine, 'ignored');
    await invoke(BRIDGE_CHANNELS.forgetServerKey);
    await invoke(BRIDGE_CHANNELS.restart);
    for (const bad of [null, 'https://vigil.example.com', { url: 42 }, { url: 'https://x', key: 7 }, { url: 'https://x', token: 'vgl_x' }, { url: 'x'.repeat(3000) }]) {
      for (const channel of [BRIDGE_CHANNELS.checkServer, BRIDGE_CHANNELS.useTeamServer]) {
        await expect(invoke(channel, bad), JSON.stringify(bad)).rejects.toThrow(/url string/);
      }
    }
    expect(calls).toEqual([
      ['checkServer', { url: 'https://vigil.example.com' }],
      ['useTeamServer', { url: 'https://vigil.example.com', key: 'vgl_abc' }],
      ['useLocalEngine'],
      ['forgetServerKey'],
      ['restart'],
    ]);
  });

  it('hands the waiting navigation target to the console when it subscribes', async () => {
    await expect(invoke(BRIDGE_CHANNELS.navigationReady)).resolves.toEqual({ view: 'approval', uuid: 'a-1' });
  });
});

describe('checkRevealablePath', () => {
  it('answers the resolved path', async () => {
    await expect(checkRevealablePath(join(dataDir, 'vigil.db'), [dataDir])).resolves.toMatch(/vigil\.db$/);
  });

  it('refuses NUL bytes and over-long paths', async () => {
    await expect(checkRevealablePath(`${dataDir}/a\0b`, [dataDir])).rejects.toThrow(/absolute path/);
    await expect(checkRevealablePath(`/${'a'.repeat(5000)}`, [dataDir])).rejects.toThrow(/absolute path/);
  });
});
