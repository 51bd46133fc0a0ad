import { describe, expect, it, vi } from 'vitest';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const t = testServer();

const LOOKUP = `export async function run(ctx) {
  const token = ctx.secrets.get("INTEL_TOKEN");
  const res = await ctx.http.get("https://intel.example.com/v1/ip/" + ctx.indicator.value, { headers: { authorization: "Bearer " + token } });
  ctx.log.info("intel answered", { status: res.status });
  if (!res.ok) return ctx.fail("intel " + res.status);
  return ctx.ok("scored", { score: res.json().score });
}
`;

const mocks = { responses: [{ method: 'GET', url: 'https://intel.example.com/v1/ip/*', status: 200, json: { score: 87 } }], default: 'error' };

describe('test endpoints', () => {
  it('runs unsaved code against mocks and lists every HTTP call with the mock that answered', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      key: t.keys.human,
      body: { code: LOOKUP, indicator_type: 'ip', indicator_value: '203.0.113.7', mocks, secrets: { INTEL_TOKEN: 'tok-123456' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: true, status: 'success', message: 'scored', data: { score: 87 } });
    expect(res.body.data.http_calls).toHaveLength(1);
    const call = res.body.data.http_calls[0];
    expect(call).toMatchObject({ method: 'GET', url: 'https://intel.example.com/v1/ip/203.0.113.7', status: 200, mock: 0 });
    expect(JSON.stringify(res.body)).not.toContain('tok-123456');
    expect(res.body.data.logs.some((log: { message: string }) => log.message === 'intel answered')).toBe(true);
    expect((await t.request('GET', '/v1/workflow-runs')).body.meta.total).toBe(0);
  });

  it('fails unmatched calls loudly when no mock answers (nothing leaves the machine)', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      key: t.keys.human,
      body: { code: LOOKUP, indicator_type: 'ip', indicator_value: '203.0.113.7', secrets: { INTEL_TOKEN: 'x' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.success).toBe(false);
    expect(res.body.data.http_calls[0].mock).toBeNull();
  });

  it('refuses invalid mocks (422) and code the linter refuses (400)', async () => {
    const badMocks = await t.request('POST', '/v1/workflows/test', {
      key: t.keys.human,
      body: { code: LOOKUP, indicator_type: 'ip', indicator_value: '1.2.3.4', mocks: { responses: [{ url: 5 }] } },
    });
    expect(badMocks.status).toBe(422);
    expect(badMocks.body.error.details.problems[0].field).toBe('body.mocks');
    const badCode = await t.request('POST', '/v1/workflows/test', {
      key: t.keys.human,
      body: { code: 'export async function run(ctx) { return require("fs"); }', indicator_type: 'ip', indicator_value: '1.2.3.4' },
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.error.code).toBe('WORKFLOW_CODE_INVALID');
    const noCode = await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { indicator_type: 'ip', indicator_value: '1.2.3.4' } });
    expect(noCode.status).toBe(422);
  });

  it('never reads the keychain: a saved workflow\'s declared secrets are placeholders unless the request gives them', async () => {
    // The exfiltration a workflows:write key could try: hex is no form the redactor hides.
    const EXFILTRATE = `import { hexEncode } from "vigil";
export async function run(ctx) {
  return ctx.ok(hexEncode(new TextEncoder().encode(ctx.secrets.get("RT_SECRET") ?? "null")));
}
`;
    const hex = (text: string) => Buffer.from(text).toString('hex');
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'exfiltrate', code: EXFILTRATE, secrets: ['RT_SECRET', 'OTHER'] } });
    await t.request('PUT', '/v1/secrets/RT_SECRET', { body: { value: 'keychain-secret-value' } });
    await t.request('PUT', '/v1/secrets/OTHER', { body: { value: 'other-keychain-value' } });
    const reads = vi.spyOn(t.server.engine.secrets, 'get');
    const credentialReads = vi.spyOn(t.server.engine.credentials, 'get');
    try {
      const placeholder = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/test`, {
        key: t.keys.human,
        body: { indicator_type: 'ip', indicator_value: '198.51.100.1' },
      });
      expect(placeholder.status).toBe(200);
      expect(placeholder.body.data.message).toBe(hex('test-value-of-RT_SECRET'));
      expect(placeholder.body.data.secrets).toEqual([
        { name: 'RT_SECRET', source: 'placeholder' },
        { name: 'OTHER', source: 'placeholder' },
      ]);
      expect(JSON.stringify(placeholder.body)).not.toContain(hex('keychain-secret-value'));

      const given = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/test`, {
        key: t.keys.human,
        body: { indicator_type: 'ip', indicator_value: '198.51.100.1', secrets: { RT_SECRET: 'given-test-value' } },
      });
      expect(given.body.data.message).toBe(hex('given-test-value'));
      expect(given.body.data.secrets).toEqual([
        { name: 'RT_SECRET', source: 'request' },
        { name: 'OTHER', source: 'placeholder' },
      ]);

      const unsaved = await t.request('POST', '/v1/workflows/test', {
        key: t.keys.human,
        body: { code: EXFILTRATE, indicator_type: 'ip', indicator_value: '198.51.100.1', declared_secrets: ['RT_SECRET'] },
      });
      expect(unsaved.body.data.message).toBe(hex('test-value-of-RT_SECRET'));
      expect(unsaved.body.data.secrets).toEqual([{ name: 'RT_SECRET', source: 'placeholder' }]);
      expect(reads).not.toHaveBeenCalled();
      expect(credentialReads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
      credentialReads.mockRestore();
    }
  });

  it('redacts test values from the report and is not open to agent keys', async () => {
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'intel', code: LOOKUP, secrets: ['INTEL_TOKEN'] } });
    const res = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/test`, {
      key: t.keys.human,
      body: { indicator_type: 'ip', indicator_value: '198.51.100.1', mocks, secrets: { INTEL_TOKEN: 'request-secret-value' } },
    });
    expect(res.body.data.success).toBe(true);
    expect(res.body.data.http_calls[0].request_headers.authorization).toBe('Bearer [REDACTED]');
    expect(JSON.stringify(res.body)).not.toContain('request-secret-value');
    const agent = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/test`, {
      key: t.keys.agent,
      body: { indicator_type: 'ip', indicator_value: '198.51.100.1', mocks },
    });
    expect(agent.status).toBe(403);
  });

  it('tests a scheduled workflow as its schedule runs it: no indicator, the occurrence given, and still refuses an indicator workflow without one', async () => {
    const SEES = 'export async function run(ctx) {\n  return ctx.ok("seen", { indicator: ctx.indicator, scheduled_for: ctx.run.scheduled_for });\n}\n';
    const scheduled = await t.request('POST', '/v1/workflows', {
      body: { name: 'nightly sweep', code: SEES, workflow_type: 'scheduled', schedule: { cron: '0 2 * * *', timezone: 'UTC' } },
    });
    expect(scheduled.status).toBe(201);
    const occurrence = '2026-12-07T02:00:00.000Z';
    const run = await t.request('POST', `/v1/workflows/${scheduled.body.data.uuid}/test`, { body: { scheduled_for: occurrence, context: { days: 90 } } });
    expect(run.status).toBe(200);
    expect(run.body.data).toMatchObject({ success: true, data: { indicator: null, scheduled_for: occurrence } });

    const unsaved = await t.request('POST', '/v1/workflows/test', { body: { code: SEES } });
    expect(unsaved.body.data).toMatchObject({ success: true, data: { indicator: null, scheduled_for: null } });

    const indicatorWorkflow = await t.request('POST', '/v1/workflows', { body: { name: 'needs an indicator', code: SEES } });
    const missing = await t.request('POST', `/v1/workflows/${indicatorWorkflow.body.data.uuid}/test`, { body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.problems.map((problem: { field: string }) => problem.field)).toEqual(['body.indicator_type', 'body.indicator_value']);
    const half = await t.request('POST', '/v1/workflows/test', { body: { code: SEES, indicator_type: 'ip' } });
    expect(half.status).toBe(422);
    expect(half.body.error.details.problems).toEqual([expect.objectContaining({ field: 'body.indicator_value' })]);
    const badTime = await t.request('POST', '/v1/workflows/test', { body: { code: SEES, scheduled_for: 'tomorrow' } });
    expect(badTime.status).toBe(422);
  });
});

describe('test runs of computing code', () => {
  // Test runs run the caller's code; one that only computes holds its worker for its CPU limit
  // (5 s). Before they had a worker of their own, twenty of these held an agent's run for 50 s.
  const SPIN = 'export async function run(ctx) {\n  for (;;) {}\n}\n';

  it('two per key: a key\'s third is refused (429), and an agent\'s run does not wait for them', async () => {
    const workflow = await t.request('POST', '/v1/workflows', { body: { name: 'agent workflow', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never', indicator_types: ['ip'] } });
    expect(workflow.status).toBe(201);
    const answered: number[] = [];
    const spins = [0, 1].map((i) =>
      t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { code: SPIN } }).then((res) => {
        answered.push(i);
        return res;
      }),
    );
    // The test runs are in progress once a third is refused.
    const third = await eventually(async () => {
      const res = await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { code: SPIN } });
      return res.status === 429 ? res : null;
    }, 'a third test run to be refused');
    expect(third.body.error.code).toBe('TEST_RUNS_BUSY');
    expect(third.headers.get('retry-after')).toBe('1');

    const executed = await t.request('POST', `/v1/workflows/${workflow.body.data.uuid}/execute`, {
      key: t.keys.agent,
      body: { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'seen in phishing', confidence: 0.9 },
    });
    expect(executed.status, JSON.stringify(executed.body)).toBe(202);
    const run = await eventually(async () => {
      const res = await t.request('GET', `/v1/workflow-runs/${executed.body.data.run_uuid}`);
      return res.body.data.status === 'success' ? res.body.data : null;
    }, 'the agent run to succeed');
    expect(run.status).toBe('success');
    // Recorded while both test runs, 5 s of CPU each on the test worker, were still going.
    expect(answered).toEqual([]);

    for (const res of await Promise.all(spins)) {
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ status: 'timed_out', error: expect.stringMatching(/CPU limit of 5 s exceeded/) });
    }
    expect(answered).toEqual([0, 1]);
  }, 60_000);

  it('gives a key\'s place back when its caller goes away: the test run is cancelled', async () => {
    // Asleep for ten minutes: only a cancel ends these before the test gives up waiting.
    const SLEEP = 'export async function run(ctx) {\n  await ctx.sleep(600_000);\n  return ctx.ok("woke");\n}\n';
    const TRIVIAL = 'export async function run(ctx) {\n  return ctx.ok("quick");\n}\n';
    const callers = [new AbortController(), new AbortController()];
    const sleeping = callers.map((controller) =>
      fetch(`${t.url}/v1/workflows/test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: SLEEP, timeout_seconds: 3600 }),
        signal: controller.signal,
      }).catch(() => null),
    );
    await eventually(async () => (await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { code: TRIVIAL } })).status === 429, 'both to be in progress');
    for (const controller of callers) controller.abort();
    await Promise.all(sleeping);
    const quick = await eventually(async () => {
      const res = await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { code: TRIVIAL } });
      return res.status === 200 ? res : null;
    }, 'the places to be given back');
    expect(quick.body.data).toMatchObject({ status: 'success', message: 'quick' });
  });
});
