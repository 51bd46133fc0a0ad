// How the engine starts the sandbox process. Headless (`vigil serve`, `vigil test`, the tests)
// uses child_process.fork; the Electron shell supplies a utilityProcess.fork launcher with the same
// shape. Either way the child gets a minimal environment: nothing inherited, so no tokens, proxy
// variables or NODE_OPTIONS reach it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type { HostToSandbox, SandboxToHost } from './protocol.ts';

/**
 * A running sandbox process as the host sees it. It carries frames of already-serialized messages
 * (strings, see wire.ts) both ways, never objects, so the transport never walks caller or guest
 * data; anything that arrives as something else is dropped here.
 */
export interface SandboxChannel {
  readonly pid: number | undefined;
  send(frame: string): void;
  onMessage(listener: (frame: string) => void): void;
  /** Called once when the process is gone, however it went. */
  onExit(listener: (info: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
}

export interface SandboxLauncher {
  launch(): SandboxChannel;
}

/** The sandbox process entry: from sources a sibling room; in the CLI bundle (out/cli) sandbox-process.js beside this chunk. */
export function sandboxProcessEntry(): string {
  return fileURLToPath(import.meta.url.endsWith('.ts') ? new URL('./process/index.ts', import.meta.url) : new URL('./sandbox-process.js', import.meta.url));
}

/**
 * Only what the OS needs for the process to work at all (Windows resolves DNS and loads crypto
 * providers through SystemRoot); everything else is dropped.
 */
export function minimalEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.platform === 'win32') {
    for (const name of ['SystemRoot', 'SYSTEMROOT', 'windir', 'TEMP', 'TMP']) {
      const value = source[name];
      if (value !== undefined) env[name] = value;
    }
  }
  return env;
}

export interface ForkLauncherOptions {
  /** Node binary; default the one running the engine (the pinned Node 24). */
  execPath?: string;
  /** Entry script; default `sandboxProcessEntry()`. */
  entry?: string;
  /** Extra Node flags for the sandbox process (e.g. --cpu-prof when profiling it). */
  execArgv?: string[];
}

/**
 * V8's young generation for the sandbox process's main thread. Left to itself V8 grew it to 64 MB
 * semi-spaces under load (the broker's per-request garbage), 128 MB held until the process stopped
 * for idleness. The workers cap theirs in worker-start.ts.
 */
const SANDBOX_YOUNG_GENERATION_FLAG = '--max-semi-space-size=2';

export function forkLauncher(options: ForkLauncherOptions = {}): SandboxLauncher {
  return {
    launch(): SandboxChannel {
      const child = fork(options.entry ?? sandboxProcessEntry(), [], {
        execPath: options.execPath ?? process.execPath,
        // Not the engine's flags (a test runner's loaders, --inspect): only ours.
        execArgv: ['--disable-warning=ExperimentalWarning', SANDBOX_YOUNG_GENERATION_FLAG, ...(options.execArgv ?? [])],
        env: minimalEnv(),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        // Frames are strings: V8's serializer copies one as it is, where 'json' would escape it again.
        serialization: 'advanced',
      });
      let exited = false;
      const exitListeners: Array<(info: { code: number | null; signal: string | null }) => void> = [];
      const onExit = (code: number | null, signal: string | null) => {
        if (exited) return;
        exited = true;
        for (const listener of exitListeners) listener({ code, signal });
      };
      child.on('exit', onExit);
      child.on('error', () => onExit(null, null));
      return {
        get pid() {
          return child.pid;
        },
        send(frame) {
          if (!exited && child.connected) child.send(frame);
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
          if (!exited) child.kill('SIGKILL');
        },
      };
    },
  };
}
