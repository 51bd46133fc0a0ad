// `kill -9` of one `vigil serve --database` instance under load: once its lease runs out, another
// instance on the same PostgreSQL database fails the runs it was running as interrupted (with their
// journal) and runs the ones it had queued. Nothing accepted is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNewMasterKeyFile } from '../../src/main/engine/index.ts';
import { serve, vigil, type ServeProcess } from '../helpers/cli.ts';
import { postgresSkipReason } from '../helpers/postgres.ts';
import { closeSharedSandbox, eventually, startTestServer, testDatabase, type TestServer } from '../helpers/server.ts';

const scratch = mkdtempSync(join(tmpdir(), 'vigil-failover-'));
let killed: ServeProcess | null = null;
let survivor: TestServer | null = null;
afterAll(async () => {
  killed?.child.kill('SIGKILL');
  await survivor?.close();
  await closeSharedSandbox();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(postgresSkipReason)('an instance killed under load', () => {
  it('has its running runs failed as interrupted after the lease, and its queued runs run elsewhere', async () => {
    const url = await testDatabase();
    survivor = await startTestServer({ database: url, leaseMs: 2000 });
    const survivorId = survivor.server.engine.store.cluster!.instanceId;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const claimedBy = async (path: string) =>
      (await client.query<{ claimed_by: string | null }>('SELECT claimed_by FROM runs WHERE uuid = $1', [path.slice(1)])).rows[0]?.claimed_by;
    const held: ServerResponse[] = [];
    let answerAll = false;
    const calls: string[] = [];
    // Only the doomed instance's calls are held. The survivor claims queued runs on its heartbeat
    // (every 667 ms) even before the kill, whenever the doomed instance has not claimed them yet:
    // those are answered at once and simply succeed.
    const upstream = createServer((req, res) => {
      calls.push(req.url ?? '');
      if (answerAll) {
        res.end('{"ok":true}');
        return;
      }
      void claimedBy(req.url ?? '').then((by) => {
        if (by === survivorId) res.end('{"ok":true}');
        else held.push(res);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    try {
      const t = survivor;
      expect((await t.request('PATCH', '/v1/settings', { body: { run_concurrency: 3 } })).status).toBe(200);
      const created = await t.request('POST', '/v1/workflows', {
        body: {
          name: 'waits on the upstream',
          state: 'active',
          approval_mode: 'never',
          allowed_hosts: ['127.0.0.1'],
          code: `export async function run(ctx) {\n  ctx.log.info("calling the upstream");\n  await ctx.http.get(${JSON.stringify(upstreamUrl)} + "/" + ctx.run.id);\n  return ctx.ok("answered");\n}\n`,
        },
      });
      expect(created.status).toBe(201);
      const workflow = created.body.data.uuid as string;

      const keyFile = join(scratch, 'master.key');
      writeNewMasterKeyFile(keyFile);
      killed = await serve(join(scratch, 'doomed'), ['--database', url, '--lease', '2'], {
        ...process.env,
        VIGIL_MASTER_KEY_FILE: keyFile,
        VIGIL_DIAL_LOOPBACK_ONLY: '1',
      });
      const accepted: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${killed.url}/v1/workflows/${workflow}/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json' },
          body: JSON.stringify({ indicator_type: 'ip', indicator_value: `192.0.2.${i}` }),
        });
        expect(res.status).toBe(202);
        accepted.push(((await res.json()) as { data: { run_uuid: string } }).data.run_uuid);
      }
      // Three running on the doomed instance, each waiting for the upstream; the rest queued (or run
      // by the survivor already).
      await eventually(async () => held.length === 3, 'three runs to call the upstream');
      // Their journal is written every 50 ms; the kill comes once it holds what they did.
      await eventually(async () => {
        const all = await Promise.all(accepted.map(async (uuid) => (await t.request('GET', `/v1/workflow-runs/${uuid}`)).body.data));
        return all.filter((run) => run.status === 'running' && run.logs.some((entry: { message: string }) => entry.message === 'calling the upstream')).length === 3;
      }, 'the three runs to journal their call');

      killed.child.kill('SIGKILL');
      await killed.exited;
      answerAll = true;
      for (const res of held.splice(0)) res.destroy();

      const runs = await eventually(
        async () => {
          const all = await Promise.all(accepted.map(async (uuid) => (await t.request('GET', `/v1/workflow-runs/${uuid}`)).body.data));
          return all.every((run) => run.status === 'success' || run.status === 'failed') ? all : null;
        },
        'every accepted run to end',
        60_000,
      );
      const interrupted = runs.filter((run) => run.status === 'failed');
      expect(interrupted).toHaveLength(3);
      for (const run of interrupted) {
        expect(run.error).toBe('interrupted');
        const messages = run.logs.map((entry: { message: string }) => entry.message);
        expect(messages[0]).toBe('calling the upstream');
        expect(messages.at(-1)).toMatch(/^interrupted: Vigil stopped while this run was running/);
      }
      expect(runs.filter((run) => run.status === 'success')).toHaveLength(7);
      expect(calls).toHaveLength(10);

      // The seven that were queued ran on the instance that survived.
      const { rows } = await client.query<{ claimed_by: string }>(`SELECT claimed_by FROM runs WHERE status = 'success' AND uuid = ANY($1)`, [accepted]);
      expect(new Set(rows.map((row) => row.claimed_by))).toEqual(new Set([survivorId]));
    } finally {
      upstream.close();
      await client.end();
    }
  }, 120_000);
});

describe('vigil serve --database', () => {
  it('refuses what cannot work before starting: not a PostgreSQL URL, no master key, a lease without a database, a database it cannot reach', async () => {
    const dataDir = join(scratch, 'refused');
    const env = { VIGIL_MASTER_KEY_FILE: '' };
    const notPostgres = await vigil(['serve', '--database', 'mysql://db/vigil', '--data-dir', dataDir], env);
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.stderr).toMatch(/--database must be a postgres:\/\/ or postgresql:\/\/ URL/);
    const noKey = await vigil(['serve', '--data-dir', dataDir], { ...env, VIGIL_DATABASE_URL: 'postgres://vigil@/vigil?host=/nowhere' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--database needs VIGIL_MASTER_KEY_FILE/);
    const lease = await vigil(['serve', '--lease', '5', '--data-dir', dataDir], env);
    expect(lease.code).toBe(2);
    expect(lease.stderr).toMatch(/--lease goes with --database/);

    const keyFile = join(scratch, 'refused.key');
    writeNewMasterKeyFile(keyFile);
    const unreachable = await vigil(['serve', '--database', 'postgres://vigil:hunter2@/vigil?host=/nowhere', '--data-dir', dataDir], { VIGIL_MASTER_KEY_FILE: keyFile });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^vigil serve: Cannot reach PostgreSQL at postgres:\/\/vigil:\*\*\*@\/vigil\?host=\/nowhere: /);
    expect(unreachable.stderr + unreachable.stdout).not.toContain('hunter2');
  });
});

