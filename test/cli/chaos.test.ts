// Chaos: under a steady load of executes, the server is SIGKILLed and restarted, and separately its
// sandbox process is SIGKILLed, several times. Afterwards every execute that was answered 202 has
// its run, no run is left queued or running, the database is intact, no run's side effect happened
// twice (a loopback receiver counts each run's call), and runs cut short show their journal.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, vigil, type ServeProcess } from '../helpers/cli.ts';
import { eventually } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
let current: ServeProcess | null = null;
let receiver: Server | null = null;
afterAll(async () => {
  current?.child.kill('SIGKILL');
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each run tells the receiver who it is, then holds its slot so that kills find runs mid-way. */
const CALLS_THEN_WAITS = `export async function run(ctx) {
  ctx.log.info("calling", { run: ctx.run.id });
  const res = await ctx.http.post(ctx.input.receiver + "/effect/" + ctx.run.id, { json: { ip: ctx.indicator.value } });
  ctx.log.info("called", { status: res.status });
  await ctx.sleep(ctx.input.hold_ms);
  return ctx.ok("done");
}
`;

const FINAL = new Set(['success', 'failed', 'timed_out', 'cancelled']);

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

describe('chaos', () => {
  it('loses no accepted run and repeats no side effect across repeated SIGKILLs of the server and of its sandbox', async () => {
    const effects = new Map<string, number>();
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = req.url!.split('/').at(-1)!;
        effects.set(id, (effects.get(id) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    const { stdout } = await vigil(['keys', 'create', '--name', 'chaos', '--type', 'human', '--scopes', 'admin', '--json', '--data-dir', dataDir]);
    const key = JSON.parse(stdout).key as string;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${current!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    current = await serve(dataDir);
    await call('PATCH', '/v1/settings', { run_concurrency: 8, execute_rate_limit_per_minute: 0 });
    const wf = await call('POST', '/v1/workflows', {
      name: 'chaos',
      code: CALLS_THEN_WAITS,
      state: 'active',
      approval_mode: 'never',
      allowed_hosts: ['127.0.0.1'],
    });
    const workflowUuid = wf.body.data.uuid as string;

    // The load: a few clients executing in a loop; only 202s count, refusals during a restart do not.
    const accepted: string[] = [];
    let loading = true;
    let n = 0;
    const client = async () => {
      while (loading) {
        try {
          const res = await call('POST', `/v1/workflows/${workflowUuid}/execute`, {
            indicator_type: 'ip',
            indicator_value: `198.51.100.${n++ % 250}`,
            // Long enough that a run picked mid-way is still running when its sandbox is killed,
            // even on a loaded machine (a run that finished first would never read as crashed).
            context: { receiver: receiverUrl, hold_ms: 1_500 },
          });
          if (res.status === 202) accepted.push(res.body.data.run_uuid);
          // Paced below the drain rate, so the queue stays short and drains quickly at the end.
          await new Promise((resolve) => setTimeout(resolve, 250));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const load = Promise.all([client(), client(), client()]);

    /**
     * A running run whose call has reached the receiver and whose journal already shows it (the
     * journal is committed in batches every 50 ms, so a kill in that window may cut the last entries).
     */
    const runMidWay = () =>
      eventually(async () => {
        try {
          const running = await call('GET', `/v1/workflow-runs?status=running&page_size=50`);
          for (const run of running.body.data as Array<{ uuid: string }>) {
            if (!effects.has(run.uuid)) continue;
            const detail = (await call('GET', `/v1/workflow-runs/${run.uuid}`)).body.data;
            if (detail.status === 'running' && detail.logs.some((entry: { http: unknown }) => entry.http)) return run.uuid;
          }
          return null;
        } catch {
          return null;
        }
      }, 'a run to be mid-way', 30_000);

    const cutShort: string[] = [];
    for (let round = 0; round < 3; round++) {
      cutShort.push(await runMidWay());
      const sandboxes = childPids(current.child.pid!);
      expect(sandboxes.length).toBeGreaterThan(0);
      for (const pid of sandboxes) process.kill(pid, 'SIGKILL');
      // The runs the sandbox had are recorded as crashed before the server itself goes down.
      await eventually(async () => (await call('GET', `/v1/workflow-runs/${cutShort.at(-1)}`)).body.data.status === 'failed', 'the sandbox crash to be recorded', 30_000);

      cutShort.push(await runMidWay());
      current.child.kill('SIGKILL');
      await current.exited;
      current = await serve(dataDir);
    }
    loading = false;
    await load;

    // Everything drains after the last restart.
    const allRuns = async () => {
      const out: Array<{ uuid: string; status: string; error: string | null }> = [];
      for (let page = 1; ; page++) {
        const list = await call('GET', `/v1/workflow-runs?workflow_uuid=${workflowUuid}&page_size=500&page=${page}`);
        out.push(...list.body.data);
        if (page >= list.body.meta.total_pages) return out;
      }
    };
    const runs = await eventually(async () => {
      const list = await allRuns();
      return list.every((run) => FINAL.has(run.status)) ? list : null;
    }, 'every run to end', 90_000);

    const byUuid = new Map(runs.map((run) => [run.uuid, run]));
    expect(accepted.length).toBeGreaterThan(10);
    for (const uuid of accepted) expect(byUuid.has(uuid), `accepted run ${uuid} exists`).toBe(true);
    for (const [id, count] of effects) expect(count, `side effect of run ${id}`).toBe(1);

    // Runs cut short show what they did before: their call went out, and the journal says so.
    for (const [i, uuid] of cutShort.entries()) {
      const detail = (await call('GET', `/v1/workflow-runs/${uuid}`)).body.data;
      expect(detail.status).toBe('failed');
      expect(detail.error).toContain(i % 2 === 0 ? 'sandbox crashed' : 'interrupted');
      const http = detail.logs.filter((entry: { http: unknown }) => entry.http);
      expect(http.length, `journal of ${uuid}`).toBeGreaterThan(0);
      expect(http[0].http.url).toContain(`/effect/${uuid}`);
      expect(detail.logs.at(-1).level).toBe('error');
    }
    // Every other run that ended with the server also says so, after whatever it had journaled.
    for (const run of runs.filter((r) => r.error === 'interrupted')) {
      const detail = (await call('GET', `/v1/workflow-runs/${run.uuid}`)).body.data;
      expect(detail.logs.at(-1).message).toMatch(/^interrupted: Vigil stopped while this run was running/);
    }

    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
    current = null;
    const db = new Database(join(dataDir, 'vigil.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status IN ('queued', 'running')").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 240_000);
});
