import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, vigil, type ServeProcess } from '../helpers/cli.ts';
import { eventually } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-restart-'));
const journalDir = mkdtempSync(join(tmpdir(), 'vigil-restart-journal-'));
let current: ServeProcess | null = null;
afterAll(async () => {
  current?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(journalDir, { recursive: true, force: true });
});

async function adminClient(dir: string) {
  const { stdout } = await vigil(['keys', 'create', '--name', 'admin', '--type', 'human', '--scopes', 'admin', '--json', '--data-dir', dir]);
  const key = JSON.parse(stdout).key as string;
  return async (url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as any;
  };
}

// Each run holds its slot for a while, so that at the kill some are running and some queued.
const SLOW = `export async function run(ctx) {
  await ctx.sleep(3000);
  return ctx.ok("slept", { n: ctx.input });
}
`;

describe('crash recovery', () => {
  it('loses nothing when the server is SIGKILLed mid-queue: running runs fail as interrupted, queued ones run', async () => {
    const api = await adminClient(dataDir);
    current = await serve(dataDir);
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

  it('a run cut short by a crash keeps what it did: its log lines and its HTTP call, then why it ended', async () => {
    const api = await adminClient(journalDir);
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(`${req.method} ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"blocked":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const firewall = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      current = await serve(journalDir);
      const url = current.url;
      const code = `export async function run(ctx) {
        ctx.log.info("blocking", { ip: ctx.indicator.value });
        const res = await ctx.http.post(ctx.input.firewall + "/block", { json: { ip: ctx.indicator.value } });
        ctx.log.info("firewall answered", { status: res.status });
        await ctx.sleep(600000);
        return ctx.ok("blocked");
      }`;
      const wf = await api(url, 'POST', '/v1/workflows', { name: 'block ip', code, state: 'active', approval_mode: 'never', allowed_hosts: ['127.0.0.1'], timeout_seconds: 900 });
      const run = await api(url, 'POST', `/v1/workflows/${wf.data.uuid}/execute`, { indicator_type: 'ip', indicator_value: '203.0.113.9', context: { firewall } });
      const runUuid = run.data.run_uuid as string;
      // The console can follow a run: its journal shows while it is still running.
      const live = await eventually(async () => {
        const res = await api(url, 'GET', `/v1/workflow-runs/${runUuid}`);
        return received.length === 1 && res.data.status === 'running' && res.data.logs.some((e: { message: string }) => e.message === 'firewall answered') ? res.data : null;
      }, 'the firewall call and the journal of the running run');
      expect(received).toEqual(['POST /block']);
      current.child.kill('SIGKILL');
      await current.exited;

      current = await serve(journalDir);
      const after = (await api(current.url, 'GET', `/v1/workflow-runs/${runUuid}`)).data;
      expect(after).toMatchObject({ status: 'failed', error: 'interrupted' });
      const messages = after.logs.map((e: { message: string }) => e.message);
      expect(messages).toEqual([
        'blocking',
        `POST ${firewall}/block sent, awaiting the answer`,
        expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/block → 200 \(/),
        'firewall answered',
        expect.stringMatching(/^interrupted: Vigil stopped while this run was running\. The entries above are what it did until then/),
      ]);
      expect(messages.slice(0, 4)).toEqual(live.logs.map((e: { message: string }) => e.message));
      expect(after.logs[2].http).toMatchObject({ method: 'POST', url: `${firewall}/block`, status: 200 });
      expect(after.logs[0].fields).toEqual({ ip: '203.0.113.9' });
      current.child.kill('SIGTERM');
      expect(await current.exited).toBe(0);
      current = null;
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 120_000);
});
