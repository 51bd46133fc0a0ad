// A stand-in for the 'electron' module in the shell's unit tests (the real one only exists inside an
// Electron binary, which cannot be downloaded here). Each fake records what the shell did with it
// and lets a test emit the events Electron would. Loaded by `vi.mock('electron', () => import(...))`;
// every test file gets its own copy, and `resetFakes()` clears the records between tests.
import { EventEmitter } from 'node:events';

type Listener = (...args: any[]) => unknown;

/** An Electron-style event: preventDefault is recorded. */
export function fakeEvent<T extends object>(fields: T = {} as T): T & { defaultPrevented: boolean; preventDefault(): void } {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

// ---------- app ----------
class FakeApp extends EventEmitter {
  singleInstanceLock = true;
  isPackaged = false;
  quitCalls = 0;
  relaunches = 0;
  exitCodes: number[] = [];
  loginItemSettings: Array<Record<string, unknown>> = [];
  wasOpenedAtLogin = false;
  paths: Record<string, string> = { downloads: '/tmp/downloads' };
  requestSingleInstanceLock() {
    return this.singleInstanceLock;
  }
  quit() {
    this.quitCalls++;
  }
  relaunch() {
    this.relaunches++;
  }
  exit(code = 0) {
    this.exitCodes.push(code);
  }
  setLoginItemSettings(settings: Record<string, unknown>) {
    this.loginItemSettings.push(settings);
  }
  getLoginItemSettings() {
    return { openAtLogin: false, wasOpenedAtLogin: this.wasOpenedAtLogin };
  }
  getPath(name: string) {
    return this.paths[name] ?? `/tmp/${name}`;
  }
  setPath(name: string, value: string) {
    this.paths[name] = value;
  }
  getAppPath() {
    return '/app';
  }
  whenReady() {
    return Promise.resolve();
  }
}
export const app = new FakeApp();

// ---------- nativeImage ----------
export class FakeNativeImage {
  readonly path: string;
  template = false;
  constructor(path: string) {
    this.path = path;
  }
  setTemplateImage(value: boolean) {
    this.template = value;
  }
}
export const nativeImage = {
  created: [] as string[],
  createFromPath(path: string) {
    nativeImage.created.push(path);
    return new FakeNativeImage(path);
  },
};

// ---------- Menu ----------
export class FakeMenu {
  readonly items: any[];
  constructor(template: any[]) {
    this.items = template;
  }
  getMenuItemById(id: string): any {
    const find = (items: any[]): any => {
      for (const item of items) {
        if (item.id === id) return item;
        if (Array.isArray(item.submenu)) {
          const found = find(item.submenu);
          if (found) return found;
        }
      }
      return null;
    };
    return find(this.items);
  }
}
export const Menu = {
  built: 0,
  buildFromTemplate(template: any[]) {
    Menu.built++;
    return new FakeMenu(template);
  },
};

// ---------- Tray ----------
export class Tray extends EventEmitter {
  static instances: Tray[] = [];
  image: unknown;
  contextMenus: FakeMenu[] = [];
  tooltip = '';
  title = '';
  images: unknown[] = [];
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    Tray.instances.push(this);
  }
  setContextMenu(menu: FakeMenu) {
    this.contextMenus.push(menu);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setTitle(text: string) {
    this.title = text;
  }
  setImage(image: unknown) {
    this.image = image;
    this.images.push(image);
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

// ---------- Notification ----------
export class Notification extends EventEmitter {
  static supported = true;
  static instances: Notification[] = [];
  static isSupported() {
    return Notification.supported;
  }
  readonly options: Record<string, any>;
  shown = false;
  closed = false;
  constructor(options: Record<string, any>) {
    super();
    this.options = options;
    Notification.instances.push(this);
  }
  show() {
    this.shown = true;
  }
  close() {
    this.closed = true;
    this.emit('close', fakeEvent());
  }
}

// ---------- WebContents / frames / BrowserWindow ----------
export class FakeFrame {
  url: string;
  parent: FakeFrame | null;
  processId: number;
  routingId: number;
  constructor(url: string, options: { parent?: FakeFrame | null; processId?: number; routingId?: number } = {}) {
    this.url = url;
    this.parent = options.parent ?? null;
    this.processId = options.processId ?? 1;
    this.routingId = options.routingId ?? 1;
  }
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  destroyed = false;
  sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  reloads = 0;
  constructor(url = 'app://vigil/') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  reload() {
    this.reloads++;
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  readonly options: Record<string, any>;
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = false;
  minimized = false;
  destroyed = false;
  loadedUrls: string[] = [];
  constructor(options: Record<string, any>) {
    super();
    this.options = options;
    BrowserWindow.instances.push(this);
  }
  loadURL(url: string) {
    this.loadedUrls.push(url);
    return Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.emit('closed');
  }
  /** What Electron does when the user clicks the close button. */
  userClose() {
    const event = fakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
    return event;
  }
}

// ---------- ipcMain / ipcRenderer / contextBridge ----------
export const ipcMain = {
  handlers: new Map<string, Listener>(),
  handle(channel: string, handler: Listener) {
    if (ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcMain.handlers.set(channel, handler);
  },
  removeHandler(channel: string) {
    ipcMain.handlers.delete(channel);
  },
  /** Calls a handler the way ipcRenderer.invoke would from `sender`'s `frame`. */
  async invoke(channel: string, sender: FakeWebContents, frame: FakeFrame | null, ...args: unknown[]) {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender, senderFrame: frame }, ...args);
  },
};

class FakeIpcRenderer extends EventEmitter {
  invocations: Array<{ channel: string; args: unknown[] }> = [];
  replies = new Map<string, unknown>();
  invoke(channel: string, ...args: unknown[]) {
    this.invocations.push({ channel, args });
    return Promise.resolve(this.replies.get(channel) ?? null);
  }
}
export const ipcRenderer = new FakeIpcRenderer();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    contextBridge.exposed.set(key, api);
  },
};

// ---------- shell / session / protocol / dialog ----------
export const shell = {
  opened: [] as string[],
  shown: [] as string[],
  openExternal(url: string) {
    shell.opened.push(url);
    return Promise.resolve();
  },
  showItemInFolder(path: string) {
    shell.shown.push(path);
  },
};

export class FakeSession {
  permissionRequestHandler: Listener | null = null;
  permissionCheckHandler: Listener | null = null;
  devicePermissionHandler: Listener | null = null;
  setPermissionRequestHandler(handler: Listener) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Listener) {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: Listener) {
    this.devicePermissionHandler = handler;
  }
}
export const session = { defaultSession: new FakeSession() };

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, Listener>(),
  registerSchemesAsPrivileged(schemes: unknown[]) {
    protocol.privileged.push(...schemes);
  },
  handle(scheme: string, handler: Listener) {
    protocol.handlers.set(scheme, handler);
  },
};

export const dialog = {
  errors: [] as Array<[string, string]>,
  showErrorBox(title: string, content: string) {
    dialog.errors.push([title, content]);
  },
};

// ---------- utilityProcess ----------
export class FakeUtilityProcess extends EventEmitter {
  static forks: Array<{ modulePath: string; args: string[]; options: Record<string, any>; child: FakeUtilityProcess }> = [];
  pid: number | undefined = undefined;
  killed = 0;
  posted: unknown[] = [];
  /** What kill() does; by default the process exits as a real one would. */
  onKill: (child: FakeUtilityProcess) => void = (child) => queueMicrotask(() => child.exitWith(0));
  /** What Electron does once the process started. */
  spawn(pid = 4242) {
    this.pid = pid;
    this.emit('spawn');
  }
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  kill() {
    this.killed++;
    this.onKill(this);
    return true;
  }
  exitWith(code: number) {
    this.pid = undefined;
    this.emit('exit', code);
  }
}
export const utilityProcess = {
  fork(modulePath: string, args: string[] = [], options: Record<string, any> = {}) {
    const child = new FakeUtilityProcess();
    FakeUtilityProcess.forks.push({ modulePath, args, options, child });
    return child;
  },
};

export function resetFakes(): void {
  app.removeAllListeners();
  app.singleInstanceLock = true;
  app.quitCalls = 0;
  app.relaunches = 0;
  app.exitCodes = [];
  app.loginItemSettings = [];
  app.wasOpenedAtLogin = false;
  nativeImage.created = [];
  Menu.built = 0;
  Tray.instances = [];
  Notification.instances = [];
  Notification.supported = true;
  BrowserWindow.instances = [];
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invocations = [];
  ipcRenderer.replies.clear();
  contextBridge.exposed.clear();
  shell.opened = [];
  shell.shown = [];
  session.defaultSession = new FakeSession();
  protocol.privileged = [];
  protocol.handlers.clear();
  dialog.errors = [];
  FakeUtilityProcess.forks = [];
}

export default { app, nativeImage, Menu, Tray, Notification, BrowserWindow, ipcMain, ipcRenderer, contextBridge, shell, session, protocol, dialog, utilityProcess };
