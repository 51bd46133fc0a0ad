import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, vigil, type ServeProcess } from '../helpers/cli.ts';
import { eventually } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-restart-'));
let current: ServeProcess | null = null;
afterAll(async () => {
  current?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

// Each run holds its slot for a while, so that at the kill some are running and some queued.
const SLOW = `export async function run(ctx) {
  await ctx.sleep(3000);
  return ctx.ok("slept", { n: ctx.input });
}
`;

describe('crash recovery', () => {
  it('loses nothing when the server is SIGKILLed mid-queue: running runs fail as interrupted, queued ones run', async () => {
    const { stdout } = await vigil(['keys', 'create', '--name', 'admin', '--type', 'human', '--scopes', 'admin', '--json', '--data-dir', dataDir]);
    const key = JSON.parse(stdout).key as string;
    current = await serve(dataDir);
    const api = async (url: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return (await res.json()) as any;
    };
    await api(current.url, 'PATCH', '/v1/settings', { run_concurrency: 2, execute_rate_limit_per_minute: 0 });
    const wf = await api(current.url, 'POST', '/v1/workflows', { name: 'slow', code: SLOW, state: 'active', approval_mode: 'never' });
    const accepted: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await api(current.url, 'POST', `/v1/workflows/${wf.data.uuid}/execute`, {
        indicator_type: 'ip',
        indicator_value: `10.0.0.${i}`,
        context: i,
      });
      accepted.push(res.data.run_uuid);
    }
    const url = current.url;
    await eventually(async () => {
      const running = await api(url, 'GET', '/v1/workflow-runs?status=running');
      return running.meta.total === 2;
    }, 'two runs running');
    current.child.kill('SIGKILL');
    await current.exited;

    current = await serve(dataDir);
    const restarted = current.url;
    await api(restarted, 'PATCH', '/v1/settings', { run_concurrency: 8 });
    const all = await eventually(async () => {
      const list = await api(restarted, 'GET', `/v1/workflow-runs?workflow_uuid=${wf.data.uuid}&page_size=100`);
      const open = list.data.filter((run: { status: string }) => run.status === 'queued' || run.status === 'running');
      return open.length === 0 ? list : null;
    }, 'every run to end after the restart', 30_000);
    expect(all.meta.total).toBe(8);
    expect(new Set(all.data.map((run: { uuid: string }) => run.uuid))).toEqual(new Set(accepted));
    const interrupted = all.data.filter((run: { status: string; error: string }) => run.status === 'failed' && run.error === 'interrupted');
    const succeeded = all.data.filter((run: { status: string }) => run.status === 'success');
    expect(interrupted.length).toBe(2);
    expect(succeeded.length).toBe(6);
    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
    current = null;
  }, 120_000); // two server starts, a key, eight executes and 3 s runs: slow on a loaded 2-core box
});
