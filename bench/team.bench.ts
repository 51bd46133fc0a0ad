// The team server (issue 19): n = 1, 2, 3 `vigil serve` instances on one PostgreSQL database, each
// taking executes round-robin from 32 callers, on the shared perf harness's job (a small transform,
// then one call to a loopback upstream). Per n: runs completed per second until the queue drained,
// the CPU each run cost the instances and the cluster, and how much each run grew the database.
//
// No budgets: this machine has 2 cores, which the instances, their sandboxes, PostgreSQL and the
// load generator all share, so more instances cannot add throughput here; what the figures show is
// what a second or third instance costs, and how much of the work is the database's.
//
// DURATION (s of load per n, default 10); TEAM_SIZES (which n, default 1,2,3).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { KeyService, openStore, systemClock, writeNewMasterKeyFile } from '../src/main/engine/index.ts';
import { ROOT, VIGIL } from '../test/helpers/cli.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { treeCpuMs } from './proc.ts';
import type { BenchRow } from './types.ts';

const DURATION_S = Number(process.env.DURATION ?? 10);
const TEAM_SIZES = (process.env.TEAM_SIZES ?? '1,2,3').split(',').map(Number);
const CALLERS = 32;
const MAX_RETRY_WAIT_MS = 1000;
const DRAIN_TIMEOUT_MS = 600_000;
const body = JSON.stringify({ indicator_type: 'ip', indicator_value: '203.0.113.7' });

/** A `vigil serve` child, from the moment it is spawned: what the cleanup stops. */
interface Spawned {
  child: ChildProcess;
  dataDir: string;
  /** The last of what the instance printed: it may log per run, and only the end explains a failure. */
  output: () => string;
  exited: Promise<void>;
  pool?: Pool;
}

/** A listening instance, with a keep-alive connection pool to it. */
interface Instance extends Spawned {
  url: string;
  pool: Pool;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');

async function call(instance: Instance, key: string, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: string): Promise<Answer> {
  const res = await instance.pool.request({
    method,
    path,
    headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/**
 * `vigil serve` as test/helpers/cli.ts starts it, but the child is in `spawned` before it listens,
 * so a start that fails or hangs is still stopped by the cleanup.
 */
function startInstance(database: string, env: NodeJS.ProcessEnv, spawned: Spawned[]): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-team-'));
  const child = spawn(process.execPath, [VIGIL, 'serve', '--port', '0', '--data-dir', dataDir, '--database', database, '--lease', '30'], {
    cwd: ROOT,
    env,
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const self: Spawned = { child, dataDir, output: () => output, exited };
  spawned.push(self);
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start:\n${output}`)), 30_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited:\n${output}`));
    });
    const onListening = () => {
      const match = /Vigil listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onListening);
      resolve(Object.assign(self, { url: match[1]!, pool: new Pool(match[1]!, { connections: CALLERS }) }));
    };
    child.stdout!.on('data', onListening);
  });
}

async function stopInstance(instance: Spawned): Promise<void> {
  instance.child.kill('SIGTERM');
  // Every run is final by then, so the drain is quick; a hung instance must not keep the bench alive.
  const timeout = setTimeout(() => instance.child.kill('SIGKILL'), 30_000);
  await instance.exited;
  clearTimeout(timeout);
  await instance.pool?.close();
  rmSync(instance.dataDir, { recursive: true, force: true });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A loopback upstream answering `{"ok":true}`, counting the calls so a run executed twice shows. */
async function startUpstream(): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`, calls: () => calls };
}

interface Load {
  accepted: string[];
  refused: number;
  unexpected: Map<number, number>;
  startedAt: number;
}

/** CALLERS callers for DURATION_S, each sending to the instances in turn; a 503 waits out its Retry-After. */
async function load(instances: Instance[], key: string, workflow: string): Promise<Load> {
  const result: Load = { accepted: [], refused: 0, unexpected: new Map(), startedAt: Date.now() };
  const until = performance.now() + DURATION_S * 1000;
  const path = `/v1/workflows/${workflow}/execute`;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let turn = caller; performance.now() < until; turn++) {
        const answer = await call(instances[turn % instances.length]!, key, 'POST', path, body);
        if (answer.status === 202) {
          result.accepted.push(answer.json.data.run_uuid as string);
        } else if (answer.status === 503) {
          result.refused++;
          const seconds = Number(answer.headers['retry-after']);
          await sleep(Number.isFinite(seconds) ? Math.min(seconds * 1000, MAX_RETRY_WAIT_MS) : MAX_RETRY_WAIT_MS);
        } else {
          result.unexpected.set(answer.status, (result.unexpected.get(answer.status) ?? 0) + 1);
        }
      }
    }),
  );
  return result;
}

async function team(n: number, database: string, postmasterPid: number, keyFile: string, upstream: Awaited<ReturnType<typeof startUpstream>>): Promise<BenchRow[]> {
  // The key goes in before any instance starts, as `vigil keys create` would put it (opening the
  // store migrates the database).
  const store = openStore(database);
  let key: string;
  try {
    key = new KeyService(store, systemClock, console).create({ name: 'bench', key_type: 'human', scopes: ['admin'] }).secret;
  } finally {
    store.close();
  }

  const env = { ...process.env, VIGIL_MASTER_KEY_FILE: keyFile, VIGIL_DIAL_LOOPBACK_ONLY: '1' };
  const spawned: Spawned[] = [];
  const instances: Instance[] = [];
  const client = new pg.Client({ connectionString: database });
  try {
    for (let i = 0; i < n; i++) instances.push(await startInstance(database, env, spawned));
    await client.connect();

    const settings = { max_queued_runs: 100_000, execute_rate_limit_per_minute: 0 };
    const patched = await call(instances[0]!, key, 'PATCH', '/v1/settings', JSON.stringify(settings));
    if (patched.status !== 200) throw new Error(`PATCH /v1/settings answered ${patched.status}: ${JSON.stringify(patched.json)}`);
    for (const instance of instances) {
      await waitFor(`${instance.url} to read the new settings`, async () => {
        const seen = (await call(instance, key, 'GET', '/v1/settings')).json.data;
        return seen.max_queued_runs === settings.max_queued_runs && seen.execute_rate_limit_per_minute === 0;
      });
    }

    const code = `export async function run(ctx) {
  const res = await ctx.http.post(${JSON.stringify(upstream.url)}, { json: { v: ctx.indicator.value.split('.').reverse().join('.') } });
  return ctx.ok("done", { status: res.status });
}
`;
    const created = await call(
      instances[0]!,
      key,
      'POST',
      '/v1/workflows',
      JSON.stringify({ name: `team bench n=${n}`, code, state: 'active', approval_mode: 'never', allowed_hosts: ['127.0.0.1'] }),
    );
    if (created.status !== 201) throw new Error(`POST /v1/workflows answered ${created.status}: ${JSON.stringify(created.json)}`);
    const workflow = created.json.data.uuid as string;

    const size = async () => Number((await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes')).rows[0]!.bytes);
    const bytesBefore = await size();
    const callsBefore = upstream.calls();
    const instancesCpu = () => instances.reduce((sum, instance) => sum + treeCpuMs(instance.child.pid), 0);
    const instancesBefore = instancesCpu();
    const postgresBefore = treeCpuMs(postmasterPid);

    const result = await load(instances, key, workflow);

    const progress = async () =>
      (
        await client.query<{ pending: number; total: number; success: number; last: string | null }>(
          `SELECT COUNT(*) FILTER (WHERE r.status IN ('queued', 'running'))::int AS pending, COUNT(*)::int AS total,
                  COUNT(*) FILTER (WHERE r.status = 'success')::int AS success, MAX(r.finished_at) AS last
             FROM runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.uuid = $1`,
          [workflow],
        )
      ).rows[0]!;
    let final = await progress();
    const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (final.pending > 0 || final.total < result.accepted.length) {
      if (Date.now() > drainDeadline) throw new Error(`n=${n}: runs still pending after the drain timeout: ${JSON.stringify(final)}`);
      await sleep(100);
      final = await progress();
    }
    const instancesMs = instancesCpu() - instancesBefore;
    const postgresMs = treeCpuMs(postmasterPid) - postgresBefore;
    const bytesAfter = await size();

    const accepted = result.accepted.length;
    if (accepted === 0) throw new Error(`n=${n}: no execute was accepted`);
    const stored = new Set(
      (await client.query<{ uuid: string }>('SELECT r.uuid FROM runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.uuid = $1', [workflow])).rows.map((row) => row.uuid),
    );
    const lost = result.accepted.filter((uuid) => !stored.has(uuid)).length;
    const seconds = (Date.parse(final.last!) - result.startedAt) / 1000;
    console.log(
      `n=${n}: ${accepted} accepted, ${result.refused} refused (503), unexpected answers ${JSON.stringify(Object.fromEntries(result.unexpected))}; ` +
        `${final.success} succeeded, ${final.total - final.success} not; ${lost} accepted but not stored, ${final.total - accepted} stored but not accepted; ` +
        `upstream calls ${upstream.calls() - callsBefore}; last run ended ${seconds.toFixed(1)} s after the first request; ` +
        `database ${bytesAfter} bytes (${bytesBefore} before the load); load average ${loadAverage()}`,
    );

    const cpuTotal = instancesMs + postgresMs;
    return [
      { name: `team n=${n} runs/s`, value: accepted / seconds, unit: 'runs/s' },
      { name: `team n=${n} CPU per run (instances)`, value: instancesMs / accepted, unit: 'ms' },
      { name: `team n=${n} CPU per run (PostgreSQL)`, value: postgresMs / accepted, unit: 'ms' },
      { name: `team n=${n} database share of CPU`, value: cpuTotal > 0 ? (100 * postgresMs) / cpuTotal : 0, unit: '%' },
      { name: `team n=${n} DB bytes per run`, value: (bytesAfter - bytesBefore) / accepted, unit: 'bytes' },
    ];
  } catch (error) {
    for (const instance of spawned) console.error(`--- instance pid ${instance.child.pid}:\n${instance.output()}`);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
    await Promise.all(spawned.map(stopInstance));
  }
}

export async function bench(): Promise<BenchRow[]> {
  console.log(`load average at start (1, 5, 15 min): ${loadAverage()}; ${DURATION_S} s of load per n, ${CALLERS} callers`);
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-team-key-'));
  const keyFile = join(keyDir, 'master.key');
  writeNewMasterKeyFile(keyFile);
  const upstream = await startUpstream();
  const cluster = await startPostgres().catch((error: unknown) => {
    upstream.server.close();
    rmSync(keyDir, { recursive: true, force: true });
    throw error;
  });
  try {
    const rows: BenchRow[] = [];
    for (const n of TEAM_SIZES) rows.push(...(await team(n, await cluster.createDatabase(), cluster.postmasterPid, keyFile, upstream)));
    return rows;
  } finally {
    upstream.server.closeAllConnections();
    upstream.server.close();
    await cluster.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
}
