import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { ConsoleWindow } = await import('../../src/main/shell/window.ts');
const { BRIDGE_CHANNELS } = await import('../../src/shared/bridge.ts');

function consoleWindow() {
  const hints: number[] = [];
  const logged: string[] = [];
  const window = new ConsoleWindow({
    preloadPath: '/app/out/preload/index.cjs',
    icon: new fake.FakeNativeImage('/app/resources/icon.png') as never,
    devTools: false,
    log: (message) => logged.push(message),
    onHiddenToTray: () => hints.push(1),
  });
  return { window, hints, logged };
}

/** The first BrowserWindow, once it painted. */
function ready() {
  const browser = fake.BrowserWindow.instances[0]!;
  browser.emit('ready-to-show');
  return browser;
}

describe('console window', () => {
  beforeEach(() => fake.resetFakes());

  it('is created on first show, locked down, and loads app://vigil/', () => {
    const { window } = consoleWindow();
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    window.show();
    const browser = fake.BrowserWindow.instances[0]!;
    expect(browser.options.show).toBe(false);
    expect(browser.options.webPreferences).toEqual({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
    });
    expect(browser.loadedUrls).toEqual(['app://vigil/']);
    expect(browser.visible).toBe(false);
    ready();
    expect(browser.visible).toBe(true);
    expect(browser.focused).toBe(true);
  });

  it('closing hides it to the tray, telling the user once; Vigil keeps running', () => {
    const { window, hints } = consoleWindow();
    window.show();
    const browser = ready();
    const first = browser.userClose();
    expect(first.defaultPrevented).toBe(true);
    expect(browser.visible).toBe(false);
    expect(browser.destroyed).toBe(false);
    window.show();
    expect(browser.visible).toBe(true);
    browser.userClose();
    expect(hints).toEqual([1]);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
  });

  it('closes for real once a quit allows it', () => {
    const { window } = consoleWindow();
    window.show();
    const browser = ready();
    window.allowClose();
    const event = browser.userClose();
    expect(event.defaultPrevented).toBe(false);
    expect(browser.destroyed).toBe(true);
    expect(window.contents).toBeNull();
  });

  it('show() restores a minimized window', () => {
    const { window } = consoleWindow();
    window.show();
    const browser = ready();
    browser.minimized = true;
    browser.hide();
    window.show();
    expect(browser.minimized).toBe(false);
    expect(browser.visible).toBe(true);
  });

  it('keeps a navigation target until the console subscribes, then sends the next ones directly', () => {
    const { window } = consoleWindow();
    window.show({ view: 'approval', uuid: 'a-1' });
    const browser = ready();
    expect(browser.webContents.sent).toEqual([]);
    expect(window.navigationReady()).toEqual({ view: 'approval', uuid: 'a-1' });
    expect(window.navigationReady()).toBeNull();
    window.show({ view: 'run', uuid: 'r-1' });
    expect(browser.webContents.sent).toEqual([{ channel: BRIDGE_CHANNELS.navigate, args: [{ view: 'run', uuid: 'r-1' }] }]);
  });

  it('after a reload the console must subscribe again before it is sent anything', () => {
    const { window } = consoleWindow();
    window.show();
    const browser = ready();
    window.navigationReady();
    browser.webContents.emit('did-start-navigation', fake.fakeEvent({ isMainFrame: true, isSameDocument: false, url: 'app://vigil/' }));
    window.show({ view: 'approvals' });
    expect(browser.webContents.sent).toEqual([]);
    expect(window.navigationReady()).toEqual({ view: 'approvals' });
  });

  it('in-page navigation (pushState) keeps the subscription', () => {
    const { window } = consoleWindow();
    window.show();
    const browser = ready();
    window.navigationReady();
    browser.webContents.emit('did-start-navigation', fake.fakeEvent({ isMainFrame: true, isSameDocument: true, url: 'app://vigil/runs' }));
    window.show({ view: 'approvals' });
    expect(browser.webContents.sent).toHaveLength(1);
  });

  it('reloads a crashed renderer, but not during a quit', () => {
    const { window, logged } = consoleWindow();
    window.show();
    const browser = ready();
    browser.webContents.emit('render-process-gone', fake.fakeEvent(), { reason: 'crashed', exitCode: 139 });
    expect(browser.webContents.reloads).toBe(1);
    expect(logged[0]).toContain('crashed');
    window.allowClose();
    browser.webContents.emit('render-process-gone', fake.fakeEvent(), { reason: 'killed', exitCode: 9 });
    expect(browser.webContents.reloads).toBe(1);
  });

  it('a destroyed window is created anew on the next show', () => {
    const { window } = consoleWindow();
    window.show();
    ready().destroy();
    window.show();
    expect(fake.BrowserWindow.instances).toHaveLength(2);
  });
});
