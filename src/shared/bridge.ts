// The contract between the Electron preload and the console (DESIGN.md §1): the preload exposes
// exactly this object as `window.vigil`; in a browser (`vigil serve`) it does not exist and the
// console gets its connection from the login URL instead. Everything else the console does goes
// through the REST API, like any other client.

/** Where the console sends its API requests and the key it sends them with. */
export interface VigilConnection {
  /**
   * Origin to prefix API paths with (`${baseUrl}/v1/...`). In Electron this is the console's own
   * origin, `app://vigil`: the shell forwards `/v1/*` to the local API (or the team server), so
   * requests are same-origin.
   */
  baseUrl: string;
  /**
   * A human key (`Authorization: Bearer <token>`): a session key minted for this launch of the app,
   * or, connected to a team server, the analyst's own key.
   */
  token: string;
}

/**
 * Desktop-only preferences, kept by the shell. Which OS notifications to show is the engine's
 * notifier setting (`desktop.enabled`, `desktop.run_failed`), read and changed through the API.
 */
export interface DesktopSettings {
  /** Start Vigil, in the tray, when the user logs in. Off by default. */
  startAtLogin: boolean;
}

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = {
  startAtLogin: false,
};

/** Which Vigil the desktop app talks to: the engine it runs itself, or a team's `vigil serve`. */
export type ServerChoice = { kind: 'local' } | { kind: 'team'; url: string };

/** Settings → Server as the shell reports it. The analyst's key itself never crosses the bridge. */
export interface ServerSettings {
  /** What this launch of the app uses. */
  inUse: ServerChoice;
  /** What the next launch will use; it differs from `inUse` until the app restarts. */
  chosen: ServerChoice;
  /** The team server address last saved (kept while this computer's engine is chosen). */
  teamUrl: string | null;
  /** Whether the analyst's key for the team server is in the OS keychain. */
  keyStored: boolean;
  /** Why the team server in use cannot be used right now (unreachable, key refused); null when it can. */
  problem: string | null;
  /** A saved change (another server, or a new key for the one in use) waits for the app to restart. */
  restartNeeded: boolean;
}

/** A team server address and, optionally, a key to use with it (omitted: the key already stored). */
export interface ServerRequest {
  url: string;
  key?: string;
}

/** What "Check connection" found: the key the server knows, or exactly what went wrong. */
export type ServerCheck =
  | { ok: true; url: string; key: { name: string; key_type: 'human'; prefix: string; scopes: string[] } }
  | { ok: false; error: string };

/** A change to Settings → Server: the settings now in force, or why nothing changed. */
export type ServerChange = { ok: true; settings: ServerSettings } | { ok: false; error: string };

/** Loopback hosts a team server may be reached at over plain http (a server on this machine, tests). */
const PLAIN_HTTP_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const MAX_SERVER_URL_LENGTH = 2048;
export const MAX_API_KEY_LENGTH = 200;

/**
 * A team server address as the app stores it (its origin), or why it cannot be one: https only,
 * because the analyst's key travels in every request; plain http only to this machine.
 */
export function checkTeamServerUrl(value: string): { url: string } | { error: string } {
  const text = value.trim();
  if (!text) return { error: "Enter the team server's address, e.g. https://vigil.example.com." };
  if (text.length > MAX_SERVER_URL_LENGTH) return { error: `The address is longer than ${MAX_SERVER_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `${text} is not an address; give it as https://host[:port].` };
  }
  if (url.protocol === 'http:' && !PLAIN_HTTP_HOSTS.has(url.hostname)) {
    return { error: 'The team server must be https://: your API key travels with every request. Plain http:// is accepted only for 127.0.0.1 and localhost.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `The team server must be https://, not ${url.protocol}//.` };
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return { error: `The address is the server's origin only (https://host[:port]), without a path, query or credentials.` };
  }
  return { url: url.origin };
}

/** Whether `value` has the shape of a Vigil API key (`vgl_` and base62). */
export function looksLikeApiKey(value: string): boolean {
  return /^vgl_[A-Za-z0-9]{20,}$/.test(value);
}

/** A ServerRequest from the console, or null when it is anything else (unknown fields, non-strings, too long). */
export function parseServerRequest(value: unknown): ServerRequest | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { url, key, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof url !== 'string' || url.length > MAX_SERVER_URL_LENGTH) return null;
  if (key === undefined) return { url };
  if (typeof key !== 'string' || key.length > MAX_API_KEY_LENGTH) return null;
  return { url, key };
}

/** A place in the console the shell asks it to show (tray "Open in console", notification clicks). */
export type ConsoleTarget =
  | { view: 'approval'; uuid: string }
  | { view: 'approvals' }
  | { view: 'run'; uuid: string };

export interface VigilBridge {
  /**
   * The API connection. Call it at start, and once more after a 401: the shell mints a fresh
   * session key when the current one is close to expiry.
   */
  connection(): Promise<VigilConnection>;
  /** Opens an `https:` link in the user's browser; anything else is refused (the promise rejects). */
  openExternal(url: string): Promise<void>;
  /** Reveals a file of Vigil's data folder or the downloads folder in the file manager. */
  showItemInFolder(path: string): Promise<void>;
  desktopSettings(): Promise<DesktopSettings>;
  /** Applies the given changes and answers the settings now in force. */
  updateDesktopSettings(changes: Partial<DesktopSettings>): Promise<DesktopSettings>;
  /** Settings → Server: which Vigil this launch uses and which the next one will. */
  serverSettings(): Promise<ServerSettings>;
  /** Calls the team server with the key (or the stored one) and says whose key it is, or what went wrong. */
  checkServer(request: ServerRequest): Promise<ServerCheck>;
  /** Checks, then stores the key in the OS keychain and chooses the team server for the next launch. */
  useTeamServer(request: ServerRequest): Promise<ServerChange>;
  /** Chooses this computer's engine for the next launch; the team server's address and key stay stored. */
  useLocalEngine(): Promise<ServerChange>;
  /** Removes the team server's key from the OS keychain (refused while the team server is chosen). */
  forgetServerKey(): Promise<ServerChange>;
  /** Quits (letting runs in flight finish) and starts the app again, so a new server choice takes effect. */
  restart(): Promise<void>;
  /**
   * Called when the shell wants the console to show something. A target requested while the
   * console was still loading is delivered right after subscribing. Returns the unsubscribe function.
   */
  onNavigate(listener: (target: ConsoleTarget) => void): () => void;
}

declare global {
  interface Window {
    /** Present only in the Electron app. */
    readonly vigil?: VigilBridge;
  }
}

/** IPC channel names; only the preload and the shell use them. */
export const BRIDGE_CHANNELS = {
  connection: 'vigil:connection',
  openExternal: 'vigil:open-external',
  showItemInFolder: 'vigil:show-item-in-folder',
  desktopSettings: 'vigil:desktop-settings',
  updateDesktopSettings: 'vigil:update-desktop-settings',
  navigationReady: 'vigil:navigation-ready',
  serverSettings: 'vigil:server-settings',
  checkServer: 'vigil:check-server',
  useTeamServer: 'vigil:use-team-server',
  useLocalEngine: 'vigil:use-local-engine',
  forgetServerKey: 'vigil:forget-server-key',
  restart: 'vigil:restart',
  navigate: 'vigil:navigate',
} as const;

const SETTING_KEYS = Object.keys(DEFAULT_DESKTOP_SETTINGS) as Array<keyof DesktopSettings>;

/** The changes if `value` is a valid partial DesktopSettings (known keys, booleans only), else null. */
export function parseDesktopSettingsChanges(value: unknown): Partial<DesktopSettings> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const changes: Partial<DesktopSettings> = {};
  for (const [key, setting] of Object.entries(value)) {
    if (!SETTING_KEYS.includes(key as keyof DesktopSettings) || typeof setting !== 'boolean') return null;
    changes[key as keyof DesktopSettings] = setting;
  }
  return changes;
}
