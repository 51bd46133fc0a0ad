// Electron entry (DESIGN.md §1, §2): the same engine `vigil serve` runs, built with the shell's
// adapters: the sandbox in an Electron utilityProcess, secrets in the OS keychain, the console in a
// locked-down window served from app://vigil, approvals in the tray and in OS notifications. When
// Settings → Server chose a team server, neither the engine nor the sandbox starts here.
import { join } from 'node:path';
import { app } from 'electron';
import { defaultDataDir, startServer } from './engine/index.ts';
import { createKeychainStore, CREDENTIALS_SERVICE } from './engine/secrets/index.ts';
import { createSandboxHost, type SandboxHost } from './sandbox/index.ts';
import {
  claimSingleInstance,
  createUtilityProcessLauncher,
  registerAppScheme,
  startDesktop,
  startedHidden,
  type Desktop,
} from './shell/index.ts';

const here = import.meta.dirname;
const dataDir = defaultDataDir(process.env);

// Chromium's profile lives in the data folder too: the single-instance lock is taken on it, so one
// data folder is served by one Vigil, and a second data folder (VIGIL_DATA_DIR) by another.
app.setPath('userData', join(dataDir, 'electron'));
app.setName('Vigil');
// Windows shows notifications only for an app user model id matching its Start-menu shortcut,
// which the installer creates with electron-builder.yml's appId.
if (process.platform === 'win32') app.setAppUserModelId('dev.vigil.console');
registerAppScheme();

let desktop: Desktop | null = null;
let showWhenReady = false;

if (!claimSingleInstance(() => (desktop ? desktop.openConsole() : (showWhenReady = true)))) {
  // Another Vigil serves this data folder; it was told to show its window.
  app.quit();
} else {
  app.whenReady().then(async () => {
    const log = {
      info: (message: string) => console.log(message),
      error: (message: string) => console.error(message),
    };
    const secrets = createKeychainStore();
    const credentials = createKeychainStore({ service: CREDENTIALS_SERVICE });
    let sandbox: SandboxHost | null = null;
    desktop = await startDesktop({
      dataDir,
      rendererDir: join(here, '..', 'renderer'),
      preloadPath: join(here, '..', 'preload', 'index.cjs'),
      resourcesDir: join(app.getAppPath(), 'resources'),
      devServerUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined,
      devTools: !app.isPackaged,
      hidden: startedHidden(process.argv) && !showWhenReady,
      secrets,
      credentials,
      log,
      startServer: ({ desktopNotifier }) => {
        sandbox = createSandboxHost({
          launcher: createUtilityProcessLauncher({ modulePath: join(here, 'sandbox-process.js'), log: log.error }),
        });
        return startServer({
          dataDir,
          host: '127.0.0.1',
          port: 0,
          executor: sandbox,
          secrets,
          credentials,
          desktopNotifier,
          log,
        });
      },
      closeExecutor: async () => {
        await sandbox?.close();
      },
    });
    // The Electron e2e suite drives the tray through the real Menu it built; nothing else reads this.
    if (process.env.VIGIL_E2E === '1') (globalThis as { vigilDesktop?: Desktop }).vigilDesktop = desktop;
  }).catch((error: Error) => {
    console.error(`Vigil could not start: ${error.stack ?? error.message}`);
    app.exit(1);
  });
}
