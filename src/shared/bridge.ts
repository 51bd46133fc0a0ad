// The contract between the Electron preload and the console (DESIGN.md §1): the preload exposes
// exactly this object as `window.vigil`; in a browser (`vigil serve`) it does not exist and the
// console gets its connection from the login URL instead. Everything else the console does goes
// through the REST API, like any other client.

/** Where the console sends its API requests and the key it sends them with. */
export interface VigilConnection {
  /**
   * Origin to prefix API paths with (`${baseUrl}/v1/...`). In Electron this is the console's own
   * origin, `app://vigil`: the shell forwards `/v1/*` to the local API, so requests are same-origin.
   */
  baseUrl: string;
  /** A human session key (`Authorization: Bearer <token>`), minted for this launch of the app. */
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
