// The shell put together (startDesktop) with a fake Electron and a fake engine: what is wired to
// what at start, and what the quit sequence does, in which order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { registerAppScheme, startDesktop } = await import('../../src/main/shell/desktop.ts');
const { BRIDGE_CHANNELS } = await import('../../src/shared/bridge.ts');

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

  async function start(options: { hidden?: boolean; probe?: () => Promise<void>; fail?: Error } = {}) {
    const { server, keys } = fakeServer(steps);
    const adapters: unknown[] = [];
    const desktop = await startDesktop({
      dataDir: join(scratch, `data-${Math.random()}`),
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
    return { desktop, adapters, keys };
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

  it('a start that fails shows why, closes the sandbox and exits 1', async () => {
    await expect(start({ fail: new Error('database is newer than this Vigil') })).rejects.toThrow('database is newer');
    expect(fake.dialog.errors).toEqual([['Vigil could not start', 'database is newer than this Vigil']]);
    expect(fake.app.exitCodes).toEqual([1]);
    expect(steps).toEqual(['sandbox closed']);
  });
});
