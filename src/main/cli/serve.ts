import { createSandboxHost } from '../sandbox/index.ts';
import {
  checkPublicUrl,
  createKeychainStore,
  createLoginToken,
  CREDENTIALS_SERVICE,
  defaultDataDir,
  findMaterialRoot,
  isPostgresUrl,
  loginUrl,
  redactDatabaseUrl,
  startServer,
  type MasterKey,
} from '../engine/index.ts';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseOptions, UsageError, withUsage, type Command } from './command.ts';
import { masterKeyFromEnv } from './data.ts';

const help = `Usage: vigil serve [--host 127.0.0.1] [--port N|0] [--data-dir DIR]
                   [--public-url https://HOST[:PORT]] [--tls-cert FILE --tls-key FILE]
                   [--database postgres://… [--lease SECONDS]]

Runs Vigil headless: the engine, the REST API and the sandbox, on loopback unless told otherwise.
When ready it prints "Vigil listening on <url>", then a one-time login link for the console
(<url>/#login=<token>), and writes <data-dir>/server.json. When the OS keychain cannot be used it
says why and how to fix it (on stderr).
Ctrl-C (SIGINT) or SIGTERM drains running workflows and exits 0.

Options:
  --host HOST       address to bind (default 127.0.0.1). Anything but loopback (0.0.0.0, a LAN
                    address) needs --public-url: listening beyond this machine is explicit
  --port N          port; 0 picks a free one (default 0)
  --data-dir DIR    where the database lives (default $VIGIL_DATA_DIR, else the per-user data folder)
  --public-url URL  the https:// origin callers use (a TLS-terminating reverse proxy's address, or
                    this server's own with --tls-*). The Host and Origin checks accept it, and
                    links Vigil hands out (login, approval pages) use it
  --tls-cert FILE   PEM certificate chain: serve HTTPS directly (with --tls-key)
  --tls-key FILE    PEM private key for --tls-cert
  --database URL    store in this PostgreSQL (15 or later) database instead of the data folder's
                    SQLite file (default $VIGIL_DATABASE_URL). Several instances may share it,
                    each with its own --data-dir; they share one queue, one approval gate and
                    their events. Needs VIGIL_MASTER_KEY_FILE: the instances share secret values
                    through the database, sealed under that key
  --lease SECONDS   with --database: how long an instance may be silent before the others fail
                    its running runs as interrupted (default 30)

Environment:
  VIGIL_MASTER_KEY_FILE  seal secret values in the database under this master key instead of the
                         OS keychain (a server has none; see vigil master-key --help)`;

async function readPem(path: string, flag: string, cwd: string): Promise<string> {
  const text = await readFile(resolve(cwd, path), 'utf8').catch((error: Error) => {
    throw new UsageError(`${flag}: cannot read ${path}: ${error.message}`);
  });
  if (!text.includes('-----BEGIN ')) throw new UsageError(`${flag}: ${path} is not a PEM file`);
  return text;
}

export const command: Command = {
  summary: 'Run the engine and API headless (the console in a browser)',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values } = parseOptions(args, {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
        'public-url': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        database: { type: 'string' },
        lease: { type: 'string' },
      });
      const database = values.database ?? (io.env.VIGIL_DATABASE_URL || undefined);
      if (database !== undefined && !isPostgresUrl(database)) throw new UsageError('--database must be a postgres:// or postgresql:// URL');
      if (values.lease !== undefined && database === undefined) throw new UsageError('--lease goes with --database');
      const leaseSeconds = values.lease === undefined ? undefined : Number(values.lease);
      if (leaseSeconds !== undefined && !(Number.isFinite(leaseSeconds) && leaseSeconds >= 1 && leaseSeconds <= 3600)) {
        throw new UsageError(`--lease must be 1–3600 seconds, not ${values.lease}`);
      }
      if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
      if (values['public-url'] !== undefined) {
        try {
          checkPublicUrl(values['public-url']);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      }
      const tls =
        values['tls-cert'] === undefined
          ? undefined
          : { cert: await readPem(values['tls-cert'], '--tls-cert', io.cwd), key: await readPem(values['tls-key']!, '--tls-key', io.cwd) };
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not ${values.port}`);
      const dataDir = values['data-dir'] ?? defaultDataDir(io.env);
      // A server without a keychain seals secret values in its database under the operator's key.
      let master: MasterKey | null;
      try {
        master = masterKeyFromEnv(io.env, io.cwd);
      } catch (error) {
        io.err(`vigil serve: ${(error as Error).message}`);
        return 1;
      }
      if (database !== undefined && !master) {
        throw new UsageError(
          '--database needs VIGIL_MASTER_KEY_FILE: the instances sharing the database share secret values through it, sealed under the master key (see vigil master-key --help)',
        );
      }
      // Started by the first save or run, and stopped after five idle minutes, so an idle server is
      // one process (design-decisions.md § Engine performance).
      const executor = createSandboxHost();
      let server;
      try {
        server = await startServer({
          dataDir,
          ...(database === undefined ? {} : { database }),
          ...(leaseSeconds === undefined ? {} : { leaseMs: leaseSeconds * 1000 }),
          host: values.host,
          port,
          publicUrl: values['public-url'],
          tls,
          executor,
          secrets: master ? { sealedWith: master } : createKeychainStore(),
          credentials: master ? { sealedWith: master } : createKeychainStore({ service: CREDENTIALS_SERVICE }),
          log: { info: io.out, error: io.err },
          // The console bundle built from src/renderer (npm run serve builds it when missing), in the
          // checkout this runs from, whether from its sources or from out/cli.
          rendererDir: join(findMaterialRoot(), 'out', 'renderer'),
        });
      } catch (error) {
        await executor.close();
        io.err(`vigil serve: ${(error as Error).message}`);
        return 1;
      }
      // Listening before the address is announced: whoever reads it may ask for a stop at once, and
      // Node's default would end the process without draining runs or removing server.json.
      const stopRequested = new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.out(`Vigil listening on ${server.url}${server.publicUrl === server.url ? '' : ` (public URL ${server.publicUrl})`}`);
      io.out(`Console (one-time login link): ${loginUrl(server.publicUrl, createLoginToken(server.engine))}`);
      io.out(`Data folder: ${dataDir}`);
      if (database !== undefined) io.out(`Database: ${redactDatabaseUrl(database)} (PostgreSQL, shared by the instances that name it)`);
      if (master) io.out(`Secrets: sealed in the database under master key ${master.id} (VIGIL_MASTER_KEY_FILE)`);
      const keychain = await server.engine.keychain.check();
      if (keychain.state === 'unavailable') {
        io.err(
          [
            `Warning: the OS keychain is unavailable: ${keychain.why}`,
            '  Secret values, and the Slack, Teams, LLM and integration credentials, can be neither stored nor read;',
            '  runs of workflows that declare secrets will fail. The console says so on Secrets and Settings.',
            `  To fix it: ${keychain.fix}`,
          ].join('\n'),
        );
      }
      await stopRequested;
      io.out('Vigil: stopping (finishing runs in flight)…');
      await server.close();
      await executor.close();
      return 0;
    }),
};
