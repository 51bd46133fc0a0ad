// The sandbox process in Electron (DESIGN.md §1, §6): the sandbox room's SandboxLauncher, with
// utilityProcess.fork instead of child_process.fork. A utility process is Chromium's kind of child:
// it shows up by name in the task manager and app.getAppMetrics, dies with the app, and needs no
// `ELECTRON_RUN_AS_NODE` (which the packaged app's fuses turn off).
import { app, utilityProcess, type UtilityProcess } from 'electron';
import { minimalEnv, type SandboxChannel, type SandboxLauncher } from '../sandbox/index.ts';

/** How the process is named in app.getAppMetrics(), 'child-process-gone' and OS task managers. */
export const SANDBOX_SERVICE_NAME = 'Vigil sandbox';
/** After a kill() the process gets this long to end before it is killed outright. */
export const FORCE_KILL_AFTER_MS = 2_000;

export interface UtilityProcessLauncherOptions {
  /** The built sandbox process entry (out/main/sandbox-process.js). */
  modulePath: string;
  forceKillAfterMs?: number;
  /** The child's environment; default the sandbox room's minimal one (nothing inherited). */
  env?: Record<string, string>;
  log?(message: string): void;
}

type ExitInfo = { code: number | null; signal: string | null };

export function createUtilityProcessLauncher(options: UtilityProcessLauncherOptions): SandboxLauncher {
  const log = options.log ?? ((message: string) => console.error(message));
  const forceKillAfterMs = options.forceKillAfterMs ?? FORCE_KILL_AFTER_MS;

  return {
    launch(): SandboxChannel {
      const child: UtilityProcess = utilityProcess.fork(options.modulePath, [], {
        serviceName: SANDBOX_SERVICE_NAME,
        // Not the app's environment: nothing inherited, so no tokens, proxy variables or NODE_OPTIONS.
        env: options.env ?? minimalEnv(),
        // stdin cannot be anything but ignored; stdout is not a channel; stderr shows crashes.
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      let spawned = false;
      let exited = false;
      let forceKill: NodeJS.Timeout | null = null;
      const exitListeners: Array<(info: ExitInfo) => void> = [];

      const finish = (info: ExitInfo) => {
        if (exited) return;
        exited = true;
        if (forceKill) clearTimeout(forceKill);
        app.off('child-process-gone', onGone);
        for (const listener of exitListeners) listener(info);
      };

      // Chromium's account of how a child ended ('crashed', 'oom', 'killed', 'launch-failed', …),
      // which the exit code alone does not tell.
      const onGone = (_event: unknown, details: Electron.Details) => {
        if (details.type !== 'Utility' || details.serviceName !== SANDBOX_SERVICE_NAME) return;
        if (details.reason !== 'clean-exit') log(`The sandbox process ended: ${details.reason} (exit code ${details.exitCode}).`);
        // A process that never started emits no 'exit'; without this the host would wait forever.
        // Only this launch can fail to launch: earlier sandbox processes had all spawned.
        if (details.reason === 'launch-failed' && !spawned) finish({ code: details.exitCode, signal: null });
      };
      app.on('child-process-gone', onGone);

      child.on('spawn', () => {
        spawned = true;
      });
      child.on('exit', (code) => finish({ code, signal: null }));
      child.on('error', (type, location) => log(`The sandbox process hit a ${type} at ${location}.`));

      return {
        get pid() {
          return child.pid;
        },
        send(frame) {
          if (!exited) child.postMessage(frame);
        },
        onMessage(listener) {
          child.on('message', (frame: unknown) => {
            if (typeof frame === 'string') listener(frame);
          });
        },
        onExit(listener) {
          exitListeners.push(listener);
        },
        kill() {
          if (exited || forceKill) return;
          // SIGTERM first (utilityProcess.kill), which also lets Electron reap the process; a
          // process stuck in native code that ignores it is killed outright.
          child.kill();
          forceKill = setTimeout(() => {
            const pid = child.pid;
            if (exited || pid === undefined) return;
            log(`The sandbox process (pid ${pid}) did not end within ${forceKillAfterMs} ms of a kill; killing it outright.`);
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // It ended between the check and the kill.
            }
          }, forceKillAfterMs);
          forceKill.unref();
        },
      };
    },
  };
}
