// A full run queue holds an execute briefly while runs are finishing, instead of refusing it at
// once: a caller that retries without waiting is then admitted at the rate runs drain. The runs
// here wait on a loopback upstream the test answers, so the test decides when a place frees.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let upstream: Server;
let upstreamUrl: string;
const waiting: ServerResponse[] = [];

beforeAll(async () => {
  t = await startTestServer();
  upstream = createServer((_req: IncomingMessage, res: ServerResponse) => {
    waiting.push(res);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/gate`;
});
afterAll(async () => {
  for (const res of waiting.splice(0)) res.end('{}');
  upstream.close();
  await t.close();
  await closeSharedSandbox();
});

const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers the oldest call the upstream is holding, once one arrives: its run then finishes. */
async function releaseOne(): Promise<void> {
  await eventually(async () => waiting.length > 0, 'a run to call the upstream');
  waiting.shift()!.end('{"ok":true}');
}

async function statusOf(runUuid: string): Promise<string> {
  return (await t.request('GET', `/v1/workflow-runs/${runUuid}`)).body.data.status;
}

/** A workflow whose runs each wait for the upstream's answer. */
async function gatedWorkflow(name: string): Promise<string> {
  const created = await t.request('POST', '/v1/workflows', {
    body: {
      name,
      state: 'active',
      approval_mode: 'never',
      allowed_hosts: ['127.0.0.1'],
      code: `export async function run(ctx) {\n  await ctx.http.get(${JSON.stringify(upstreamUrl)});\n  return ctx.ok("done");\n}\n`,
    },
  });
  expect(created.status).toBe(201);
  return created.body.data.uuid as string;
}

async function queuedOf(workflow: string): Promise<number> {
  return (await t.request('GET', `/v1/workflows/${workflow}/runs?status=queued`)).body.meta.total;
}

describe('admission while the run queue is full', () => {
  it('holds an execute until a place frees while runs finish, refuses at once while none do, and gives back the place of a caller that left', async () => {
    const uuid = await gatedWorkflow('gated by the upstream');
    const key = t.server.engine.keys.create({ name: 'retries at once', key_type: 'human' }).secret;
    const execute = () => t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body });
    // One run at a time; this key may hold five queued (half of ten, the smallest bound).
    expect((await t.request('PATCH', '/v1/settings', { body: { run_concurrency: 1, max_queued_runs: 10 } })).status).toBe(200);
    const share = 5;

    const first = await execute();
    expect(first.status).toBe(202);
    await eventually(async () => (await statusOf(first.body.data.run_uuid)) === 'running', 'the first run to start');
    for (let i = 0; i < share; i++) expect((await execute()).status).toBe(202);

    // Nothing has finished lately: waiting would be in vain, so the answer is an immediate 503.
    const stuck = await execute();
    expect(stuck.status).toBe(503);
    expect(stuck.body.error.code).toBe('QUEUE_FULL');
    expect(Number(stuck.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // A run finishes and the next starts: one place is free, and the queue is moving.
    await releaseOne();
    await eventually(async () => (await queuedOf(uuid)) === share - 1, 'the next run to start');
    expect((await execute()).status).toBe(202);

    // Full again, but draining: this execute waits for the place the next finished run frees.
    const held = execute();
    await pause(150);
    await releaseOne();
    const admitted = await held;
    expect(admitted.status).toBe(202);
    expect(admitted.body.data.status).toBe('queued');

    // A caller that gives up while held leaves nothing behind: no run, and its place is not kept.
    const abort = new AbortController();
    const leaving = fetch(`${t.url}/v1/workflows/${uuid}/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await pause(150);
    abort.abort();
    expect(await leaving).toBeInstanceOf(Error);
    const stored = (await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total;
    expect(stored).toBe(share + 3);
    await releaseOne();
    await eventually(async () => (await queuedOf(uuid)) === share - 1, 'a place to free');
    const next = await execute();
    expect(next.status).toBe(202);
    expect(await queuedOf(uuid)).toBe(share);

    // Every accepted run runs, and the queue never held more than this key's share.
    for (let i = 0; i < share + 1; i++) await releaseOne();
    await eventually(async () => {
      const runs = (await t.request('GET', `/v1/workflows/${uuid}/runs`)).body;
      return runs.meta.total === share + 4 && runs.data.every((run: { status: string }) => run.status === 'success');
    }, 'every accepted run to succeed');
  });

  it('holds an MCP execute_workflow the same way', async () => {
    const uuid = await gatedWorkflow('gated for an agent');
    const key = t.server.engine.keys.create({ name: 'agent over MCP', key_type: 'agent' }).secret;
    const execute = () =>
      t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body: { ...body, reason: 'admission test', confidence: 0.9 } });
    const share = 5;
    const first = await execute();
    await eventually(async () => (await statusOf(first.body.data.run_uuid)) === 'running', 'the first run to start');
    for (let i = 0; i < share; i++) expect((await execute()).status).toBe(202);
    await releaseOne();
    await eventually(async () => (await queuedOf(uuid)) === share - 1, 'the next run to start');
    expect((await execute()).status).toBe(202);

    const client = new Client({ name: 'admission-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      const held = client.callTool({
        name: 'execute_workflow',
        arguments: { workflow_uuid: uuid, ...body, reason: 'admission test over MCP', confidence: 0.9 },
      });
      await pause(150);
      await releaseOne();
      const result = (await held) as { isError?: boolean; content: Array<{ text: string }> };
      expect(result.isError, result.content[0]!.text).toBeFalsy();
      expect(JSON.parse(result.content[0]!.text)).toMatchObject({ status: 'queued' });
    } finally {
      await client.close();
    }
    for (let i = 0; i < share + 1; i++) await releaseOne();
    await eventually(async () => {
      const runs = (await t.request('GET', `/v1/workflows/${uuid}/runs`)).body;
      return runs.meta.total === share + 3 && runs.data.every((run: { status: string }) => run.status === 'success');
    }, 'every accepted run to succeed');
  });
});
