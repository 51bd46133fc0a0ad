import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../../helpers/server.ts';
import { startLlmStub, type LlmStub } from './stub.ts';
import { answer, GOOD_CODE, REQUIRE_CODE, TYPE_ERROR_CODE, WRONG_MOCKS } from './fixtures.ts';

const VIGIL_DTS = readFileSync(join(import.meta.dirname, '..', '..', '..', 'src', 'shared', 'vigil.d.ts'), 'utf8');
const API_KEY = 'sk-ant-test-0123456789abcdef';

let t: TestServer;
let stub: LlmStub;

beforeAll(async () => {
  [t, stub] = await Promise.all([startTestServer(), startLlmStub()]);
});
afterAll(async () => {
  await stub.close();
  await t.close();
  await closeSharedSandbox();
});

const generate = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request('POST', '/v1/workflows/generate', { key: t.keys.human, body, headers });

async function useAnthropic(extra: Record<string, unknown> = {}) {
  const res = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'anthropic', base_url: stub.url, api_key: API_KEY, ...extra } });
  expect(res.status).toBe(200);
}

async function useOpenAi(extra: Record<string, unknown> = {}) {
  const res = await t.request('PUT', '/v1/settings/llm', {
    body: { provider: 'openai_compatible', base_url: stub.openaiUrl, model: 'qwen2.5-coder:14b', api_key: null, ...extra },
  });
  expect(res.status).toBe(200);
}

/** The text of every message the model was sent in one request, flattened. */
function anthropicTranscript(body: any): string {
  return JSON.stringify(body.messages);
}

/** Whether the stub saw the client drop the request within a few seconds. */
async function closedSoon(request: { aborted: boolean }): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (!request.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return request.aborted;
}

/** Reads a text/event-stream body into its events. */
function parseEvents(text: string): Array<{ event: string; data: any }> {
  return text
    .split('\n\n')
    .map((block) => {
      const event = block.match(/^event: (.*)$/m)?.[1];
      const data = block.match(/^data: (.*)$/m)?.[1];
      return event && data ? { event, data: JSON.parse(data) } : null;
    })
    .filter((entry): entry is { event: string; data: any } => entry !== null);
}

describe('LLM settings', () => {
  it('starts unconfigured, and generation says so with 400 LLM_NOT_CONFIGURED', async () => {
    const settings = await t.request('GET', '/v1/settings/llm');
    expect(settings.status).toBe(200);
    expect(settings.body.data).toEqual({
      provider: null,
      model: null,
      base_url: null,
      timeout_seconds: 120,
      structured_output: 'json_schema',
      api_key_set: false,
      configured: false,
      effective_model: null,
    });
    const res = await generate({ description: 'Block an IP on the firewall' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('LLM_NOT_CONFIGURED');
    expect(res.body.error.message).toMatch(/PUT \/v1\/settings\/llm/);
    expect(res.body.error.details).toEqual({ missing: ['provider'] });
  });

  it('keeps the API key in the credentials keychain only: write-only, never in SQLite or a response', async () => {
    const anthropicOnly = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'anthropic' } });
    expect(anthropicOnly.body.data).toMatchObject({ provider: 'anthropic', api_key_set: false, configured: false, effective_model: 'claude-sonnet-5-5' });
    const noKey = await generate({ description: 'x' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.details).toEqual({ missing: ['api_key'] });

    const put = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'anthropic', api_key: API_KEY, timeout_seconds: 30 } });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ provider: 'anthropic', api_key_set: true, configured: true, timeout_seconds: 30 });
    expect(JSON.stringify(put.body)).not.toContain(API_KEY);
    expect(await t.server.engine.credentials.get('LLM_ANTHROPIC_API_KEY')).toBe(API_KEY);

    // Absent keeps the key; the GET never shows it.
    await t.request('PUT', '/v1/settings/llm', { body: { provider: 'anthropic', model: 'claude-opus-5-5' } });
    const got = await t.request('GET', '/v1/settings/llm');
    expect(got.body.data).toMatchObject({ api_key_set: true, model: 'claude-opus-5-5', effective_model: 'claude-opus-5-5', timeout_seconds: 120 });
    expect(JSON.stringify(got.body)).not.toContain(API_KEY);
    const general = await t.request('GET', '/v1/settings');
    expect(JSON.stringify(general.body)).not.toContain(API_KEY);

    const rows = t.server.engine.store.db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
    expect(rows.some((row) => row.key === 'llm.provider')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(API_KEY);
    for (const file of ['vigil.db', 'vigil.db-wal']) {
      let bytes = Buffer.alloc(0);
      try {
        bytes = readFileSync(join(t.dataDir, file));
      } catch {
        // No WAL file at this moment: nothing to scan.
      }
      expect(bytes.includes(Buffer.from(API_KEY))).toBe(false);
    }

    // null deletes it.
    const deleted = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'anthropic', api_key: null } });
    expect(deleted.body.data.api_key_set).toBe(false);
    expect(await t.server.engine.credentials.get('LLM_ANTHROPIC_API_KEY')).toBeNull();
  });

  it('validates the settings and is for admins only', async () => {
    const bad = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'openai_compatible', base_url: 'ftp://x' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect(bad.body.error.details.problems.map((p: { field: string }) => p.field).sort()).toEqual(['body.base_url', 'body.model']);
    const unknown = await t.request('PUT', '/v1/settings/llm', { body: { provider: 'openai', api_key: 'x' } });
    expect(unknown.status).toBe(422);
    const analyst = await t.request('GET', '/v1/settings/llm', { key: t.keys.human });
    expect(analyst.status).toBe(403);
    const agentPut = await t.request('PUT', '/v1/settings/llm', { key: t.keys.agent, body: { provider: null } });
    expect(agentPut.status).toBe(403);
    const agentGenerate = await t.request('POST', '/v1/workflows/generate', { key: t.keys.agent, body: { description: 'x' } });
    expect(agentGenerate.status).toBe(403);
  });
});

describe('generation with Anthropic', () => {
  beforeEach(async () => {
    await useAnthropic();
  });

  it('sends the real contract and lint rules, and repairs a `require("fs")` answer on attempt 2', async () => {
    stub.script({ kind: 'answer', value: answer(REQUIRE_CODE) }, { kind: 'answer', value: answer(GOOD_CODE) });
    const res = await generate({ description: 'Block the IP on our perimeter firewall', workflow_type: 'indicator', indicator_types: ['ip'] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      generated_code: GOOD_CODE,
      suggested_name: 'Block IP on the firewall',
      suggested_documentation: expect.stringContaining('FIREWALL_API_TOKEN'),
      suggested_secrets: ['FIREWALL_API_TOKEN'],
      suggested_allowed_hosts: ['fw.example.com'],
      suggested_mocks: answer(GOOD_CODE).mocks,
      suggested_test_input: { indicator_type: 'ip', indicator_value: '203.0.113.7', context: null, alert: null },
      warnings: [],
      attempts: 2,
      checks: { lint: 'passed', typecheck: 'passed', test: 'passed' },
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
    });

    expect(stub.requests).toHaveLength(2);
    const [first, second] = stub.requests;
    expect(first!.path).toBe('/v1/messages');
    expect(first!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first!.body.model).toBe('claude-sonnet-5-5');
    expect(first!.body.stream).toBe(true);
    expect(first!.body.tool_choice).toEqual({ type: 'tool', name: 'submit_workflow' });
    expect(first!.body.tools[0].input_schema.required).toContain('mocks');
    const system: string = first!.body.system[0].text;
    expect(system).toContain(VIGIL_DTS.trimEnd());
    expect(system).toContain('### no-require (error)');
    expect(system).toContain('### no-node-globals (error)');
    expect(system).toMatch(/CPU 5 s per run/);
    // Two or three of the shipped examples, the most relevant first, each with its mocks.
    const examples = [...system.matchAll(/^### ([a-z-]+)\.ts$/gm)].map((match) => match[1]);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.length).toBeLessThanOrEqual(3);
    expect(examples[0]).toBe('block-ip');
    expect(system).toContain('Mocks for its test run (block-ip.mocks.json):');
    expect(first!.body.messages).toEqual([{ role: 'user', content: expect.stringContaining('Block the IP on our perimeter firewall') }]);
    expect(first!.body.messages[0].content).toContain('Indicator types it accepts: ip.');

    // The repair request carries the previous answer and its problems as the tool's (error) result.
    const messages = second!.body.messages;
    expect(messages).toHaveLength(3);
    expect(messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_stub1', name: 'submit_workflow', input: answer(REQUIRE_CODE) }] });
    const feedback = messages[2].content[0];
    expect(feedback).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_stub1', is_error: true });
    expect(feedback.content).toMatch(/\[lint no-require line 3:12\]/);
    expect(second!.body.system[0].text).toBe(system);
  });

  it('feeds a type error and a failing test run back, and reports what is still wrong after 3 attempts', async () => {
    stub.script(
      { kind: 'answer', value: answer(TYPE_ERROR_CODE) },
      { kind: 'answer', value: answer(GOOD_CODE, { mocks: WRONG_MOCKS }) },
      { kind: 'answer', value: answer(REQUIRE_CODE) },
    );
    const res = await generate({ description: 'Block the IP on our perimeter firewall', indicator_types: ['ip'] });
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data.attempts).toBe(3);
    // The best attempt wins: the second one only fails its test run; the third does not even lint.
    expect(data.generated_code).toBe(GOOD_CODE);
    expect(data.suggested_mocks).toEqual(WRONG_MOCKS);
    expect(data.checks).toEqual({ lint: 'passed', typecheck: 'passed', test: 'failed' });
    expect(data.warnings).toEqual([
      {
        source: 'test',
        severity: 'error',
        message: expect.stringMatching(/POST https:\/\/fw\.example\.com\/api\/v1\/block .*\(no mock matched\)/),
      },
    ]);

    const transcript = (n: number) => anthropicTranscript(stub.requests[n]!.body);
    expect(transcript(1)).toMatch(/\[typescript TS2339 line 14:14\] Property 'okay' does not exist on type 'WorkflowContext'/);
    expect(transcript(2)).toContain('no mock matched');
  });

  it('refines existing code with an instruction', async () => {
    stub.script({ kind: 'answer', value: answer(GOOD_CODE) });
    const res = await generate({
      description: 'Block the IP on our perimeter firewall',
      existing_code: TYPE_ERROR_CODE,
      instruction: 'Send the reason "vigil" with the block request',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.attempts).toBe(1);
    const prompt: string = stub.requests[0]!.body.messages[0].content;
    expect(prompt).toContain('Instruction: Send the reason "vigil" with the block request');
    expect(prompt).toContain(TYPE_ERROR_CODE.trimEnd());
  });

  it('reports a refusal as 422 LLM_REFUSED with the model\'s explanation', async () => {
    stub.script({ kind: 'refusal', explanation: 'This looks like malware development.', category: 'cyber' });
    const res = await generate({ description: 'Exfiltrate the domain controller hashes' });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({
      code: 'LLM_REFUSED',
      message: 'The model declined to write this workflow: This looks like malware development.',
      details: { provider: 'anthropic' },
    });
  });

  it('answers 502 LLM_UNAVAILABLE with the provider\'s message when Anthropic is overloaded (529), after the SDK\'s retries', async () => {
    stub.script({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '10' } });
    const res = await generate({ description: 'Block an IP' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('LLM_UNAVAILABLE');
    expect(res.body.error.message).toBe('Anthropic answered 529 overloaded_error: Overloaded');
    expect(res.body.error.details).toMatchObject({
      provider: 'anthropic',
      reason: 'provider_error',
      status: 529,
      type: 'overloaded_error',
      provider_message: 'Overloaded',
      request_id: expect.stringMatching(/^req_stub/),
    });
    expect(stub.requests).toHaveLength(3);
  });

  it('gives up after the configured timeout with 502 LLM_UNAVAILABLE (reason timeout)', async () => {
    await useAnthropic({ timeout_seconds: 1 });
    stub.script({ kind: 'hang' });
    const started = Date.now();
    const res = await generate({ description: 'Block an IP' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('LLM_UNAVAILABLE');
    expect(res.body.error.message).toBe('Anthropic (claude-sonnet-5-5) did not answer within 1 s (the configured timeout).');
    expect(res.body.error.details).toEqual({ provider: 'anthropic', reason: 'timeout', timeout_seconds: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stub.requests).toHaveLength(1);
    // The request was abandoned, not left open: the stub sees its connection close.
    expect(await closedSoon(stub.requests[0]!)).toBe(true);
  });

  it('streams progress events and then the result when asked for text/event-stream', async () => {
    stub.script({ kind: 'answer', value: answer(REQUIRE_CODE) }, { kind: 'answer', value: answer(GOOD_CODE) });
    const res = await fetch(`${t.url}/v1/workflows/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ description: 'Block the IP on our perimeter firewall', indicator_types: ['ip'] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseEvents(await res.text());
    const progress = events.filter((e) => e.event === 'progress');
    // How many `receiving` events arrive depends on timing (they are throttled); the other stages are fixed.
    expect(progress.find((e) => e.data.stage === 'receiving')?.data.received_chars).toBeGreaterThan(0);
    const stages = progress.filter((e) => e.data.stage !== 'receiving').map((e) => `${e.data.attempt}:${e.data.stage}`);
    expect(stages).toEqual([
      '1:requesting',
      '1:linting',
      '1:type_checking',
      '1:repairing',
      '2:requesting',
      '2:linting',
      '2:type_checking',
      '2:testing',
      '2:done',
    ]);
    const repairing = events.find((e) => e.data.stage === 'repairing')!.data;
    expect(repairing).toMatchObject({ max_attempts: 3, problems: expect.arrayContaining([expect.objectContaining({ source: 'lint', rule: 'no-require' })]) });
    expect(repairing.elapsed_ms).toEqual(expect.any(Number));
    const last = events.at(-1)!;
    expect(last.event).toBe('result');
    expect(last.data).toMatchObject({ generated_code: GOOD_CODE, attempts: 2, warnings: [] });
  });

  it('streams provider errors as an error event with the status the JSON form would have', async () => {
    stub.script({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    const res = await fetch(`${t.url}/v1/workflows/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ description: 'Block an IP' }),
    });
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(['progress', 'error']);
    expect(events[1]!.data).toMatchObject({
      status: 502,
      error: { code: 'LLM_UNAVAILABLE', message: 'Anthropic answered 401 authentication_error: invalid x-api-key' },
    });
  });

  it('lets a key have two generations in progress: its third is refused (429) without asking the model', async () => {
    await useAnthropic({ timeout_seconds: 600 });
    stub.script({ kind: 'hang' }, { kind: 'hang' }, { kind: 'answer', value: answer(GOOD_CODE) });
    const callers = [new AbortController(), new AbortController()];
    const hanging = callers.map((controller) =>
      fetch(`${t.url}/v1/workflows/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'Block an IP' }),
        signal: controller.signal,
      }).catch(() => null),
    );
    await stub.waitForRequests(2);
    const third = await generate({ description: 'Block an IP' });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('GENERATIONS_BUSY');
    expect(third.headers.get('retry-after')).toBe('5');
    expect(stub.requests).toHaveLength(2);
    // Callers that go away give their places back.
    for (const controller of callers) controller.abort();
    await Promise.all(hanging);
    const next = await eventually(async () => {
      const res = await generate({ description: 'Block an IP' });
      return res.status === 429 ? null : res;
    }, 'the key\'s places to be given back');
    expect(next.status).toBe(200);
    expect(next.body.data.generated_code).toBe(GOOD_CODE);
  });

  it('cancels the model request when the client disconnects', async () => {
    await useAnthropic({ timeout_seconds: 600 });
    stub.script({ kind: 'hang' });
    const controller = new AbortController();
    const res = await fetch(`${t.url}/v1/workflows/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.human}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ description: 'Block an IP' }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('"stage":"requesting"')) seen += decoder.decode((await reader.read()).value);
    await stub.waitForRequests(1);
    controller.abort();
    expect(await closedSoon(stub.requests[0]!)).toBe(true);
    const health = await t.request('GET', '/v1/health');
    expect(health.status).toBe(200);
  });
});

describe('generation with a configured integration', () => {
  beforeEach(() => useAnthropic());

  it('test-runs code that uses ctx.integrations.okta against the suggested mocks, nothing sent to Okta', async () => {
    const configured = await t.request('PUT', '/v1/integrations/okta', {
      body: { org_url: 'https://acme.okta.com', api_token: '00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd' },
    });
    expect(configured.status).toBe(200);
    const code = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const okta = ctx.integrations.okta;
  if (!okta) return ctx.fail("Okta is not configured: Settings → Integrations");
  const user = await okta.revokeSessions(ctx.indicator.value);
  return ctx.ok(\`revoked the sessions of \${user.login}\`);
}
`;
    const mocks = {
      responses: [
        { method: 'GET', url: 'https://acme.okta.com/api/v1/users/*', status: 200, json: { id: '00u1', status: 'ACTIVE', profile: { login: 'j.doe@example.com' } } },
        { method: 'DELETE', url: 'https://acme.okta.com/api/v1/users/00u1/sessions', status: 204 },
      ],
      default: 'error',
    };
    stub.script({ kind: 'answer', value: answer(code, {
        name: 'Revoke Okta sessions',
        secrets: [],
        allowed_hosts: [],
        mocks,
        test_input: { indicator_type: 'account', indicator_value: 'j.doe@example.com', context: null, alert: null },
      }) });
    try {
      const res = await generate({ description: 'Revoke the Okta sessions of the account', indicator_types: ['account'] });
      expect(res.status).toBe(200);
      expect(res.body.data.warnings).toEqual([]);
      expect(res.body.data.checks).toEqual({ lint: 'passed', typecheck: 'passed', test: 'passed' });
      expect(res.body.data.attempts).toBe(1);
    } finally {
      await t.request('DELETE', '/v1/integrations/okta');
    }
  });
});

describe('generation with an OpenAI-compatible server', () => {
  it('asks for a json_schema answer and repairs a type error on attempt 2', async () => {
    await useOpenAi();
    stub.script({ kind: 'answer', value: answer(TYPE_ERROR_CODE) }, { kind: 'answer', value: answer(GOOD_CODE) });
    const res = await generate({ description: 'Block the IP on our perimeter firewall', indicator_types: ['ip'] });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ generated_code: GOOD_CODE, attempts: 2, warnings: [], provider: 'openai_compatible', model: 'qwen2.5-coder:14b' });

    const [first, second] = stub.requests;
    expect(first!.path).toBe('/v1/chat/completions');
    expect(first!.headers.authorization).toBeUndefined();
    expect(first!.body).toMatchObject({ model: 'qwen2.5-coder:14b', stream: true });
    expect(first!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'submit_workflow' } });
    expect(first!.body.tools).toBeUndefined();
    expect(first!.body.messages[0].role).toBe('system');
    expect(first!.body.messages[0].content).toContain(VIGIL_DTS.trimEnd());
    expect(first!.body.messages[0].content).toContain('The JSON schema of your answer');
    const repair = second!.body.messages;
    expect(repair.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.parse(repair[2].content)).toEqual(answer(TYPE_ERROR_CODE));
    expect(repair[3].content).toMatch(/\[typescript TS2339 line 14:14\]/);
  });

  it('uses a forced function call in tool mode and sends the stored key', async () => {
    await useOpenAi({ structured_output: 'tool', api_key: 'local-key-1' });
    stub.script({ kind: 'answer', value: answer(REQUIRE_CODE) }, { kind: 'answer', value: answer(GOOD_CODE) });
    const res = await generate({ description: 'Block the IP on our perimeter firewall' });
    expect(res.status).toBe(200);
    expect(res.body.data.attempts).toBe(2);
    const [first, second] = stub.requests;
    expect(first!.headers.authorization).toBe('Bearer local-key-1');
    expect(first!.body.tool_choice).toEqual({ type: 'function', function: { name: 'submit_workflow' } });
    expect(first!.body.response_format).toBeUndefined();
    const repair = second!.body.messages;
    expect(repair[2]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_stub1', function: { name: 'submit_workflow' } }] });
    expect(repair[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_stub1', content: expect.stringContaining('no-require') });
  });

  it('reports the server\'s error message, with the key scrubbed', async () => {
    await useOpenAi({ api_key: 'local-key-2' });
    stub.script({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'model "qwen2.5-coder:14b" not found (key local-key-2)' });
    const res = await generate({ description: 'Block an IP' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: 'LLM_UNAVAILABLE',
      message: 'The model server answered 400: model "qwen2.5-coder:14b" not found (key [redacted])',
      details: { provider: 'openai_compatible', reason: 'provider_error', status: 400 },
    });
    expect(JSON.stringify(res.body)).not.toContain('local-key-2');
  });

  it('says the server cannot be reached when nothing listens at the base URL', async () => {
    await useOpenAi({ base_url: 'http://127.0.0.1:9/v1' });
    const res = await generate({ description: 'Block an IP' });
    expect(res.status).toBe(502);
    expect(res.body.error.details).toMatchObject({ reason: 'network' });
    expect(res.body.error.message).toMatch(/http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions could not be reached/);
  });

  it('treats answers that are not JSON as problems, and a model that never answers properly as LLM_UNAVAILABLE', async () => {
    await useOpenAi();
    stub.script({ kind: 'text', text: 'Sure! Here is your workflow: ```ts\nexport async function run() {}\n```' });
    const res = await generate({ description: 'Block an IP' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('LLM_UNAVAILABLE');
    expect(res.body.error.details.reason).toBe('invalid_answer');
    expect(stub.requests).toHaveLength(3);
    expect(stub.requests[1]!.body.messages.at(-1).content).toMatch(/must be one JSON object/);
  });

  it('reports a refusal from an OpenAI-compatible server', async () => {
    await useOpenAi();
    stub.script({ kind: 'refusal', explanation: 'I can not help with that.' });
    const res = await generate({ description: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('LLM_REFUSED');
    expect(res.body.error.message).toBe('The model declined to write this workflow: I can not help with that.');
  });
});
