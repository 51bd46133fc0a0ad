// A team server for tests: several `vigil serve --database` processes on one fresh database of a
// private PostgreSQL cluster. Separate processes, as in production: instances in one test process
// would share one thread, and the store waits on that thread for each statement, so their
// transactions could never overlap the way two servers' do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNewMasterKeyFile } from '../../src/main/engine/index.ts';
import { serve, vigil, type ServeProcess } from './cli.ts';
import { apiRequest, testDatabase, type ApiResponse, type RequestOptions } from './server.ts';

export interface Team {
  database: string;
  instances: ServeProcess[];
  keys: { admin: string; human: string; agent: string };
  /** The environment an instance (or a data command) of this team runs with. */
  env: NodeJS.ProcessEnv;
  /** Starts one more instance on the team's database. */
  start(extra?: string[]): Promise<ServeProcess>;
  request<T = any>(instance: ServeProcess, method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function startTeam(count: number, extra: string[] = []): Promise<Team> {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-team-'));
  const database = await testDatabase();
  const keyFile = join(scratch, 'master.key');
  writeNewMasterKeyFile(keyFile);
  const env = { ...process.env, VIGIL_DATABASE_URL: database, VIGIL_MASTER_KEY_FILE: keyFile, VIGIL_DIAL_LOOPBACK_ONLY: '1' };
  // Keys made by the data command on the team's database, as an operator would.
  const create = async (name: string, type: 'human' | 'agent', scopes?: string) => {
    const made = await vigil(['keys', 'create', '--name', name, '--type', type, ...(scopes ? ['--scopes', scopes] : []), '--json'], {
      VIGIL_DATABASE_URL: database,
    });
    if (made.code !== 0) throw new Error(`vigil keys create failed: ${made.stderr}`);
    return (JSON.parse(made.stdout) as { key: string }).key;
  };
  const keys = { admin: await create('admin', 'human', 'admin'), human: await create('analyst', 'human'), agent: await create('agent', 'agent') };
  const instances: ServeProcess[] = [];
  let started = 0;
  const start = async (more: string[] = []) => {
    const instance = await serve(join(scratch, `instance-${++started}`), [...extra, ...more], env);
    instances.push(instance);
    return instance;
  };
  for (let i = 0; i < count; i++) await start();

  return {
    database,
    instances,
    keys,
    env,
    start,
    request: (instance, method, path, options = {}) => apiRequest(instance.url, method, path, { ...options, key: options.key ?? keys.admin }),
    async close() {
      for (const instance of instances) instance.child.kill('SIGTERM');
      await Promise.all(instances.map((instance) => instance.exited));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
