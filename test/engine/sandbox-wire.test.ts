// The engine's end of the sandbox wire: nothing a caller, a guest or an upstream sends can stop the
// engine; what cannot travel, or cannot be recorded, fails its own run with a clear error. And a
// run whose sandbox process dies keeps its journal.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLogEntry } from '../../src/shared/domain.ts';
import type { RunOutcome } from '../../src/main/sandbox/index.ts';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

const TERMINAL = ['success', 'failed', 'timed_out', 'cancelled'];

describe('the engine end of the wire', () => {
  let t: TestServer;
  let receiver: Server;
  let base: string;
  const calls: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    receiver = createServer((req, res: ServerResponse) => {
      calls.push(`${req.method} ${req.url}`);
      req.resume();
      if (req.url === '/deep') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`${'['.repeat(30_000)}${']'.repeat(30_000)}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"blocked":true}');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    await t.close();
    await closeSharedSandbox();
  });

  async function workflow(code: string, fields: Record<string, unknown> = {}) {
    const res = await t.request('POST', '/v1/workflows', { body: { name: `wire ${Math.random()}`, code, state: 'active', approval_mode: 'never', ...fields } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.uuid as string;
  }
  async function execute(uuid: string, context: unknown = null) {
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { body: { indicator_type: 'ip', indicator_value: '203.0.113.7', context } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.data.run_uuid as string;
  }
  async function run(uuid: string) {
    return (await t.request('GET', `/v1/workflow-runs/${uuid}`)).body.data;
  }
  async function finished(uuid: string) {
    return eventually(async () => {
      const data = await run(uuid);
      return TERMINAL.includes(data.status) ? data : null;
    }, `run ${uuid} to finish`);
  }
  /** The engine still serves and runs workflows. */
  async function stillUp() {
    const uuid = await workflow('export async function run(ctx) { return ctx.ok("alive"); }');
    expect(await finished(await execute(uuid))).toMatchObject({ status: 'success', result: { message: 'alive' } });
  }
  /**
   * Queues a run whose stored input is `inputJson`, as if it had reached the runs table whatever
   * caps the API applies, and waits for it to end (read from the store: the API's own answer for
   * such a run is another matter).
   */
  async function runWithInput(workflowUuid: string, inputJson: string) {
    const { store, scheduler } = t.server.engine;
    const wf = store.workflows.get(workflowUuid)!;
    const input = { indicator: { type: 'ip' as const, value: '203.0.113.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null };
    const { id } = store.runs.insertQueued({ workflow_id: wf.id, workflow_version: wf.code_version, trigger_type: 'human', trigger_key_id: null, reason: null, confidence: null, input, approval_id: null }, new Date().toISOString());
    store.db.prepare('UPDATE runs SET input = ? WHERE id = ?').run(inputJson, id);
    scheduler.notify();
    return eventually(async () => {
      const stored = store.runs.getById(id)!;
      return TERMINAL.includes(stored.status) ? stored : null;
    }, `run ${id} to finish`);
  }
  const nestedInput = (levels: number) => `{"indicator":{"type":"ip","value":"203.0.113.7","malice":null,"enrichment":null},"alert":null,"alert_uuid":null,"context":${'['.repeat(levels)}${']'.repeat(levels)}}`;

  it('a run whose sandbox process is killed fails "sandbox crashed" and keeps its journal', async () => {
    const uuid = await workflow(
      `export async function run(ctx) {
        ctx.log.info("blocking", { ip: ctx.indicator.value });
        const res = await ctx.http.post(ctx.input.url + "/block", { json: { ip: ctx.indicator.value } });
        ctx.log.info("firewall answered", { status: res.status });
        await ctx.sleep(60_000);
        return ctx.ok("never");
      }`,
      { allowed_hosts: ['127.0.0.1'], timeout_seconds: 120 },
    );
    const runUuid = await execute(uuid, { url: base });
    // Visible while the run is still running: the console can show a run's progress.
    const live = await eventually(async () => {
      const data = await run(runUuid);
      return data.status === 'running' && data.logs.some((e: RunLogEntry) => e.message === 'firewall answered') ? data : null;
    }, 'the journal of the running run');
    expect(live.logs.map((e: RunLogEntry) => e.message)).toEqual([
      'blocking',
      `POST ${base}/block sent, awaiting the answer`,
      expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/block → 200/),
      'firewall answered',
    ]);
    process.kill(t.sandbox.pid!, 'SIGKILL');
    const data = await finished(runUuid);
    expect(data).toMatchObject({ status: 'failed', error: 'sandbox crashed' });
    expect(data.logs.map((e: RunLogEntry) => e.message)).toEqual([...live.logs.map((e: RunLogEntry) => e.message), 'sandbox crashed']);
    expect(data.logs.map((e: RunLogEntry) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(data.logs[2].http).toMatchObject({ method: 'POST', url: `${base}/block`, status: 200 });
    await stillUp();
  });

  it('caller input nested deeper than anything can serialize fails its run with a clear error; the engine stays up', async () => {
    const uuid = await workflow('export async function run(ctx) { return ctx.ok(typeof ctx.input); }');
    const tooDeep = await runWithInput(uuid, nestedInput(100_000));
    expect(tooDeep.status).toBe('failed');
    expect(tooDeep.error).toMatch(/^the run's input could not be sent to the sandbox: it is nested too deeply/);
    // The reported case: 3,800 levels once took the engine down in the IPC channel's structured clone.
    const reported = await runWithInput(uuid, nestedInput(3_800));
    expect(reported.status).toBe('failed');
    expect(reported.error).toMatch(/nested too deeply|stack limit of 256 KB exceeded \(recursion or nesting too deep\)/);
    await stillUp();
  });

  it('a guest that returns or logs deeply nested data ends with a clear error; the engine stays up', async () => {
    // Far deeper than the guest's stack lets it serialize; on a loaded machine building it may use
    // up the CPU budget first, which is as clear an end.
    const tooDeep = /stack limit of 256 KB exceeded|nested too deeply|CPU limit of 5 s exceeded/;
    const cases: Array<[string, RegExp]> = [
      ['let a = []; for (let i = 0; i < 20000; i++) a = [a]; return ctx.ok("deep", a);', tooDeep],
      ['let a = 1; for (let i = 0; i < 150; i++) a = [a]; return ctx.ok("deep", a);', /^the result is nested too deeply \(more than 100 levels\)$/],
      ['let a = 1; for (let i = 0; i < 150; i++) a = { a }; ctx.log.info("deep", { a }); return ctx.ok("logged");', /log fields are nested too deeply \(more than 100 levels\)/],
      ['let a = []; for (let i = 0; i < 20000; i++) a = [a]; ctx.log.info("deep", { a }); return ctx.ok("logged");', tooDeep],
    ];
    const runs = await Promise.all(cases.map(async ([body]) => execute(await workflow(`export async function run(ctx) { ${body} }`))));
    for (const [i, runUuid] of runs.entries()) {
      const data = await finished(runUuid);
      expect(['failed', 'timed_out']).toContain(data.status);
      expect(data.error).toMatch(cases[i]![1]);
    }
    await stillUp();
  });

  it('an endpoint answering deeply nested JSON keeps the text, not the parsed form; the engine stays up', async () => {
    const res = await t.request('POST', '/v1/workflows', {
      body: { name: 'deep answer', kind: 'http_endpoint', state: 'active', approval_mode: 'never', allowed_hosts: ['127.0.0.1'], endpoint: { url: `${base}/deep` } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const data = await finished(await execute(res.body.data.uuid));
    expect(data.status, data.error).toBe('success');
    expect(data.result.data.json).toBeUndefined();
    expect(data.result.data.body).toHaveLength(60_000);
    await stillUp();
  });
});

describe("recording a run's end", () => {
  let t: TestServer;
  beforeAll(async () => {
    // An executor whose answer for one input cannot be stored (a BigInt is not JSON), standing in
    // for whatever makes the database refuse an outcome.
    const executor = {
      run: async (request: { input: { context: unknown } }): Promise<RunOutcome> => ({
        status: 'success',
        result: { success: true, message: 'answered', data: request.input.context === 'unstorable' ? { n: 10n } : null },
        error: null,
        logs: [],
        httpCalls: [],
        durationMs: 1,
      }),
    };
    t = await startTestServer({ executor: executor as never, log: { info: () => undefined, error: () => undefined } });
  });
  afterAll(async () => {
    await t.close();
    await closeSharedSandbox();
  });

  it('an outcome that cannot be recorded is recorded failed with the reason; the engine stays up', async () => {
    const wf = await t.request('POST', '/v1/workflows', { body: { name: 'unstorable', code: 'export async function run(ctx) { return ctx.ok("x"); }', state: 'active', approval_mode: 'never' } });
    const execute = async (context: unknown) => {
      const res = await t.request('POST', `/v1/workflows/${wf.body.data.uuid}/execute`, { body: { indicator_type: 'ip', indicator_value: '203.0.113.7', context } });
      const uuid = res.body.data.run_uuid as string;
      return eventually(async () => {
        const data = (await t.request('GET', `/v1/workflow-runs/${uuid}`)).body.data;
        return TERMINAL.includes(data.status) ? data : null;
      }, `run ${uuid} to finish`);
    };
    const unstorable = await execute('unstorable');
    expect(unstorable.status).toBe('failed');
    expect(unstorable.error).toMatch(/^Vigil could not record the run's outcome \(success\): .*BigInt/);
    expect(unstorable.logs.at(-1).message).toBe(unstorable.error);
    expect(await execute('fine')).toMatchObject({ status: 'success', result: { message: 'answered' } });
  });
});
