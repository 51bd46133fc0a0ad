// Settings → Server, the shell's side: which Vigil the next launch uses, the analyst's key for a
// team server in the OS keychain (never in a file, never handed back to the console), and the
// check that the server answers and knows the key as a human one. No electron: the restart is the
// caller's.
import {
  checkTeamServerUrl,
  looksLikeApiKey,
  type ServerChange,
  type ServerCheck,
  type ServerChoice,
  type ServerRequest,
  type ServerSettings,
} from '../../shared/bridge.ts';
import type { SecretStore } from '../engine/index.ts';
import { serverChoice, type DesktopSettingsStore } from './desktop-settings.ts';
import { checkTeamServer, TEAM_SERVER_KEY_CREDENTIAL } from './team-server.ts';

export interface ServerSettingsOptions {
  settings: Pick<DesktopSettingsStore, 'server' | 'setServer'>;
  /** Vigil's credentials in the OS keychain; the key is the TEAM_SERVER_KEY_CREDENTIAL item. */
  credentials: Pick<SecretStore, 'get' | 'set' | 'delete'>;
  /** What this launch uses (a new choice takes effect at the next launch). */
  inUse: ServerChoice;
  /** Why the team server in use cannot be used right now, or null. */
  problem(): string | null;
  fetch?: typeof globalThis.fetch;
}

export class ServerSettingsController {
  private readonly options: ServerSettingsOptions;
  /** A key stored since start: the team server in use still gets the one read at start. */
  private keyReplaced = false;

  constructor(options: ServerSettingsOptions) {
    this.options = options;
  }

  async view(): Promise<ServerSettings> {
    const stored = this.options.settings.server();
    const chosen = serverChoice(stored);
    const { inUse } = this.options;
    const sameServer = inUse.kind === chosen.kind && (inUse.kind === 'local' || (chosen.kind === 'team' && inUse.url === chosen.url));
    return {
      inUse,
      chosen,
      teamUrl: stored.teamUrl,
      keyStored: (await this.options.credentials.get(TEAM_SERVER_KEY_CREDENTIAL)) !== null,
      problem: inUse.kind === 'team' ? this.options.problem() : null,
      restartNeeded: !sameServer || (inUse.kind === 'team' && this.keyReplaced),
    };
  }

  async check(request: ServerRequest): Promise<ServerCheck> {
    const checked = checkTeamServerUrl(request.url);
    if ('error' in checked) return { ok: false, error: checked.error };
    const key = await this.keyFor(checked.url, request.key);
    if ('error' in key) return { ok: false, error: key.error };
    return checkTeamServer(checked.url, key.key, this.options.fetch);
  }

  /** Chosen only once the server answers and knows the key as a human one; otherwise nothing changes. */
  async useTeam(request: ServerRequest): Promise<ServerChange> {
    const result = await this.check(request);
    if (!result.ok) return result;
    const key = request.key?.trim();
    if (key) {
      try {
        await this.options.credentials.set(TEAM_SERVER_KEY_CREDENTIAL, key);
        this.keyReplaced = true;
      } catch (error) {
        return { ok: false, error: `The key could not be stored in the OS keychain: ${(error as Error).message}` };
      }
    }
    this.options.settings.setServer({ use: 'team', teamUrl: result.url });
    return { ok: true, settings: await this.view() };
  }

  /** The team server's address and key stay stored, so going back is one click. */
  async useLocal(): Promise<ServerChange> {
    this.options.settings.setServer({ use: 'local', teamUrl: this.options.settings.server().teamUrl });
    return { ok: true, settings: await this.view() };
  }

  async forgetKey(): Promise<ServerChange> {
    if (this.options.settings.server().use === 'team') {
      return { ok: false, error: "The team server chosen needs the key: choose this computer's engine first." };
    }
    try {
      await this.options.credentials.delete(TEAM_SERVER_KEY_CREDENTIAL);
    } catch (error) {
      return { ok: false, error: `The key could not be removed from the OS keychain: ${(error as Error).message}` };
    }
    return { ok: true, settings: await this.view() };
  }

  /**
   * The key typed in, or the stored one. The stored key only ever goes to the server it was saved
   * for: a changed address with the old key would hand it to whoever answers at the new one.
   */
  private async keyFor(url: string, typed: string | undefined): Promise<{ key: string } | { error: string }> {
    const key = typed?.trim();
    if (key) {
      return looksLikeApiKey(key) ? { key } : { error: 'That does not look like a Vigil API key: keys start with vgl_.' };
    }
    const storedFor = this.options.settings.server().teamUrl;
    let stored: string | null;
    try {
      stored = await this.options.credentials.get(TEAM_SERVER_KEY_CREDENTIAL);
    } catch (error) {
      return { error: `The OS keychain could not be read: ${(error as Error).message}` };
    }
    if (!stored) return { error: 'Enter your API key for the team server: none is stored yet.' };
    if (storedFor !== url) return { error: `Enter your API key for ${url}: the stored key is for ${storedFor ?? 'another server'}.` };
    return { key: stored };
  }
}
