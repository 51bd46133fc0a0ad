// The shell put together (startDesktop) with a fake Electron and a fake engine, or a stand-in team
// server on loopback: what is wired to what at start, and what the quit sequence does, in which order.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { registerAppScheme, startDesktop } = await import('../../src/main/shell/desktop.ts');
const { BRIDGE_CHANNELS } = await import('../../src/shared/bridge.ts');
const { TEAM_SERVER_KEY_CREDENTIAL } = await import('../../src/main/shell/team-server.ts');

const scratch = mkdtempSync(join(tmpdir(), 'vigil-desktop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeServer(steps: string[]) {
  const keys = new Map<string, { uuid: string; name: string; key_type: string; revoked_at: string | null }>();
  let next = 1;
  const engine = {
    store: {
      approvals: { list: () => ({ items: [], total: 0 }) },
      keys: { list: () => [...keys.values()], get: (uuid: string) => keys.get(uuid) },
    },
    approvals: { decide: vi.fn() },
    settings: { get: () => ({ execution_paused: false }), update: vi.fn(), onChange: () => () => undefined },
    bus: { subscribe: () => () => undefined },
    keys: {
      create: (input: { name: string; key_type: string; expires_at: string }) => {
        const uuid = `key-${next}`;
        keys.set(uuid, { uuid, name: input.name, key_type: input.key_type, revoked_at: null });
        return { key: { uuid, expires_at: input.expires_at }, secret: `vgl_session_${next++}` };
      },
      revoke: (uuid: string) => {
        steps.push(`revoke ${uuid}`);
        keys.get(uuid)!.revoked_at = 'now';
      },
    },
  };
  return {
    engine,
    keys,
    server: {
      engine,
      url: 'http://127.0.0.1:45678',
      port: 45678,
      close: async () => {
        steps.push('server closed');
      },
    },
  };
}

describe('startDesktop', () => {
  let steps: string[];
  let signals: Record<string, Array<(...args: any[]) => void>>;

  beforeEach(() => {
    fake.resetFakes();
    steps = [];
    signals = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  });
  afterEach(() => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!signals[signal]!.includes(listener)) process.off(signal, listener);
    }
  });

  async function start(
    options: { hidden?: boolean; probe?: () => Promise<void>; fail?: Error; dataDir?: string; credentials?: Map<string, string> } = {},
  ) {
    const { server, keys } = fakeServer(steps);
    const adapters: unknown[] = [];
    const credentials = options.credentials ?? new Map<string, string>();
    const desktop = await startDesktop({
      dataDir: options.dataDir ?? join(scratch, `data-${Math.random()}`),
      credentials: {
        get: async (name: string) => credentials.get(name) ?? null,
        set: async (name: string, value: string) => void credentials.set(name, value),
        delete: async (name: string) => credentials.delete(name),
      } as never,
      rendererDir: join(scratch, 'renderer'),
      preloadPath: '/app/out/preload/index.cjs',
      resourcesDir: '/app/resources',
      devTools: false,
      hidden: options.hidden ?? false,
      secrets: { probe: options.probe ?? (async () => undefined) } as never,
      log: { info: () => undefined, error: (message) => steps.push(`error: ${message}`) },
      startServer: async (shellAdapters) => {
        adapters.push(shellAdapters);
        if (options.fail) throw options.fail;
        return server as never;
      },
      closeExecutor: async () => {
        steps.push('sandbox closed');
      },
    });
    return { desktop, adapters, keys, credentials };
  }

  it('registers app:// as a privileged, secure, fetch- and stream-capable scheme', () => {
    registerAppScheme();
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
    ]);
  });

  it('wires protocol, permissions, engine adapters, window, tray and bridge', async () => {
    const { desktop, adapters } = await start();
    expect(fake.protocol.handlers.has('app')).toBe(true);
    expect(fake.session.defaultSession.permissionRequestHandler).not.toBeNull();
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
    expect(fake.app.listenerCount('window-all-closed')).toBe(1);
    // The engine was started with the shell's notifier.
    expect(adapters).toEqual([{ desktopNotifier: desktop.notifications }]);
    expect(desktop.inUse).toEqual({ kind: 'local' });
    expect(fake.Tray.instances).toHaveLength(1);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    expect([...fake.ipcMain.handlers.keys()]).toContain(BRIDGE_CHANNELS.connection);
  });

  it('hands the console a session key through the bridge, and app:// as its API origin', async () => {
    await start();
    const console = fake.BrowserWindow.instances[0]!.webContents;
    const connection = await fake.ipcMain.invoke(BRIDGE_CHANNELS.connection, console, console.mainFrame);
    expect(connection).toEqual({ baseUrl: 'app://vigil', token: 'vgl_session_1' });
  });

  it('hardens every web contents the app creates', async () => {
    await start();
    const contents = new fake.FakeWebContents();
    fake.app.emit('web-contents-created', fake.fakeEvent(), contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('a login launch stays in the tray: no window until asked', async () => {
    const { desktop } = await start({ hidden: true });
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    desktop.openConsole({ view: 'approvals' });
    expect(fake.BrowserWindow.instances).toHaveLength(1);
  });

  it('reports an unusable keychain in the tray and a notification', async () => {
    await start({ probe: async () => Promise.reject(new Error('The keyring is locked.')) });
    await vi.waitFor(() => expect(fake.Notification.instances.at(-1)?.options.title).toBe('Vigil cannot use the OS keychain'));
    expect(steps).toContain('error: OS keychain: The keyring is locked.');
  });

  it('quits in order: tray gone, session key revoked, server drained and closed, then the sandbox', async () => {
    await start();
    const console = fake.BrowserWindow.instances[0]!.webContents;
    await fake.ipcMain.invoke(BRIDGE_CHANNELS.connection, console, console.mainFrame);
    fake.app.emit('before-quit', fake.fakeEvent());
    const held = fake.fakeEvent();
    fake.app.emit('will-quit', held);
    expect(held.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(1));
    expect(steps).toEqual(['revoke key-1', 'server closed', 'sandbox closed']);
    expect(fake.Tray.instances[0]!.destroyed).toBe(true);
    expect(fake.BrowserWindow.instances[0]!.destroyed).toBe(true);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  describe('with a team server chosen', () => {
    let team: Server;
    let teamUrl: string;
    const seen: Array<{ method: string; url: string; host: string | undefined; origin: string | undefined; authorization: string | undefined }> = [];

    beforeAll(async () => {
      // Answers like a Vigil server would, and records what reached it.
      team = createServer((request, response) => {
        const { method = 'GET', url = '/', headers } = request;
        seen.push({ method, url, host: headers.host, origin: headers.origin, authorization: headers.authorization });
        if (url === '/v1/events') {
          response.writeHead(200, { 'content-type': 'text/event-stream' }).write('retry: 2000\n: connected\n\n');
          return;
        }
        const body = url.startsWith('/v1/workflow-approvals')
          ? { data: [], meta: { total: 0 } }
          : url === '/v1/api-keys/current'
            ? { data: { name: 'Alice', key_type: 'human', prefix: 'vgl_alice', scopes: ['approvals:write'] }, meta: {} }
            : { data: { execution_paused: false }, meta: {} };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => team.listen(0, '127.0.0.1', resolve));
      teamUrl = `http://127.0.0.1:${(team.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      team.closeAllConnections();
      await new Promise((resolve) => team.close(resolve));
    });

    function teamDataDir(): string {
      const dataDir = join(scratch, `team-${Math.random()}`);
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'desktop-settings.json'), JSON.stringify({ startAtLogin: false, server: { use: 'team', teamUrl } }));
      return dataDir;
    }

    it('starts no local engine or sandbox; the proxy and the connection are the team server\'s, with the analyst\'s key', async () => {
      const credentials = new Map([[TEAM_SERVER_KEY_CREDENTIAL, 'vgl_alicealicealicealicealice']]);
      const { desktop, adapters } = await start({ dataDir: teamDataDir(), credentials });
      expect(adapters).toEqual([]);
      expect(desktop.server).toBeNull();
      expect(desktop.inUse).toEqual({ kind: 'team', url: teamUrl });

      const console = fake.BrowserWindow.instances[0]!.webContents;
      await expect(fake.ipcMain.invoke(BRIDGE_CHANNELS.connection, console, console.mainFrame)).resolves.toEqual({
        baseUrl: 'app://vigil',
        token: 'vgl_alicealicealicealicealice',
      });
      const handler = fake.protocol.handlers.get('app')! as (request: Request) => Promise<Response>;
      const request = Object.assign(
        new Request('app://vigil/v1/workflows?page=2', { headers: { authorization: 'Bearer vgl_alicealicealicealicealice', origin: 'app://vigil' } }),
        { initiatorOrigin: 'app://vigil' },
      );
      expect((await handler(request)).status).toBe(200);
      // The team server sees its own host and no foreign Origin, which its checks accept.
      expect(seen.find((entry) => entry.url === '/v1/workflows?page=2')).toEqual({
        method: 'GET',
        url: '/v1/workflows?page=2',
        host: teamUrl.slice('http://'.length),
        origin: undefined,
        authorization: 'Bearer vgl_alicealicealicealicealice',
      });
      // The tray follows the team: its approvals, its event stream, and a pause this key may not change.
      await vi.waitFor(() => expect(seen.some((entry) => entry.url === '/v1/events')).toBe(true));
      const menu = await vi.waitFor(() => {
        const built = fake.Tray.instances[0]!.contextMenus.at(-1);
        expect(built?.getMenuItemById('pause').enabled).toBe(false);
        return built!;
      });
      expect(menu.getMenuItemById('pause').label).toBe('Pause agent executions (your key "Alice" lacks the admin scope)');

      const settings = await fake.ipcMain.invoke(BRIDGE_CHANNELS.serverSettings, console, console.mainFrame);
      expect(settings).toEqual({ inUse: { kind: 'team', url: teamUrl }, chosen: { kind: 'team', url: teamUrl }, teamUrl, keyStored: true, problem: null, restartNeeded: false });

      fake.app.emit('before-quit', fake.fakeEvent());
      fake.app.emit('will-quit', fake.fakeEvent());
      await vi.waitFor(() => expect(fake.app.quitCalls).toBe(1));
      expect(steps).toEqual([]);
    });

    it('without a stored key the app still opens, and says why instead of handing over a connection', async () => {
      const { desktop } = await start({ dataDir: teamDataDir() });
      expect(desktop.server).toBeNull();
      const console = fake.BrowserWindow.instances[0]!.webContents;
      await expect(fake.ipcMain.invoke(BRIDGE_CHANNELS.connection, console, console.mainFrame)).rejects.toThrow(
        /No key for the team server is stored: enter yours in Settings → Server\. Settings → Server can switch back/,
      );
      const settings = (await fake.ipcMain.invoke(BRIDGE_CHANNELS.serverSettings, console, console.mainFrame)) as { problem: string | null };
      expect(settings.problem).toMatch(/No key for the team server is stored/);
      await vi.waitFor(() => expect(fake.Tray.instances[0]!.contextMenus.at(-1)?.getMenuItemById('connection')?.label).toMatch(/No key/));
    });

    it('an unreachable team server still opens the app; the console is told why and how to go back', async () => {
      const dataDir = join(scratch, `gone-${Math.random()}`);
      mkdirSync(dataDir);
      // A port that was free a moment ago: nothing answers there.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const gone = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
      await new Promise((resolve) => probe.close(resolve));
      writeFileSync(join(dataDir, 'desktop-settings.json'), JSON.stringify({ server: { use: 'team', teamUrl: gone } }));
      await start({ dataDir, credentials: new Map([[TEAM_SERVER_KEY_CREDENTIAL, 'vgl_alicealicealicealicealice']]) });
      const handler = fake.protocol.handlers.get('app')! as (request: Request) => Promise<Response>;
      const answer = await handler(new Request('app://vigil/v1/workflows'));
      expect(answer.status).toBe(502);
      expect(((await answer.json()) as any).error.message).toBe(
        `Could not reach ${gone}: nothing accepts connections there (connection refused) (ECONNREFUSED). Settings → Server can switch back to this computer's engine.`,
      );
      const console = fake.BrowserWindow.instances[0]!.webContents;
      await vi.waitFor(async () =>
        expect(((await fake.ipcMain.invoke(BRIDGE_CHANNELS.serverSettings, console, console.mainFrame)) as { problem: string | null }).problem).toMatch(
          /connection refused/,
        ),
      );
    });
  });

  it('switching servers is saved for the next launch, and "Restart now" relaunches through a normal quit', async () => {
    const dataDir = join(scratch, `switch-${Math.random()}`);
    const { credentials } = await start({ dataDir });
    const console = fake.BrowserWindow.instances[0]!.webContents;
    const invoke = (channel: string, ...args: unknown[]) => fake.ipcMain.invoke(channel, console, console.mainFrame, ...args);
    const refused = await invoke(BRIDGE_CHANNELS.useTeamServer, { url: 'http://vigil.example.com', key: 'vgl_alicealicealicealicealice' });
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/must be https/) });
    expect(credentials.size).toBe(0);
    await invoke(BRIDGE_CHANNELS.restart);
    expect(fake.app.relaunches).toBe(1);
    expect(fake.app.quitCalls).toBe(1);
  });

  it('a start that fails shows why, closes the sandbox and exits 1', async () => {
    await expect(start({ fail: new Error('database is newer than this Vigil') })).rejects.toThrow('database is newer');
    expect(fake.dialog.errors).toEqual([['Vigil could not start', 'database is newer than this Vigil']]);
    expect(fake.app.exitCodes).toEqual([1]);
    expect(steps).toEqual(['sandbox closed']);
  });
});
