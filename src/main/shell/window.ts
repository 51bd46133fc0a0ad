// The console window: locked-down web preferences, created on demand, hidden (not closed) when the
// user closes it so Vigil keeps serving agents and approvals from the tray.
import { BrowserWindow, type NativeImage, type WebContents } from 'electron';
import { BRIDGE_CHANNELS, type ConsoleTarget } from '../../shared/bridge.ts';
import { APP_ORIGIN } from './app-protocol.ts';

export interface ConsoleWindowOptions {
  preloadPath: string;
  icon: NativeImage;
  /** DevTools only in development builds. */
  devTools: boolean;
  log(message: string): void;
  /** Called the first time a close only hides the window (to tell the user Vigil is still running). */
  onHiddenToTray?(): void;
}

export class ConsoleWindow {
  private readonly options: ConsoleWindowOptions;
  private window: BrowserWindow | null = null;
  private quitting = false;
  private hiddenOnce = false;
  /** The current window has painted once (ready-to-show); until then show() leaves it to that event. */
  private windowLoaded = false;
  /** The console asked for navigation requests since it last loaded. */
  private rendererReady = false;
  private pendingTarget: ConsoleTarget | null = null;

  constructor(options: ConsoleWindowOptions) {
    this.options = options;
  }

  get contents(): WebContents | null {
    const window = this.window;
    return window && !window.isDestroyed() ? window.webContents : null;
  }

  /** Shows the console (creating it if needed) and, given a target, shows that in it. */
  show(target?: ConsoleTarget): void {
    const window = this.window && !this.window.isDestroyed() ? this.window : this.create();
    if (target) this.navigate(target);
    if (window.isMinimized()) window.restore();
    if (this.windowLoaded) {
      window.show();
      window.focus();
    }
  }

  /** The renderer subscribed to navigation requests; it gets the one waiting, if any. */
  navigationReady(): ConsoleTarget | null {
    this.rendererReady = true;
    const target = this.pendingTarget;
    this.pendingTarget = null;
    return target;
  }

  /** From now on, closing the window really closes it (Quit). */
  allowClose(): void {
    this.quitting = true;
  }

  destroy(): void {
    this.quitting = true;
    if (this.window && !this.window.isDestroyed()) this.window.destroy();
    this.window = null;
  }

  private navigate(target: ConsoleTarget): void {
    const contents = this.contents;
    if (contents && this.rendererReady) contents.send(BRIDGE_CHANNELS.navigate, target);
    else this.pendingTarget = target;
  }

  private create(): BrowserWindow {
    this.windowLoaded = false;
    this.rendererReady = false;
    const window = new BrowserWindow({
      title: 'Vigil',
      width: 1360,
      height: 860,
      minWidth: 880,
      minHeight: 560,
      show: false,
      backgroundColor: '#0f172a',
      icon: this.options.icon,
      autoHideMenuBar: true,
      // Written out here, not built elsewhere, so that every reader (and electronegativity, which
      // reads this literal) sees the whole policy: the renderer is a web page with one typed
      // bridge, no Node, in Chromium's sandbox, isolated from its preload.
      webPreferences: {
        preload: this.options.preloadPath,
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
        // A middle-click would ask for a new window; they are all denied, and this stops the asking.
        disableBlinkFeatures: 'Auxclick',
        devTools: this.options.devTools,
      },
    });
    this.window = window;
    window.once('ready-to-show', () => {
      this.windowLoaded = true;
      window.show();
      window.focus();
    });
    window.on('close', (event) => {
      if (this.quitting) return;
      // Closing hides: agents are still served and approvals still arrive in the tray.
      event.preventDefault();
      window.hide();
      if (!this.hiddenOnce) {
        this.hiddenOnce = true;
        this.options.onHiddenToTray?.();
      }
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    const contents = window.webContents;
    contents.on('did-start-navigation', (details) => {
      // A reload or a new document must subscribe again before it is sent anything.
      if (details.isMainFrame && !details.isSameDocument) this.rendererReady = false;
    });
    contents.on('render-process-gone', (_event, details) => {
      this.options.log(`The console's renderer process ended (${details.reason}, exit code ${details.exitCode}).`);
      if (details.reason !== 'clean-exit' && !this.quitting && !window.isDestroyed()) contents.reload();
    });
    void window.loadURL(`${APP_ORIGIN}/`).catch((error: Error) => {
      this.options.log(`The console could not be loaded: ${error.message}`);
    });
    return window;
  }
}
