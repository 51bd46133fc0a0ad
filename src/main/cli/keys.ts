import { KEY_TYPES, SCOPES, type KeyType, type Scope } from '../../shared/domain.ts';
import { KeyService, systemClock, type Store } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';
import { dataDirOf, noDataMessage, openExistingStore, openOrCreateStore } from './data.ts';

const help = `Usage:
  vigil keys create --name NAME --type human|agent [--scopes a,b] [--expires ISO-8601] [--json]
  vigil keys list [--json]
  vigil keys revoke <uuid|prefix>

Manages API keys directly in the data folder; works whether or not a server is running.
The key is printed once by "create" and cannot be shown again. Each command names the data
folder it used; "list" and "revoke" never create one.

Options:
  --data-dir DIR    data folder (default $VIGIL_DATA_DIR, else the per-user data folder)
                    (with $VIGIL_DATABASE_URL set: that PostgreSQL database, a team server's)
  --scopes          comma-separated: ${SCOPES.join(', ')}
                    (default human: workflows:read,workflows:write,workflows:execute,approvals:write;
                     agent: workflows:read,workflows:execute)
  --json            machine-readable output`;

const keysOf = (store: Store) => new KeyService(store, systemClock, console);

async function create(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(args, {
    name: { type: 'string' },
    type: { type: 'string' },
    scopes: { type: 'string' },
    expires: { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.name) throw new UsageError('--name is required');
  if (!values.type || !KEY_TYPES.includes(values.type as KeyType)) throw new UsageError('--type must be human or agent');
  const scopes = values.scopes?.split(',').map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes?.filter((scope) => !SCOPES.includes(scope as Scope)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown scope(s): ${unknown.join(', ')}`);
  if (values.expires !== undefined && Number.isNaN(Date.parse(values.expires))) {
    throw new UsageError(`--expires must be an ISO-8601 date, not ${values.expires}`);
  }
  const dataDir = dataDirOf(values['data-dir'], io.env);
  const store = openOrCreateStore(dataDir, io.env);
  try {
    const { key, secret } = keysOf(store).create({
      name: values.name,
      key_type: values.type as KeyType,
      scopes: scopes as Scope[] | undefined,
      expires_at: values.expires ?? null,
    });
    if (values.json) {
      io.out(JSON.stringify({ key: secret, prefix: key.prefix, uuid: key.uuid, key_type: key.key_type, scopes: key.scopes }));
    } else {
      io.out(`Created ${key.key_type} key "${key.name}" (${key.uuid}) with scopes ${key.scopes.join(', ')}, in ${dataDir}.`);
      io.out(`\n  ${secret}\n`);
      io.out('Store it now: it is shown only this once.');
    }
    return 0;
  } catch (error) {
    io.err(`vigil keys create: ${(error as Error).message}`);
    return 1;
  } finally {
    store.close();
  }
}

async function list(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(args, { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } });
  const dataDir = dataDirOf(values['data-dir'], io.env);
  const store = openExistingStore(dataDir, io.env);
  if (!store) {
    // No keys anywhere yet: an empty list, and in words, which folder was looked at.
    if (values.json) io.out('[]');
    else io.out(`No API keys: ${noDataMessage(dataDir)}\nCreate one with: vigil keys create --name NAME --type human`);
    return 0;
  }
  try {
    const all = store.keys.list().map(({ id: _id, ...key }) => key);
    if (values.json) {
      io.out(JSON.stringify(all));
    } else if (all.length === 0) {
      io.out(`No API keys yet in ${dataDir}. Create one with: vigil keys create --name NAME --type human`);
    } else {
      io.out(`API keys in ${dataDir}:`);
      for (const key of all) {
        const state = key.revoked_at ? 'revoked' : key.expires_at && Date.parse(key.expires_at) <= Date.now() ? 'expired' : 'active';
        io.out(`${key.uuid}  ${key.prefix}…  ${key.key_type.padEnd(5)}  ${state.padEnd(7)}  ${key.name}  [${key.scopes.join(',')}]`);
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

async function revoke(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseOptions(args, { 'data-dir': { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError('give exactly one key uuid or prefix to revoke');
  const wanted = positionals[0]!;
  const dataDir = dataDirOf(values['data-dir'], io.env);
  const store = openExistingStore(dataDir, io.env);
  if (!store) {
    io.err(`vigil keys revoke: no key ${wanted}: ${noDataMessage(dataDir)}`);
    return 1;
  }
  try {
    const matches = store.keys.list().filter((key) => key.uuid === wanted || key.prefix === wanted);
    if (matches.length !== 1) {
      io.err(matches.length === 0 ? `vigil keys revoke: no key ${wanted} in ${dataDir}` : `vigil keys revoke: ${wanted} matches several keys; use the uuid`);
      return 1;
    }
    const key = keysOf(store).revoke(matches[0]!.uuid);
    io.out(`Revoked key "${key.name}" (${key.uuid}) in ${dataDir}.`);
    return 0;
  } finally {
    store.close();
  }
}

export const command: Command = {
  summary: 'Create, list and revoke API keys',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const [sub, ...rest] = args;
      switch (sub) {
        case 'create':
          return create(rest, io);
        case 'list':
          return list(rest, io);
        case 'revoke':
          return revoke(rest, io);
        default:
          throw new UsageError(sub ? `unknown keys subcommand "${sub}"` : 'say create, list or revoke');
      }
    }),
};
