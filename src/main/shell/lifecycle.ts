// How Vigil starts and ends as a desktop app: one instance per data folder, living in the tray when
// its window is closed, and a quit that finishes the runs in flight and closes the database.
import { app } from 'electron';

/**
 * Takes the single-instance lock. A second launch gets false (and should exit); the first one
 * receives its 'second-instance' event and calls `onSecondInstance` (focus the window).
 * The lock is per userData folder, which the entry point puts inside the data folder: two data
 * folders are two independent Vigils, one data folder is one Vigil.
 */
export function claimSingleInstance(onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}

/**
 * Keeps the app alive with no window: Electron's default is to quit when the last window closes,
 * but Vigil keeps serving agents and approvals from the tray until the user picks Quit.
 */
export function stayInTray(): void {
  app.on('window-all-closed', () => {
    // Deliberately empty: a listener replaces Electron's quit-on-last-window behaviour.
  });
}

export interface QuitOptions {
  /** Runs at the first quit request, before windows close (let them close for real). */
  onQuitRequested(): void;
  /** Drains runs, revokes the session key, closes the API, the database and the sandbox. */
  shutdown(): Promise<void>;
  /** Longest the shutdown may take before the app exits anyway. */
  timeoutMs: number;
  log(message: string): void;
}

/** Installs the quit sequence; returns whether a quit is under way. */
export function installQuitHandling(options: QuitOptions): { quitting(): boolean } {
  let quitting = false;
  let finished = false;
  let shutdown: Promise<void> | null = null;

  app.on('before-quit', () => {
    if (quitting) return;
    quitting = true;
    options.onQuitRequested();
  });

  app.on('will-quit', (event) => {
    if (finished) return;
    // Electron does not wait for promises: hold the quit, shut down, then quit again.
    event.preventDefault();
    if (shutdown) return;
    quitting = true;
    const timer = setTimeout(() => {
      options.log(`Shutdown took longer than ${options.timeoutMs} ms; exiting anyway.`);
      finished = true;
      app.exit(1);
    }, options.timeoutMs);
    shutdown = options
      .shutdown()
      .catch((error: Error) => options.log(`Shutdown failed: ${error.stack ?? error.message}`))
      .then(() => {
        clearTimeout(timer);
        if (finished) return;
        finished = true;
        app.quit();
      });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => app.quit());
  }

  return { quitting: () => quitting };
}
