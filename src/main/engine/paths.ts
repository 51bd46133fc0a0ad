import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$VIGIL_DATA_DIR`, else the platform's per-user data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.VIGIL_DATA_DIR) return env.VIGIL_DATA_DIR;
  const home = env.HOME ?? homedir();
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Vigil');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Vigil');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'vigil');
  }
}

/**
 * Creates the data folder owner-only (0700). A folder that already exists was chosen by the user
 * and keeps its mode; one Vigil creates gets 0700 whatever the umask let mkdir set.
 */
export function ensureDataDir(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
}
