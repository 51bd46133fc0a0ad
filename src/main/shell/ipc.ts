// The main side of the preload bridge (src/shared/bridge.ts). Every handler first checks who is
// asking: the console window's own top frame, showing app://vigil. Anything else (a frame that
// navigated away, an iframe, another window) is refused before its arguments are even read.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { ipcMain as electronIpcMain, type IpcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import {
  BRIDGE_CHANNELS,
  parseDesktopSettingsChanges,
  parseServerRequest,
  type ConsoleTarget,
  type DesktopSettings,
  type ServerChange,
  type ServerCheck,
  type ServerRequest,
  type ServerSettings,
  type VigilConnection,
} from '../../shared/bridge.ts';
import { checkExternalUrl, isAppUrl } from './security.ts';

type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/** True when the message comes from the console's top frame while it shows app://vigil. */
export function isTrustedSender(event: SenderEvent, consoleContents: WebContents | null): boolean {
  if (!consoleContents || consoleContents.isDestroyed() || event.sender !== consoleContents) return false;
  const frame = event.senderFrame;
  // senderFrame is null once the frame navigated or was destroyed: the page that asked is gone.
  if (!frame || frame.parent !== null) return false;
  const top = consoleContents.mainFrame;
  if (frame.processId !== top.processId || frame.routingId !== top.routingId) return false;
  return isAppUrl(frame.url);
}

export class BridgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BridgeError';
  }
}

export interface BridgeHandlers {
  connection(): VigilConnection | Promise<VigilConnection>;
  /** Opens a checked https: link in the user's browser. */
  openLink(url: string): Promise<void>;
  showItemInFolder(path: string): void;
  desktopSettings(): DesktopSettings;
  updateDesktopSettings(changes: Partial<DesktopSettings>): DesktopSettings;
  /** The console subscribed to navigation requests: hand it the one waiting, if any. */
  navigationReady(): ConsoleTarget | null;
  serverSettings(): Promise<ServerSettings>;
  checkServer(request: ServerRequest): Promise<ServerCheck>;
  useTeamServer(request: ServerRequest): Promise<ServerChange>;
  useLocalEngine(): Promise<ServerChange>;
  forgetServerKey(): Promise<ServerChange>;
  /** Quits and starts the app again. */
  restart(): void;
}

export interface BridgeOptions {
  consoleContents(): WebContents | null;
  /** Folders whose files showItemInFolder may reveal: the data folder and downloads. */
  revealableFolders(): string[];
  handlers: BridgeHandlers;
  log(message: string): void;
  ipcMain?: IpcMain;
}

export const MAX_PATH_LENGTH = 4096;

/** Resolves `path` (symlinks included) and answers it when it lies inside one of `folders`. */
export async function checkRevealablePath(path: unknown, folders: string[]): Promise<string> {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH || path.includes('\0') || !isAbsolute(path)) {
    throw new BridgeError('showItemInFolder takes an absolute path.');
  }
  const real = await realpath(path).catch(() => {
    throw new BridgeError('There is no such file.');
  });
  for (const folder of folders) {
    const base = await realpath(folder).catch(() => null);
    if (!base) continue;
    const inside = relative(base, real);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) return real;
  }
  throw new BridgeError("Only files in Vigil's data folder or the downloads folder can be shown.");
}

/** Registers the bridge's handlers; returns a function removing them. */
export function registerBridge(options: BridgeOptions): () => void {
  const ipc = options.ipcMain ?? electronIpcMain;
  const { handlers } = options;

  const guarded = <T>(channel: string, handler: (args: unknown[]) => T | Promise<T>) => {
    ipc.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, options.consoleContents())) {
        options.log(`Refused IPC ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        throw new BridgeError('This frame may not use the Vigil bridge.');
      }
      return handler(args);
    });
  };

  guarded(BRIDGE_CHANNELS.connection, () => handlers.connection());
  guarded(BRIDGE_CHANNELS.openExternal, async ([url]) => {
    const checked = checkExternalUrl(url);
    if (!checked) throw new BridgeError('Only https: links (without credentials) can be opened outside Vigil.');
    await handlers.openLink(checked.href);
  });
  guarded(BRIDGE_CHANNELS.showItemInFolder, async ([path]) => {
    handlers.showItemInFolder(await checkRevealablePath(path, options.revealableFolders()));
  });
  guarded(BRIDGE_CHANNELS.desktopSettings, () => handlers.desktopSettings());
  guarded(BRIDGE_CHANNELS.updateDesktopSettings, ([changes]) => {
    const parsed = parseDesktopSettingsChanges(changes);
    if (!parsed) throw new BridgeError('Desktop settings changes must be an object of known boolean settings.');
    return handlers.updateDesktopSettings(parsed);
  });
  guarded(BRIDGE_CHANNELS.navigationReady, () => handlers.navigationReady());
  const serverRequest = (value: unknown): ServerRequest => {
    const parsed = parseServerRequest(value);
    if (!parsed) throw new BridgeError('A server request is an object with a url string and, optionally, a key string.');
    return parsed;
  };
  guarded(BRIDGE_CHANNELS.serverSettings, () => handlers.serverSettings());
  guarded(BRIDGE_CHANNELS.checkServer, ([request]) => handlers.checkServer(serverRequest(request)));
  guarded(BRIDGE_CHANNELS.useTeamServer, ([request]) => handlers.useTeamServer(serverRequest(request)));
  guarded(BRIDGE_CHANNELS.useLocalEngine, () => handlers.useLocalEngine());
  guarded(BRIDGE_CHANNELS.forgetServerKey, () => handlers.forgetServerKey());
  guarded(BRIDGE_CHANNELS.restart, () => handlers.restart());

  return () => {
    for (const channel of Object.values(BRIDGE_CHANNELS)) ipc.removeHandler(channel);
  };
}
