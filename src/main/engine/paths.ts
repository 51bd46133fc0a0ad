import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The authoring contract workflows are type-checked against and the code generator quotes. */
export const VIGIL_DTS = join('src', 'shared', 'vigil.d.ts');

/** The database file in a data folder. */
export const DATABASE_FILE = 'vigil.db';

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

/**
 * Finds the folder that holds `src/shared/vigil.d.ts` and `examples/`, walking up from this module
 * (the source tree under `vigil serve`, the build output in the desktop app, which ships them).
 */
export function findMaterialRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, VIGIL_DTS))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Vigil's authoring contract (${VIGIL_DTS}) was not found above ${from}.`);
    dir = parent;
  }
}
