// Desktop-only preferences (start at login, which Vigil to use: this computer's engine or a team
// server), kept beside the database in the data folder. They are the shell's, not the engine's:
// `vigil serve` has no tray to start. The team server's key is not here: it is in the OS keychain.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { app } from 'electron';
import {
  checkTeamServerUrl,
  DEFAULT_DESKTOP_SETTINGS,
  parseDesktopSettingsChanges,
  type DesktopSettings,
  type ServerChoice,
} from '../../shared/bridge.ts';

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json';
/** The command-line switch a login item starts Vigil with: straight to the tray, no window. */
export const HIDDEN_SWITCH = '--hidden';

type Listener = (settings: DesktopSettings) => void;

/** The server part of the file: which Vigil the next launch uses, and the team server last saved. */
export interface StoredServer {
  use: 'local' | 'team';
  /** Always a checked origin (checkTeamServerUrl); set whenever `use` is 'team'. */
  teamUrl: string | null;
}

export const LOCAL_SERVER: StoredServer = { use: 'local', teamUrl: null };

/** The stored server entry if it is one (a team choice needs a valid address), else null. */
export function parseStoredServer(value: unknown): StoredServer | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { use, teamUrl, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || (use !== 'local' && use !== 'team')) return null;
  if (teamUrl === null && use === 'local') return { use, teamUrl: null };
  if (typeof teamUrl !== 'string') return null;
  const checked = checkTeamServerUrl(teamUrl);
  if ('error' in checked || checked.url !== teamUrl) return null;
  return { use, teamUrl };
}

/** The server a stored entry names. */
export function serverChoice(stored: StoredServer): ServerChoice {
  return stored.use === 'team' && stored.teamUrl ? { kind: 'team', url: stored.teamUrl } : { kind: 'local' };
}

export class DesktopSettingsStore {
  private readonly file: string;
  private current: DesktopSettings;
  private currentServer: StoredServer = LOCAL_SERVER;
  private readonly listeners = new Set<Listener>();
  private readonly applyStartAtLogin: (enabled: boolean) => void;

  constructor(options: { file: string; applyStartAtLogin: (enabled: boolean) => void; log?: (message: string) => void }) {
    this.file = options.file;
    this.applyStartAtLogin = options.applyStartAtLogin;
    this.current = { ...DEFAULT_DESKTOP_SETTINGS };
    if (existsSync(this.file)) {
      // A damaged file falls back to the defaults (and says so) rather than keeping Vigil from starting.
      try {
        const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
        const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
        const { server, ...preferences } = entries ?? {};
        const stored = entries && parseDesktopSettingsChanges(preferences);
        // Files written before the app could use a team server have no server entry.
        const storedServer = server === undefined ? LOCAL_SERVER : parseStoredServer(server);
        if (stored && storedServer) {
          this.current = { ...this.current, ...stored };
          this.currentServer = storedServer;
        } else {
          options.log?.(`${this.file} has unknown or invalid entries; using the default desktop settings (this computer's engine).`);
        }
      } catch (error) {
        options.log?.(`${this.file} could not be read (${(error as Error).message}); using the default desktop settings.`);
      }
    }
  }

  get(): DesktopSettings {
    return { ...this.current };
  }

  update(changes: Partial<DesktopSettings>): DesktopSettings {
    const next = { ...this.current, ...changes };
    if (next.startAtLogin !== this.current.startAtLogin) this.applyStartAtLogin(next.startAtLogin);
    this.current = next;
    this.write();
    for (const listener of this.listeners) listener(this.get());
    return this.get();
  }

  /** Which Vigil the next launch uses. */
  server(): StoredServer {
    return { ...this.currentServer };
  }

  /** Saves the server choice; `teamUrl` must already be checked (parseStoredServer refuses anything else). */
  setServer(server: StoredServer): StoredServer {
    const checked = parseStoredServer(server);
    if (!checked || (checked.use === 'team' && !checked.teamUrl)) throw new Error(`Not a valid server choice: ${JSON.stringify(server)}.`);
    this.currentServer = checked;
    this.write();
    return this.server();
  }

  private write(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    // Written aside and renamed, so a crash mid-write never leaves half a file.
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ ...this.current, server: this.currentServer }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface LoginItemOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  execPath?: string;
  /** Where XDG autostart entries live on Linux. */
  autostartDir?: string;
}

/**
 * Registers or removes Vigil as a login item. Electron does this on macOS and Windows; on Linux it
 * does nothing, so an XDG autostart entry is written instead (what desktop environments read).
 */
export function applyStartAtLogin(enabled: boolean, options: LoginItemOptions = {}): void {
  const platform = options.platform ?? process.platform;
  if (platform === 'darwin' || platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_SWITCH] });
    return;
  }
  const env = options.env ?? process.env;
  const dir = options.autostartDir ?? join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'autostart');
  const file = join(dir, 'vigil.desktop');
  if (!enabled) {
    rmSync(file, { force: true });
    return;
  }
  // An AppImage runs from a temporary mount; $APPIMAGE is the file the user actually has.
  const executable = env.APPIMAGE ?? options.execPath ?? process.execPath;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    [
      '[Desktop Entry]',
      'Type=Application',
      'Name=Vigil',
      'Comment=Workflow console for SOC analysts (starts in the tray)',
      `Exec=${desktopExecQuote(executable)} ${HIDDEN_SWITCH}`,
      'X-GNOME-Autostart-enabled=true',
      'Terminal=false',
      '',
    ].join('\n'),
  );
}

/**
 * Quotes a path for a .desktop Exec line. The spec applies two rules in turn: inside double quotes
 * `"`, `` ` ``, `$` and `\` take a backslash; then the whole value is a string, whose own escaping
 * doubles every backslash again. `%` starts a field code, so a literal one is `%%`.
 */
export function desktopExecQuote(path: string): string {
  const quoted = `"${path.replace(/["`$\\]/g, (char) => `\\${char}`)}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** Whether this launch should stay in the tray: a login item, or started with --hidden. */
export function startedHidden(argv: readonly string[], platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_SWITCH)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
