// A private PostgreSQL cluster for one test file, from the binaries of Debian's `postgresql`
// package: its own data folder, trust authentication, and a Unix socket in a folder only this
// process can reach, so nothing else on the machine can connect to it and it never takes a TCP port.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export interface PostgresCluster {
  /** a fresh, empty database's connection URL */
  createDatabase(): Promise<string>;
  /** The server's parent process, until an outage: every backend and worker of the cluster is its child (the benches count their CPU). */
  readonly postmasterPid: number;
  stop(): Promise<void>;
  /** Stops the server (as a restart or failover would), runs `during`, and starts it again. */
  outage<T>(during: () => Promise<T>): Promise<T>;
}

const run = promisify(execFile);
const SUPERUSER = 'vigil';

/** The folder of initdb and pg_ctl: the highest version Debian installed, else what pg_config says. */
export function postgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const highest = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debian, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a))[0];
    if (highest !== undefined) return join(debian, highest, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return existsSync(join(dir, 'pg_ctl')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** initdb refuses root; as root the cluster belongs to the `postgres` account the Debian package creates. */
function postgresAccount(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

const runningAsRoot = process.getuid?.() === 0;
const binDir = postgresBinDir();

export const postgresSkipReason: string | undefined =
  binDir === undefined
    ? 'PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin and no pg_config on the PATH); install the postgresql package to run these tests.'
    : runningAsRoot && postgresAccount() === undefined
      ? 'These tests run as root, which initdb refuses, and there is no postgres account to run PostgreSQL as.'
      : undefined;

export async function startPostgres(): Promise<PostgresCluster> {
  if (binDir === undefined) throw new Error(postgresSkipReason);
  const account = runningAsRoot ? postgresAccount() : undefined;
  if (runningAsRoot && account === undefined) throw new Error(postgresSkipReason);

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-pg-data-'));
  const socketDir = mkdtempSync(join(tmpdir(), 'vigil-pg-socket-'));
  const logFile = join(dataDir, 'server.log');
  const removeFolders = () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(socketDir, { recursive: true, force: true });
  };
  if (account) {
    chownSync(dataDir, account.uid, account.gid);
    // The server (postgres) creates the socket; root reaches it through the group, and nobody else
    // can, which matters because anyone who reaches a trust-authenticated socket is superuser.
    chownSync(socketDir, account.uid, 0);
    chmodSync(socketDir, 0o750);
  }

  // The cwd is one the postgres account can read: PostgreSQL's binaries look for their own path
  // through it, and complain when they cannot.
  const postgresTool = (tool: string, args: string[]) => {
    const command = join(binDir, tool);
    return account
      ? run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: tmpdir() })
      : run(command, args, { cwd: tmpdir() });
  };

  try {
    await postgresTool('initdb', ['-D', dataDir, '--auth=trust', '-U', SUPERUSER, '-E', 'UTF8', '--no-locale', '--no-sync']);
    // What a crash would lose does not matter for a cluster deleted after the tests: skipping the
    // flushes makes creating databases and committing several times faster.
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        "listen_addresses = ''",
        `unix_socket_directories = '${socketDir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    await postgresTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', 'start']);
  } catch (error) {
    const log = existsSync(logFile) ? `\n${readFileSync(logFile, 'utf8')}` : '';
    removeFolders();
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}${log}`, { cause: error });
  }

  const urlOf = (database: string) => `postgresql://${SUPERUSER}@/${database}?host=${encodeURIComponent(socketDir)}`;
  let databases = 0;
  let stopped: Promise<void> | undefined;
  // pg_ctl starts the server detached, so its pid is only in the lock file, on its first line.
  const postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  return {
    postmasterPid,
    async createDatabase() {
      const name = `vigil_test_${++databases}`;
      const admin = new pg.Client({ connectionString: urlOf('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return urlOf(name);
    },
    async outage(during) {
      await postgresTool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      try {
        return await during();
      } finally {
        await postgresTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', 'start']);
      }
    },
    stop() {
      // Immediate: nothing the tests wrote needs to survive, so there is no checkpoint to wait for.
      stopped ??= postgresTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).then(
        () => removeFolders(),
        (error: unknown) => {
          removeFolders();
          throw error;
        },
      );
      return stopped;
    },
  };
}
