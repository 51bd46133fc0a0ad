// The data folder a command works in. Commands that only read (keys list, notifiers show and test,
// generate) never create one: on a fresh machine `vigil keys list` must not leave a database in the
// per-user folder. Commands say which folder they used, so a command run against the wrong one
// (no --data-dir, another $VIGIL_DATA_DIR) is obvious from its output.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createKeychainStore,
  createSealedSecretStore,
  CREDENTIALS_SERVICE,
  DATABASE_FILE,
  defaultDataDir,
  ensureDataDir,
  isPostgresUrl,
  openStore,
  readMasterKeyFile,
  type MasterKey,
  type SecretStore,
  type Store,
} from '../engine/index.ts';

/** `--data-dir`, else `$VIGIL_DATA_DIR`, else the per-user data folder. */
export function dataDirOf(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? defaultDataDir(env);
}

/** What a read-only command says about a folder without a database. */
export function noDataMessage(dataDir: string): string {
  return `there is no Vigil data in ${dataDir} (no ${DATABASE_FILE}; nothing was created there). Give --data-dir DIR or set VIGIL_DATA_DIR to use another folder.`;
}

/**
 * The folder's database, or `null` when it has none: nothing is created. With VIGIL_DATABASE_URL
 * set, the team server's PostgreSQL database instead, as `vigil serve` would use it.
 */
export function openExistingStore(dataDir: string, env: NodeJS.ProcessEnv): Store | null {
  if (env.VIGIL_DATABASE_URL) return openTeamStore(env.VIGIL_DATABASE_URL);
  const file = join(dataDir, DATABASE_FILE);
  return existsSync(file) ? openStore(file) : null;
}

/** The folder's database, created (with the folder, owner-only) when missing: for commands that write. */
export function openOrCreateStore(dataDir: string, env: NodeJS.ProcessEnv): Store {
  if (env.VIGIL_DATABASE_URL) return openTeamStore(env.VIGIL_DATABASE_URL);
  ensureDataDir(dataDir);
  return openStore(join(dataDir, DATABASE_FILE));
}

function openTeamStore(url: string): Store {
  if (!isPostgresUrl(url)) throw new Error('VIGIL_DATABASE_URL must be a postgres:// or postgresql:// URL');
  return openStore(url);
}

/**
 * The master key that VIGIL_MASTER_KEY_FILE names (relative to `cwd`), or null when it names none:
 * then secrets live in the OS keychain. Throws the file's problem (missing, readable by others,
 * not a key).
 */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv, cwd: string): MasterKey | null {
  const keyFile = env.VIGIL_MASTER_KEY_FILE;
  return keyFile ? readMasterKeyFile(resolve(cwd, keyFile)) : null;
}

/**
 * Where Vigil's own credentials (notifier tokens, the LLM key) are for a command on this folder:
 * where `vigil serve` keeps them with the same environment, sealed in the folder's database under
 * the master key, else in the OS keychain.
 */
export function credentialStoreFor(store: Store, env: NodeJS.ProcessEnv, cwd: string): SecretStore {
  const master = masterKeyFromEnv(env, cwd);
  if (!master) return createKeychainStore({ service: CREDENTIALS_SERVICE });
  return createSealedSecretStore(store.sealedSecrets, master, CREDENTIALS_SERVICE, () => new Date().toISOString());
}
