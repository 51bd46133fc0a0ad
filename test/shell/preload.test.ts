import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { BRIDGE_CHANNELS } = await import('../../src/shared/bridge.ts');
type Bridge = import('../../src/shared/bridge.ts').VigilBridge;

let bridge: Bridge;

beforeAll(async () => {
  fake.ipcRenderer.replies.set(BRIDGE_CHANNELS.connection, { baseUrl: 'app://vigil', token: 'vgl_x' });
  fake.ipcRenderer.replies.set(BRIDGE_CHANNELS.navigationReady, { view: 'approval', uuid: 'a-1' });
  await import('../../src/preload/index.ts');
  bridge = fake.contextBridge.exposed.get('vigil') as Bridge;
});

describe('preload bridge', () => {
  it('exposes exactly window.vigil, with the VigilBridge methods and nothing else', () => {
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['vigil']);
    expect(Object.keys(bridge).sort()).toEqual(
      [
        'connection',
        'desktopSettings',
        'onNavigate',
        'openExternal',
        'showItemInFolder',
        'updateDesktopSettings',
        'serverSettings',
        'checkServer',
        'useTeamServer',
        'useLocalEngine',
        'forgetServerKey',
        'restart',
      ].sort(),
    );
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
    // ipcRenderer itself never reaches the page.
    expect(Object.values(bridge)).not.toContain(fake.ipcRenderer);
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipc|send|invoke/i);
  });

  it('each method invokes its own fixed channel', async () => {
    fake.ipcRenderer.invocations = [];
    await expect(bridge.connection()).resolves.toEqual({ baseUrl: 'app://vigil', token: 'vgl_x' });
    await bridge.openExternal('https://example.com/');
    await bridge.showItemInFolder('/data/vigil.db');
    await bridge.desktopSettings();
    await bridge.updateDesktopSettings({ startAtLogin: true });
    expect(fake.ipcRenderer.invocations).toEqual([
      { channel: BRIDGE_CHANNELS.connection, args: [] },
      { channel: BRIDGE_CHANNELS.openExternal, args: ['https://example.com/'] },
      { channel: BRIDGE_CHANNELS.showItemInFolder, args: ['/data/vigil.db'] },
      { channel: BRIDGE_CHANNELS.desktopSettings, args: [] },
      { channel: BRIDGE_CHANNELS.updateDesktopSettings, args: [{ startAtLogin: true }] },
    ]);
  });

  it('passes only plain data: getters and prototypes of page objects do not cross', async () => {
    fake.ipcRenderer.invocations = [];
    const tricky = Object.create({ inherited: true }, { startAtLogin: { get: () => true, enumerable: true } });
    await bridge.updateDesktopSettings(tricky);
    await bridge.openExternal({ toString: () => 'https://example.com/' } as never);
    const [settings, url] = fake.ipcRenderer.invocations.map((call) => call.args[0]);
    expect(settings).toEqual({ startAtLogin: true });
    expect(Object.getPrototypeOf(settings)).toBe(Object.prototype);
    expect(url).toBe('https://example.com/');
  });

  it('server calls send only the url and key, as strings, on their own channels', async () => {
    fake.ipcRenderer.invocations = [];
    const tricky = Object.create({ inherited: true }, { url: { get: () => 'https://vigil.example.com', enumerable: true } });
    await bridge.serverSettings();
    await bridge.checkServer(Object.assign(tricky, { extra: 'dropped' }));
    await bridge.useTeamServer({ url: 'https://vigil.example.com', key: { toString: () => 'vgl_key' } as never });
    await bridge.useLocalEngine();
    await bridge.forgetServerKey();
    await bridge.restart();
    expect(fake.ipcRenderer.invocations).toEqual([
      { channel: BRIDGE_CHANNELS.serverSettings, args: [] },
      { channel: BRIDGE_CHANNELS.checkServer, args: [{ url: 'https://vigil.example.com' }] },
      { channel: BRIDGE_CHANNELS.useTeamServer, args: [{ url: 'https://vigil.example.com', key: 'vgl_key' }] },
      { channel: BRIDGE_CHANNELS.useLocalEngine, args: [] },
      { channel: BRIDGE_CHANNELS.forgetServerKey, args: [] },
      { channel: BRIDGE_CHANNELS.restart, args: [] },
    ]);
  });

  it('onNavigate delivers the target waiting in the main process, then pushed ones, until unsubscribed', async () => {
    const targets: unknown[] = [];
    const unsubscribe = bridge.onNavigate((target) => targets.push(target));
    await vi.waitFor(() => expect(targets).toEqual([{ view: 'approval', uuid: 'a-1' }]));
    fake.ipcRenderer.emit(BRIDGE_CHANNELS.navigate, {}, { view: 'run', uuid: 'r-1' });
    unsubscribe();
    fake.ipcRenderer.emit(BRIDGE_CHANNELS.navigate, {}, { view: 'approvals' });
    expect(targets).toEqual([
      { view: 'approval', uuid: 'a-1' },
      { view: 'run', uuid: 'r-1' },
    ]);
  });
});
