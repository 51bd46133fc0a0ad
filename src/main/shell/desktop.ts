// Puts the shell together once Electron is ready: the app:// protocol, the engine and its API, the
// console window, the bridge, the tray and notifications, and the quit sequence.
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { app, dialog, Notification, protocol, session, shell, type NativeImage } from 'electron';
import type { ConsoleTarget } from '../../shared/bridge.ts';
import type { RunningServer } from '../engine/index.ts';
import type { SecretStore } from '../engine/index.ts';
import { APP_ORIGIN, APP_SCHEME, createAppRequestHandler } from './app-protocol.ts';
import { applyStartAtLogin, DESKTOP_SETTINGS_FILE, DesktopSettingsStore } from './desktop-settings.ts';
import { shellEngine, type Decision, type ShellEngine } from './engine-port.ts';
import { loadIcons } from './icons.ts';
import { registerBridge } from './ipc.ts';
import { installQuitHandling, stayInTray } from './lifecycle.ts';
import { DesktopNotifications, type DesktopNotifier } from './notifications.ts';
import { consoleCsp } from '../../shared/console-security.ts';
import { hardenSession, hardenWebContents, openLinkInBrowser } from './security.ts';
import { SessionKey, sessionKeyStore } from './session-key.ts';
import { TrayController } from './tray.ts';
import { ConsoleWindow } from './window.ts';

export interface DesktopOptions {
  dataDir: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The built preload (CommonJS: sandboxed preloads cannot be ES modules). */
  preloadPath: string;
  resourcesDir: string;
  /** electron-vite dev's renderer server, when running under `npm run dev`. */
  devServerUrl?: string;
  devTools: boolean;
  /** Start in the tray without opening the window (login item). */
  hidden: boolean;
  /** Starts the engine and its API with the shell's adapters (OS notifications). */
  startServer(adapters: { desktopNotifier: DesktopNotifier }): Promise<RunningServer>;
  /** Closes what the server needed besides itself (the sandbox host), after the server closed. */
  closeExecutor(): Promise<void>;
  /** The workflow secret store, probed at start so a locked keychain is reported, not discovered mid-run. */
  secrets: SecretStore;
  log: { info(message: string): void; error(message: string): void };
}

export interface Desktop {
  server: RunningServer;
  window: ConsoleWindow;
  tray: TrayController;
  notifications: DesktopNotifications;
  engine: ShellEngine;
  openConsole(target?: ConsoleTarget): void;
}

/** How the analyst is named as the responder of decisions made from the tray or a notification. */
function desktopResponder(via: string): string {
  let user = 'desktop user';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the generic name still says where the decision came from.
  }
  return `${user} (${via})`;
}

/** Shows a plain notification when the OS has them; used for feedback on tray actions. */
function notify(title: string, body: string, icon: NativeImage): void {
  if (Notification.isSupported()) new Notification({ title, body, icon }).show();
}

/** Must run before the app is ready: app:// behaves like https (secure, standard, fetch, streams). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ]);
}

export async function startDesktop(options: DesktopOptions): Promise<Desktop> {
  const { log } = options;
  const icons = loadIcons(options.resourcesDir);
  const openLink = (url: string) => {
    openLinkInBrowser(url).catch((error: Error) => log.error(`Could not open ${url}: ${error.message}`));
  };

  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, { openLink, log: (message) => log.info(message) }),
  );
  stayInTray();

  let apiUrl: string | null = null;
  protocol.handle(
    APP_SCHEME,
    createAppRequestHandler({
      rendererDir: options.rendererDir,
      apiUrl: () => apiUrl,
      csp: consoleCsp(options.devServerUrl),
      devServerUrl: options.devServerUrl,
      log: log.error,
    }),
  );

  const settings = new DesktopSettingsStore({
    file: join(options.dataDir, DESKTOP_SETTINGS_FILE),
    applyStartAtLogin: (enabled) => applyStartAtLogin(enabled),
    log: log.error,
  });

  // The engine gets the notifier before the window and tray exist; its callbacks reach them once
  // they do (no approval can arrive before the server listens, and by then they are all built).
  let openConsole: (target?: ConsoleTarget) => void = () => undefined;
  let decide: (uuid: string, decision: Decision, via: string) => void = () => undefined;
  const notifications = new DesktopNotifications({
    openConsole: (target) => openConsole(target),
    decide: (uuid, decision) => decide(uuid, decision, 'Vigil notification'),
    icon: icons.appIcon,
  });

  let server: RunningServer;
  try {
    server = await options.startServer({ desktopNotifier: notifications });
  } catch (error) {
    await options.closeExecutor().catch(() => undefined);
    dialog.showErrorBox('Vigil could not start', (error as Error).message);
    app.exit(1);
    throw error;
  }
  apiUrl = server.url;
  log.info(`Vigil API on ${server.url} (data folder ${options.dataDir}); console at ${APP_ORIGIN}`);

  const engine = shellEngine(server.engine);
  const sessionKey = new SessionKey(sessionKeyStore(server.engine));
  sessionKey.revokeLeftovers();

  const window = new ConsoleWindow({
    preloadPath: options.preloadPath,
    icon: icons.appIcon,
    devTools: options.devTools,
    log: log.error,
    onHiddenToTray: () =>
      notify('Vigil is still running', 'Agents are still served and approvals still arrive. Quit from the tray icon.', icons.appIcon),
  });
  openConsole = (target) => window.show(target);
  decide = (uuid, decision, via) => {
    try {
      engine.decide(uuid, decision, desktopResponder(via), decision === 'reject' ? `Rejected from the ${via}` : null);
    } catch (error) {
      // Someone else decided first, or it expired: say so instead of failing silently.
      notify('Approval not changed', (error as Error).message, icons.appIcon);
    }
  };

  let keychainProblem: string | null = null;
  const tray = new TrayController({
    engine,
    image: (count) => icons.tray(count),
    startAtLogin: () => settings.get().startAtLogin,
    keychainProblem: () => keychainProblem,
    actions: {
      decide: (uuid, decision) => decide(uuid, decision, 'Vigil tray'),
      openConsole: (target) => openConsole(target),
      setPaused: (paused) => engine.setExecutionPaused(paused),
      setStartAtLogin: (enabled) => settings.update({ startAtLogin: enabled }),
      quit: () => app.quit(),
    },
  });
  settings.onChange(() => tray.scheduleRefresh());

  const unregisterBridge = registerBridge({
    consoleContents: () => window.contents,
    revealableFolders: () => [options.dataDir, app.getPath('downloads')],
    log: log.error,
    handlers: {
      connection: () => ({ baseUrl: APP_ORIGIN, token: sessionKey.token() }),
      openLink: (url) => openLinkInBrowser(url),
      showItemInFolder: (path) => shell.showItemInFolder(path),
      desktopSettings: () => settings.get(),
      updateDesktopSettings: (changes) => settings.update(changes),
      navigationReady: () => window.navigationReady(),
    },
  });

  // (A second launch is routed by the entry point, which holds the single-instance lock.)
  // macOS: clicking the dock icon with no window visible.
  app.on('activate', () => openConsole());

  installQuitHandling({
    onQuitRequested: () => window.allowClose(),
    timeoutMs: 45_000,
    log: log.error,
    async shutdown() {
      // The icon goes at once, so the user sees the quit; runs in flight still finish (server.close
      // drains them, with the database open until they are recorded), and may still notify.
      tray.stop();
      unregisterBridge();
      window.destroy();
      sessionKey.revoke();
      await server.close();
      notifications.stop();
      await options.closeExecutor();
    },
  });

  tray.start();
  notifications.start(engine);
  if (!options.hidden) openConsole();

  // Probing writes, reads back and deletes an item: on a desktop a locked keyring asks to be
  // unlocked now, at start, rather than in the middle of a run.
  options.secrets.probe().then(
    () => undefined,
    (error: Error) => {
      keychainProblem = error.message;
      log.error(`OS keychain: ${error.message}`);
      tray.scheduleRefresh();
      notify('Vigil cannot use the OS keychain', error.message, icons.appIcon);
    },
  );

  return { server, window, tray, notifications, engine, openConsole };
}
