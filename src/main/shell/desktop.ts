// Puts the shell together once Electron is ready: the app:// protocol, the engine and its API (or,
// when Settings → Server chose one, a team server), the console window, the bridge, the tray and
// notifications, and the quit sequence.
import { join } from 'node:path';
import { app, dialog, Notification, protocol, session, shell, type NativeImage } from 'electron';
import type { ConsoleTarget, ServerChoice, VigilConnection } from '../../shared/bridge.ts';
import type { RunningServer } from '../engine/index.ts';
import type { SecretStore } from '../engine/index.ts';
import { APP_ORIGIN, APP_SCHEME, createAppRequestHandler } from './app-protocol.ts';
import { applyStartAtLogin, DESKTOP_SETTINGS_FILE, DesktopSettingsStore, serverChoice } from './desktop-settings.ts';
import { shellEngine, type Decision, type ShellEngine } from './engine-port.ts';
import { loadIcons } from './icons.ts';
import { BridgeError, registerBridge } from './ipc.ts';
import { installQuitHandling, stayInTray } from './lifecycle.ts';
import { DesktopNotifications, type DesktopNotifier } from './notifications.ts';
import { consoleCsp } from '../../shared/console-security.ts';
import { RemoteShellEngine, unavailableEngine } from './remote-engine.ts';
import { hardenSession, hardenWebContents, openLinkInBrowser } from './security.ts';
import { ServerSettingsController } from './server-settings.ts';
import { SessionKey, sessionKeyStore } from './session-key.ts';
import { describeFetchFailure, TEAM_SERVER_KEY_CREDENTIAL } from './team-server.ts';
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
  /** Starts the engine and its API with the shell's adapters (OS notifications); not called when a team server is chosen. */
  startServer(adapters: { desktopNotifier: DesktopNotifier }): Promise<RunningServer>;
  /** Closes what the server needed besides itself (the sandbox host), after the server closed. */
  closeExecutor(): Promise<void>;
  /** The workflow secret store, probed at start so a locked keychain is reported, not discovered mid-run. */
  secrets: SecretStore;
  /** Vigil's own credentials in the OS keychain: the analyst's key for a team server is kept there. */
  credentials: SecretStore;
  /** How the shell reaches a team server (tests may wrap it); Node's fetch by default. */
  fetch?: typeof globalThis.fetch;
  log: { info(message: string): void; error(message: string): void };
}

export interface Desktop {
  /** The local engine's server; null when following a team server. */
  server: RunningServer | null;
  /** The Vigil this launch uses. */
  inUse: ServerChoice;
  window: ConsoleWindow;
  tray: TrayController;
  notifications: DesktopNotifications;
  engine: ShellEngine;
  openConsole(target?: ConsoleTarget): void;
}

/** What the rest of the shell needs from the Vigil it follows: this computer's engine or a team server. */
interface Backend {
  inUse: ServerChoice;
  server: RunningServer | null;
  /** Where app:// forwards /v1/*. */
  apiUrl: string;
  unreachable?(error: unknown): string;
  engine: ShellEngine;
  connection(): VigilConnection;
  /** Why the team server cannot be used right now, or null. */
  problem(): string | null;
  /** After the tray and notifications exist: start following. */
  start(notifications: DesktopNotifications): void;
  /** Ends the connection or drains and closes the engine; `notifications` stop once nothing can notify. */
  close(notifications: DesktopNotifications): Promise<void>;
}

async function localBackend(options: DesktopOptions, notifications: DesktopNotifications): Promise<Backend> {
  let server: RunningServer;
  try {
    server = await options.startServer({ desktopNotifier: notifications });
  } catch (error) {
    await options.closeExecutor().catch(() => undefined);
    dialog.showErrorBox('Vigil could not start', (error as Error).message);
    app.exit(1);
    throw error;
  }
  const sessionKey = new SessionKey(sessionKeyStore(server.engine));
  sessionKey.revokeLeftovers();
  const engine = shellEngine(server.engine);
  return {
    inUse: { kind: 'local' },
    server,
    apiUrl: server.url,
    engine,
    connection: () => ({ baseUrl: APP_ORIGIN, token: sessionKey.token() }),
    problem: () => null,
    start: (notifications) => notifications.start(engine),
    async close(notifications) {
      // Runs in flight still finish (server.close drains them, with the database open until they
      // are recorded), and may still notify.
      sessionKey.revoke();
      await server.close();
      notifications.stop();
      await options.closeExecutor();
    },
  };
}

/**
 * A team server: no engine and no sandbox here. The console's requests go to the server with the
 * analyst's own key; the tray and notifications follow its event stream. A server that does not
 * answer, or a key that is missing, still opens the app, which says why.
 */
async function teamBackend(url: string, options: DesktopOptions): Promise<Backend> {
  let key: string | null = null;
  let keyProblem: string | null = null;
  try {
    key = await options.credentials.get(TEAM_SERVER_KEY_CREDENTIAL);
    if (!key) keyProblem = 'No key for the team server is stored: enter yours in Settings → Server.';
  } catch (error) {
    keyProblem = `The OS keychain did not give Vigil your key for the team server: ${(error as Error).message}`;
  }
  const remote = key ? new RemoteShellEngine({ url, key, log: options.log.error, fetch: options.fetch }) : null;
  const switchBack = "Settings → Server can switch back to this computer's engine.";
  return {
    inUse: { kind: 'team', url },
    server: null,
    apiUrl: url,
    unreachable: (error) => `${describeFetchFailure(error, url).message} ${switchBack}`,
    engine: remote ?? unavailableEngine(keyProblem ?? ''),
    connection: () => {
      if (!key) throw new BridgeError(`${keyProblem} ${switchBack}`);
      return { baseUrl: APP_ORIGIN, token: key };
    },
    problem: () => keyProblem ?? remote?.connectionProblem ?? null,
    start(notifications) {
      if (!remote) return;
      notifications.start(remote);
      notifications.announceFrom(remote, options.log.error);
      remote.start();
    },
    async close(notifications) {
      await remote?.close();
      notifications.stop();
    },
  };
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
  let unreachable: Backend['unreachable'] = undefined;
  protocol.handle(
    APP_SCHEME,
    createAppRequestHandler({
      rendererDir: options.rendererDir,
      apiUrl: () => apiUrl,
      unreachable: (error) => unreachable?.(error) ?? null,
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

  const chosen = serverChoice(settings.server());
  const backend = chosen.kind === 'team' ? await teamBackend(chosen.url, options) : await localBackend(options, notifications);
  apiUrl = backend.apiUrl;
  unreachable = backend.unreachable;
  log.info(
    backend.server
      ? `Vigil API on ${backend.server.url} (data folder ${options.dataDir}); console at ${APP_ORIGIN}`
      : `Vigil follows the team server ${backend.apiUrl}; console at ${APP_ORIGIN}`,
  );
  const { engine } = backend;
  const serverSettings = new ServerSettingsController({
    settings,
    credentials: options.credentials,
    inUse: backend.inUse,
    problem: () => backend.problem(),
    fetch: options.fetch,
  });

  const window = new ConsoleWindow({
    preloadPath: options.preloadPath,
    icon: icons.appIcon,
    devTools: options.devTools,
    log: log.error,
    onHiddenToTray: () =>
      notify(
        'Vigil is still running',
        backend.server
          ? 'Agents are still served and approvals still arrive. Quit from the tray icon.'
          : "The team server's approvals still arrive. Quit from the tray icon.",
        icons.appIcon,
      ),
  });
  openConsole = (target) => window.show(target);
  decide = (uuid, decision, via) => {
    engine.decide(uuid, decision, via).catch((error: Error) => {
      // Someone else decided first, it expired, or the team server did not answer: say so.
      notify('Approval not changed', error.message, icons.appIcon);
    });
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
      setPaused: (paused) => {
        engine.setExecutionPaused(paused).catch((error: Error) => {
          notify('Agent executions not changed', error.message, icons.appIcon);
          tray.scheduleRefresh();
        });
      },
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
      connection: () => backend.connection(),
      openLink: (url) => openLinkInBrowser(url),
      showItemInFolder: (path) => shell.showItemInFolder(path),
      desktopSettings: () => settings.get(),
      updateDesktopSettings: (changes) => settings.update(changes),
      navigationReady: () => window.navigationReady(),
      serverSettings: () => serverSettings.view(),
      checkServer: (request) => serverSettings.check(request),
      useTeamServer: (request) => serverSettings.useTeam(request),
      useLocalEngine: () => serverSettings.useLocal(),
      forgetServerKey: () => serverSettings.forgetKey(),
      restart: () => {
        // A quit, not an exit: the local engine's runs in flight finish first, and the new launch
        // starts once this one is gone.
        app.relaunch();
        app.quit();
      },
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
      await backend.close(notifications);
    },
  });

  void tray.start();
  backend.start(notifications);
  if (!options.hidden) openConsole();

  // Workflow secrets are read by the engine that runs the workflows: a team server's, not this one.
  if (!backend.server) return { server: null, inUse: backend.inUse, window, tray, notifications, engine, openConsole };

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

  return { server: backend.server, inUse: backend.inUse, window, tray, notifications, engine, openConsole };
}
