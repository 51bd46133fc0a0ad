// `vigil master-key`: the operator's key for secrets sealed in the database (a server without an
// OS keychain; engine/secrets/sealed.ts). Making one, and moving every sealed secret to a new one.
import { resolve } from 'node:path';
import { DEFAULT_LEASE_MS, inspectServer, MasterKeyError, readMasterKeyFile, rotateMasterKey, writeNewMasterKeyFile } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command } from './command.ts';
import { dataDirOf, noDataMessage, openExistingStore } from './data.ts';

const help = `Usage: vigil master-key new FILE
       vigil master-key rotate --new-key-file FILE [--data-dir DIR]

Secret values are sealed in Vigil's database under a master key when VIGIL_MASTER_KEY_FILE names
one (vigil serve on a server without an OS keychain). Each value has its own data key; the master
key only wraps the data keys.

  new FILE     writes a new random 32-byte key (base64) to FILE, readable by its owner only; FILE
               must not exist. Keep a copy where your other secrets are kept: without it the
               sealed secrets cannot be opened.
  rotate       rewraps every data key from the current key (VIGIL_MASTER_KEY_FILE) to the key in
               --new-key-file, in one transaction; the sealed values themselves are not touched.
               Stop Vigil first; then point VIGIL_MASTER_KEY_FILE at the new file and start it.
               Running it again after an interruption finishes the rotation.

Options:
  --new-key-file FILE  the key to move to (make it with vigil master-key new)
  --data-dir DIR       data folder (default $VIGIL_DATA_DIR, else the per-user data folder)

Environment:
  VIGIL_DATABASE_URL   rotate in this PostgreSQL database (a team server) instead of the data
                       folder's; stop every instance that uses it first`;

export const command: Command = {
  summary: 'Make or rotate the master key of secrets sealed in the database',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const [action, ...rest] = args;
      if (action === 'new') {
        const { positionals } = parseOptions(rest, {}, true);
        if (positionals.length !== 1) throw new UsageError('give the file to write: vigil master-key new FILE');
        try {
          const key = writeNewMasterKeyFile(resolve(io.cwd, positionals[0]!));
          io.out(`Wrote a new master key (${key.id}) to ${positionals[0]}.`);
          return 0;
        } catch (error) {
          if (!(error instanceof MasterKeyError)) throw error;
          io.err(`vigil master-key: ${error.message}`);
          return 1;
        }
      }
      if (action !== 'rotate') throw new UsageError('say new or rotate');
      const { values } = parseOptions(rest, { 'new-key-file': { type: 'string' }, 'data-dir': { type: 'string' } });
      if (values['new-key-file'] === undefined) throw new UsageError('--new-key-file FILE is required');
      const current = io.env.VIGIL_MASTER_KEY_FILE;
      if (!current) throw new UsageError('VIGIL_MASTER_KEY_FILE must name the current master key');
      const dataDir = dataDirOf(values['data-dir'], io.env);
      const running = await inspectServer(dataDir);
      if (running.status === 'running') {
        io.err(`vigil master-key: Vigil is running on ${dataDir} (${running.info.url}) with the current key in memory; stop it first.`);
        return 1;
      }
      const store = openExistingStore(dataDir, io.env);
      if (!store) {
        io.err(`vigil master-key: ${noDataMessage(dataDir)}`);
        return 1;
      }
      // The running instances of a team server hold the current key in memory, as a local one does.
      const instances = store.cluster?.alive(DEFAULT_LEASE_MS) ?? [];
      if (instances.length > 0) {
        store.close();
        io.err(`vigil master-key: ${instances.length} Vigil instance${instances.length === 1 ? ' is' : 's are'} running on ${store.location} with the current key in memory; stop ${instances.length === 1 ? 'it' : 'them all'} first.`);
        return 1;
      }
      try {
        const from = readMasterKeyFile(resolve(io.cwd, current));
        const to = readMasterKeyFile(resolve(io.cwd, values['new-key-file']));
        const moved = rotateMasterKey(store.sealedSecrets, from, to);
        io.out(`Moved ${moved} sealed secret${moved === 1 ? '' : 's'} from master key ${from.id} to ${to.id}.`);
        io.out(`Now set VIGIL_MASTER_KEY_FILE=${values['new-key-file']} and start Vigil; keep the old key until it has started.`);
        return 0;
      } catch (error) {
        if (!(error instanceof MasterKeyError) && (error as { code?: string }).code !== 'SECRET_UNSEALABLE') throw error;
        io.err(`vigil master-key: ${(error as Error).message}`);
        return 1;
      } finally {
        store.close();
      }
    }),
};
