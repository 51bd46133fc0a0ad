// A bounded, seeded fuzzer over every operation in /v1/openapi.json. Each request is checked for
// the invariants every caller relies on: no 5xx, errors in the envelope, a key before anything
// else, nothing stored when the answer is a refusal, and an engine still alive after each batch.
// A new route fails the first test until PLANS says how to fuzz it.
import { createServer, type Server } from 'node:http';
import fc, { type Arbitrary } from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/main/engine/api/server.ts';
import { slackSignature } from '../../src/main/engine/notify/signature.ts';
import { createLoginToken } from '../../src/main/engine/session/index.ts';
import { createMemorySecretStore, type SecretStore } from '../../src/main/engine/secrets/index.ts';
import { closeSharedSandbox, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';
import {
  body as jsonBodies,
  envelopeProblem,
  json,
  pathSegment,
  queryString,
  rawBodies,
  refuseNonLoopbackDials,
  send,
  sometimes,
  type FuzzBody,
  type FuzzContext,
  type FuzzResponse,
  type JsonSchema,
  type QueryParameter,
} from '../helpers/fuzz.ts';

/** Fixed, so a failure names a case that can be replayed; change it to explore further. */
const SEED = 1414;
/** Requests per operation; with the mixed batch, about 3,000 in all. */
const RUNS = 60;
/** Operations that run workflow code in the sandbox on most requests get fewer. */
const SANDBOX_RUNS = 40;
/** Requests drawn from all operations at once, so that one request meets what others left behind. */
const MIXED_RUNS = 300;

let t: TestServer;
let dials: ReturnType<typeof refuseNonLoopbackDials>;
let sink: Server;
let sinkUrl: string;
/** Decide tokens as the engine hands them to notifiers (they exist nowhere else). */
const decideTokens = new Map<string, string>();

// ---- callers ----

interface Caller {
  [fc.toStringMethod]: () => string;
  name: string;
  /** The Authorization header, if any. */
  header: string | undefined;
  /** Whether the server should accept it as a key at all. */
  authenticated: boolean;
}
let callers: Caller[] = [];
let anyCaller: Arbitrary<Caller>;

function makeCallers(): Caller[] {
  const { engine } = t.server;
  const create = (name: string, key_type: 'human' | 'agent', scopes?: string[]) => engine.keys.create({ name, key_type, scopes: scopes as never });
  const revoked = create('fuzz revoked', 'human', ['admin']);
  engine.keys.revoke(revoked.key.uuid);
  // Keys cannot be created already expired; this one expires before it is ever used (no cache entry).
  const expired = create('fuzz expired', 'human', ['admin']);
  engine.store.db.prepare('UPDATE api_keys SET expires_at = ? WHERE uuid = ?').run('2001-01-01T00:00:00.000Z', expired.key.uuid);
  const bearer = (secret: string) => `Bearer ${secret}`;
  // Counterexamples name the caller instead of printing its key.
  const named = (caller: Omit<Caller, typeof fc.toStringMethod>): Caller => ({ ...caller, [fc.toStringMethod]: () => JSON.stringify(caller.name) });
  const scoped = ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write'].map((scope) => ({
    name: `only ${scope}`,
    header: bearer(create(`fuzz ${scope}`, 'human', [scope]).secret),
    authenticated: true,
  }));
  return ([
    { name: 'admin', header: bearer(t.keys.admin), authenticated: true },
    { name: 'human', header: bearer(t.keys.human), authenticated: true },
    { name: 'agent', header: bearer(t.keys.agent), authenticated: true },
    { name: 'other agent', header: bearer(create('fuzz other agent', 'agent').secret), authenticated: true },
    { name: 'lower-case scheme', header: `bearer ${t.keys.admin}`, authenticated: true },
    ...scoped,
    { name: 'no key', header: undefined, authenticated: false },
    { name: 'unknown key', header: bearer(`vgl_${'x'.repeat(43)}`), authenticated: false },
    { name: 'revoked key', header: bearer(revoked.secret), authenticated: false },
    { name: 'expired key', header: bearer(expired.secret), authenticated: false },
    { name: 'basic auth', header: 'Basic YWRtaW46YWRtaW4=', authenticated: false },
    { name: 'empty bearer', header: 'Bearer', authenticated: false },
    { name: 'two tokens', header: `Bearer ${t.keys.admin} ${t.keys.admin}`, authenticated: false },
    { name: 'long junk', header: bearer('v'.repeat(4_000)), authenticated: false },
  ]).map(named);
}

/** Mostly keys that may do things, so requests get past the door and into the handlers. */
const WEIGHTS: Record<string, number> = { admin: 8, human: 5, agent: 5, 'other agent': 2 };

function callerArbitrary(): Arbitrary<Caller> {
  const pick = (list: Caller[]) => fc.oneof(...list.map((caller) => ({ weight: WEIGHTS[caller.name] ?? 1, arbitrary: fc.constant(caller) })));
  return fc.oneof(
    { weight: 4, arbitrary: pick(callers.filter((caller) => caller.authenticated)) },
    { weight: 1, arbitrary: pick(callers.filter((caller) => !caller.authenticated)) },
  );
}

// ---- fixtures: real objects for path parameters, made afresh for each operation ----

interface Fixtures {
  workflows: string[];
  /** Finished runs of the agent, the other agent and the analyst, and one of the agent's still running. */
  runs: string[];
  approvals: string[];
  keys: string[];
  secrets: string[];
  /** MCP sessions by caller name (made for the MCP operations only). */
  mcpSessions: Record<string, string>;
  /** Login tokens for POST /v1/session, each good once. */
  loginTokens: string[];
}

let fixtureCount = 0;

async function openMcpSession(key: string): Promise<string> {
  const res = await fetch(`${t.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    }),
  });
  await res.text();
  const id = res.headers.get('mcp-session-id');
  if (!id) throw new Error(`MCP initialize answered ${res.status} without a session`);
  return id;
}

const SLEEPER = 'export async function run(ctx) {\n  await ctx.sleep(20000);\n  return ctx.ok("slept");\n}\n';

async function makeFixtures(withMcpSessions: boolean): Promise<Fixtures> {
  const n = ++fixtureCount;
  const workflow = async (fields: Record<string, unknown>) => {
    const res = await t.request('POST', '/v1/workflows', { body: { name: `fuzz fixture ${n}`, state: 'active', ...fields } });
    if (res.status !== 201) throw new Error(`fixture workflow: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data.uuid as string;
  };
  const never = await workflow({ code: TRIVIAL_WORKFLOW, approval_mode: 'never' });
  const gated = await workflow({ code: TRIVIAL_WORKFLOW, approval_mode: 'always', tags: ['fuzz'] });
  const draft = await workflow({ code: TRIVIAL_WORKFLOW, state: 'draft', secrets: ['FUZZ_SECRET'] });
  const endpoint = await workflow({ kind: 'http_endpoint', endpoint: { url: `${sinkUrl}/endpoint`, method: 'POST' }, approval_mode: 'never' });
  const builtin = t.server.engine.store.db.prepare('SELECT uuid FROM workflows WHERE is_system = 1 LIMIT 1').get() as { uuid: string };
  const execute = async (uuid: string, key: string) => {
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, {
      key,
      body: { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'fuzz fixture', confidence: 0.5 },
    });
    if (res.status !== 202) throw new Error(`fixture execute: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body.data.run_uuid ?? res.body.data.approval_request_uuid) as string;
  };
  const otherAgent = callers.find((caller) => caller.name === 'other agent')!.header!.slice('Bearer '.length);
  const sleeper = await workflow({ code: SLEEPER, approval_mode: 'never' });
  const runs = [await execute(never, t.keys.agent), await execute(never, otherAgent), await execute(never, t.keys.human), await execute(sleeper, t.keys.agent)];
  const approvals = [await execute(gated, t.keys.agent), await execute(gated, otherAgent)];
  const keys = [1, 2].map((i) => t.server.engine.keys.create({ name: `fuzz victim ${n}.${i}`, key_type: 'agent' }).key.uuid);
  await t.request('PUT', '/v1/secrets/FUZZ_SECRET', { body: { value: 'fuzz' } });
  const mcpSessions: Record<string, string> = {};
  if (withMcpSessions) {
    for (const caller of callers.filter((c) => c.authenticated)) mcpSessions[caller.name] = await openMcpSession(caller.header!.slice('Bearer '.length));
  }
  const loginTokens = [1, 2, 3].map(() => createLoginToken(t.server.engine));
  return { workflows: [never, gated, draft, endpoint, builtin.uuid], runs, approvals, keys, secrets: ['FUZZ_SECRET', 'NEVER_SET'], mcpSessions, loginTokens };
}

// ---- global configuration: restored after every request that may change it ----

// A generated request may pause agent executions, shrink the queue, configure an LLM, a notifier or
// an integration. Left in place, the next request would meet a documented 503 (paused, queue full)
// or reach for the network (an LLM at its official endpoint, Slack's API), so each such request is
// followed by restoring this baseline, in which every notifier points at the loopback sink.
let baselineSettings: Record<string, unknown>;
const SIGNING_SECRET = 'fuzzsigningsecret0123456789abcd';
const baselineNotifiers = () => ({
  slack: {
    enabled: true,
    mode: 'webhook',
    socket_mode: false,
    api_url: `${sinkUrl}/slack/`,
    webhook_url: `${sinkUrl}/slack-webhook`,
    signing_secret: SIGNING_SECRET,
    bot_token: null,
    app_token: null,
    default_channel: null,
    workflow_channels: {},
    approvers: ['U0FUZZ'],
    notify_run_failed: false,
  },
  teams: { enabled: true, webhook_url: `${sinkUrl}/teams`, notify_run_failed: false },
  desktop: { enabled: true, run_failed: true },
});

async function restoreConfig(): Promise<void> {
  const steps: [string, string, unknown][] = [
    ['PATCH', '/v1/settings', baselineSettings],
    ['PUT', '/v1/settings/llm', { provider: null, api_key: null }],
    ['PUT', '/v1/settings/notifiers', baselineNotifiers()],
    ['DELETE', '/v1/integrations/okta', undefined],
    ['DELETE', '/v1/integrations/entra', undefined],
  ];
  for (const [method, path, requestBody] of steps) {
    const res = await t.request(method, path, { body: requestBody });
    if (res.status !== 200) throw new Error(`restoring ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

// ---- what a refused request must leave as it was ----

const COUNTED_TABLES = ['workflows', 'workflow_versions', 'runs', 'approvals', 'api_keys', 'idempotency', 'secrets'];
/** Row counts, the settings table's content, and how often each keychain was changed. */
let snapshot: () => Record<string, number | string>;
const keychainWrites = { secrets: 0, credentials: 0 };

/** A memory keychain that counts the changes made to it. */
function countingStore(name: keyof typeof keychainWrites): SecretStore {
  const inner = createMemorySecretStore();
  return {
    get: (secret) => inner.get(secret),
    probe: () => inner.probe(),
    check: (timeoutMs) => inner.check(timeoutMs),
    async set(secret, value) {
      keychainWrites[name]++;
      await inner.set(secret, value);
    },
    async delete(secret) {
      const removed = await inner.delete(secret);
      if (removed) keychainWrites[name]++;
      return removed;
    },
  };
}

// ---- operations ----

interface Operation {
  method: string;
  path: string;
  /** False where the document says `security: []` (the token-protected pages, Slack, session). */
  protected: boolean;
  pathParameters: { name: string; schema: JsonSchema }[];
  query: QueryParameter[];
  bodySchema: JsonSchema | null;
}

/** One request, in parts. */
interface Parts {
  /** The operation's method, or now and then another one (405 in the envelope). */
  method: string;
  caller: Caller;
  params: Record<string, string>;
  query: string;
  headers: Record<string, string>;
  body: FuzzBody | undefined;
}

type Ref = 'workflows' | 'runs' | 'approvals' | 'keys' | 'secrets';

interface Plan {
  /** What a path parameter names, so that its valid values are real objects. */
  refs?: Record<string, Ref>;
  /** How errors are answered besides the JSON envelope: an HTML page, or MCP's JSON-RPC errors. */
  answer?: 'html' | 'mcp';
  /** Changes global configuration: restored after each request. */
  changesConfig?: boolean;
  /** Fewer requests (each one runs the sandbox). */
  runs?: number;
  /** Rules between body fields that the schema cannot state, applied to valid bodies. */
  shape?: (body: any) => unknown;
  /** Adjusts the generic request: bodies and headers the document does not describe. */
  custom?: (generic: Arbitrary<Parts>, fixtures: Fixtures) => Arbitrary<Parts>;
}

const withHeaders = (extra: Arbitrary<Record<string, string>>) => (generic: Arbitrary<Parts>) =>
  fc.tuple(generic, extra).map(([parts, headers]) => ({ ...parts, headers: { ...parts.headers, ...headers } }));

/** A header sent once in `oneIn` requests. */
const optionalHeader = (name: string, values: Arbitrary<string>, oneIn = 2) =>
  sometimes(values, oneIn, undefined).map((value): Record<string, string> => (value === undefined ? {} : { [name]: value }));

/** Idempotency-Key: absent, fresh, reused across requests, or not a valid key at all. */
const idempotencyKey = optionalHeader(
  'idempotency-key',
  fc.oneof(fc.uuid(), fc.constantFrom('fuzz-reused', '', 'x'.repeat(256), 'é', 'a b', 'tab\there', '"quoted"', '\u00ff\u00fe')),
);

/** The browser form (or JSON) a decide page posts; a real token for a real approval now and then. */
function decideRequests(generic: Arbitrary<Parts>, fixtures: Fixtures, form: boolean): Arbitrary<Parts> {
  const real = fc.constantFrom(...fixtures.approvals).map((uuid) => ({ uuid, token: decideTokens.get(uuid) ?? '' }));
  const target = fc.option(real, { nil: undefined, freq: 2 });
  const decision = fc.constantFrom('approve', 'reject', 'maybe', '');
  return fc.tuple(generic, target, decision, fc.string({ maxLength: 30 }), fc.boolean()).map(([parts, chosen, choice, reason, asForm]) => {
    if (!chosen) return parts;
    const params = { ...parts.params, uuid: chosen.uuid };
    if (!form) return { ...parts, params, query: `?token=${encodeURIComponent(chosen.token)}` };
    const fields = { token: chosen.token, decision: choice, reason };
    const requestBody = asForm
      ? { contentType: 'application/x-www-form-urlencoded', text: new URLSearchParams(fields).toString() }
      : json(fields);
    return { ...parts, params, body: requestBody };
  });
}

/** Slack interaction payloads, signed correctly, wrongly, late or not at all. */
function slackRequests(generic: Arbitrary<Parts>, fixtures: Fixtures): Arbitrary<Parts> {
  const action = fc.record({
    action_id: fc.constantFrom('vigil_approve', 'vigil_reject', 'other'),
    value: fc.oneof(fc.constantFrom(...fixtures.approvals), fc.uuid(), fc.string({ maxLength: 10 })),
  });
  const payload = fc.oneof(
    fc.record({
      type: fc.constantFrom('block_actions', 'view_submission'),
      actions: fc.oneof(fc.array(action, { maxLength: 2 }), fc.jsonValue({ maxDepth: 2 })),
      user: fc.record({ id: fc.constantFrom('U0FUZZ', 'U0OTHER'), username: fc.string({ maxLength: 10 }) }),
      response_url: fc.constantFrom(`${sinkUrl}/slack/response`, 'not a url', 'http://127.0.0.1:1/closed'),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: payload.map((value) => `payload=${encodeURIComponent(JSON.stringify(value))}`) },
    { weight: 1, arbitrary: fc.constantFrom('payload=%7Bnot json', 'payload=', 'other=1', '', 'payload=null', 'payload=%5B%5D') },
  );
  const signing = fc.constantFrom('valid', 'valid', 'none', 'wrong', 'old', 'garbage timestamp');
  return fc.tuple(generic, text, signing, fc.boolean()).map(([parts, formText, mode, asForm]) => {
    const now = Math.floor(Date.now() / 1000);
    const timestamp = mode === 'old' ? String(now - 3_600) : mode === 'garbage timestamp' ? '1e309' : String(now);
    const headers: Record<string, string> =
      mode === 'none'
        ? {}
        : {
            'x-slack-request-timestamp': timestamp,
            'x-slack-signature': mode === 'wrong' ? `v0=${'0'.repeat(64)}` : slackSignature(SIGNING_SECRET, timestamp, formText),
          };
    const requestBody = asForm ? { contentType: 'application/x-www-form-urlencoded', text: formText } : parts.body;
    return { ...parts, headers: { ...parts.headers, ...headers }, body: requestBody };
  });
}

/** JSON-RPC messages for MCP, with the session and protocol headers its transport reads. */
function mcpRequests(generic: Arbitrary<Parts>, fixtures: Fixtures, withBody: boolean): Arbitrary<Parts> {
  const workflowArguments = fc.record(
    {
      workflow_uuid: fc.oneof(fc.constantFrom(...fixtures.workflows), fc.uuid()),
      indicator_type: fc.constantFrom('ip', 'domain', 'nonsense'),
      indicator_value: fc.string({ maxLength: 20 }),
      reason: fc.string({ maxLength: 20 }),
      confidence: fc.double({ min: -1, max: 2, noNaN: true }),
      context: fc.jsonValue({ maxDepth: 2 }),
      run_uuid: fc.constantFrom(...fixtures.runs),
      approval_request_uuid: fc.constantFrom(...fixtures.approvals),
    },
    { requiredKeys: [] },
  );
  const toolCall = fc
    .record({
      name: fc.constantFrom('list_workflows', 'execute_workflow', 'get_run', 'get_approval', 'wait_for_run', 'no_such_tool'),
      arguments: fc.oneof(workflowArguments, fc.jsonValue({ maxDepth: 2 })),
    })
    // wait_for_run waits up to 30 s for a pending approval by default; one second shows the same code paths.
    .map((call) =>
      call.name === 'wait_for_run' && call.arguments && typeof call.arguments === 'object' && !Array.isArray(call.arguments)
        ? { ...call, arguments: { ...call.arguments, timeout_seconds: 1 } }
        : call,
    );
  const initialize = fc.record({
    protocolVersion: fc.constantFrom('2025-06-18', '2025-03-26', '2024-11-05', 'garbage'),
    capabilities: fc.constant({}),
    clientInfo: fc.record({ name: fc.string({ maxLength: 10 }), version: fc.constant('1') }),
  });
  const message = fc.oneof(
    fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1, max: 1000 }), method: fc.constant('initialize'), params: initialize }),
    fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1, max: 1000 }), method: fc.constant('tools/call'), params: toolCall }),
    fc.record(
      {
        jsonrpc: fc.constantFrom('2.0', '1.0'),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)),
        method: fc.constantFrom('tools/list', 'resources/list', 'resources/read', 'resources/templates/list', 'ping', 'notifications/initialized', 'prompts/list', 'no/such'),
        params: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['jsonrpc', 'method'] },
    ),
  );
  const messages = fc.oneof({ weight: 4, arbitrary: message }, { weight: 1, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) });
  const anySession = fc.oneof(fc.constantFrom(...Object.values(fixtures.mcpSessions)), fc.uuid(), fc.constant(''));
  const headers = fc.record(
    {
      'mcp-protocol-version': fc.constantFrom('2025-06-18', '2024-11-05', 'garbage'),
      accept: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json, text/event-stream') },
        { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*') },
      ),
    },
    { requiredKeys: ['accept'] },
  );
  // Mostly the caller's own session (or none, to initialize one); now and then another key's or a made-up one.
  const session = fc.oneof({ weight: 4, arbitrary: fc.constant('own') }, { weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anySession });
  return fc
    .tuple(generic, headers, session, fc.option(messages.map(json), { nil: undefined, freq: 5 }))
    .map(([parts, extra, chosen, rpc]) => {
      const id = chosen === 'own' ? fixtures.mcpSessions[parts.caller.name] : chosen;
      const sessionHeader: Record<string, string> = id === undefined ? {} : { 'mcp-session-id': id };
      return { ...parts, headers: { ...parts.headers, ...extra, ...sessionHeader }, body: withBody ? (rpc ?? parts.body) : parts.body };
    });
}

/**
 * How to fuzz each operation of /v1/openapi.json. Everything else (path and query parameters,
 * bodies, keys) comes from the document; an operation missing here fails the first test.
 *
 * Nothing is skipped, but some things are bounded: event streams (/v1/events, MCP's GET, SSE
 * answers of MCP's POST) are closed once their headers arrive; MCP's wait_for_run gets a one-second
 * timeout; configuration changes are undone after each request (restoreConfig); URLs are only
 * ever loopback, and workflow code only calls the loopback sink.
 */
const PLANS: Record<string, Plan> = {
  'POST /v1/workflows': { shape: (body) => workflowShape(body) },
  'GET /v1/workflows': {},
  'GET /v1/workflows/{uuid}': { refs: { uuid: 'workflows' } },
  'PATCH /v1/workflows/{uuid}': { refs: { uuid: 'workflows' }, shape: ({ kind: _kind, endpoint: _endpoint, ...rest }) => rest },
  'DELETE /v1/workflows/{uuid}': { refs: { uuid: 'workflows' } },
  'POST /v1/workflows/{uuid}/duplicate': { refs: { uuid: 'workflows' } },
  'GET /v1/workflows/{uuid}/versions': { refs: { uuid: 'workflows' } },
  'GET /v1/workflows/{uuid}/lint': { refs: { uuid: 'workflows' } },
  'GET /v1/workflows/{uuid}/versions/{version}': { refs: { uuid: 'workflows' } },
  'POST /v1/workflows/{uuid}/execute': { refs: { uuid: 'workflows' }, custom: withHeaders(idempotencyKey) },
  'POST /v1/workflows/test': { runs: SANDBOX_RUNS, shape: (body) => workflowShape(body) },
  'POST /v1/workflows/{uuid}/test': { refs: { uuid: 'workflows' }, runs: SANDBOX_RUNS, shape: ({ kind: _kind, endpoint: _endpoint, ...rest }) => rest },
  'GET /v1/workflows/{uuid}/mocks': { refs: { uuid: 'workflows' } },
  'PUT /v1/workflows/{uuid}/mocks': { refs: { uuid: 'workflows' } },
  'POST /v1/workflows/import': {},
  'POST /v1/workflows/generate': {
    custom: withHeaders(optionalHeader('accept', fc.constantFrom('text/event-stream', 'application/json', '*/*'))),
  },
  'GET /v1/workflow-runs': {},
  'GET /v1/workflows/{uuid}/runs': { refs: { uuid: 'workflows' } },
  'GET /v1/workflow-runs/{uuid}': { refs: { uuid: 'runs' } },
  'POST /v1/workflow-runs/{uuid}/cancel': { refs: { uuid: 'runs' } },
  'GET /v1/workflow-approvals': {},
  'GET /v1/workflow-approvals/{uuid}': { refs: { uuid: 'approvals' } },
  'POST /v1/workflow-approvals/{uuid}/approve': { refs: { uuid: 'approvals' } },
  'POST /v1/workflow-approvals/{uuid}/reject': { refs: { uuid: 'approvals' } },
  'GET /v1/approvals/{uuid}/decide': { refs: { uuid: 'approvals' }, answer: 'html', custom: (g, f) => decideRequests(g, f, false) },
  'POST /v1/approvals/{uuid}/decide': { refs: { uuid: 'approvals' }, answer: 'html', custom: (g, f) => decideRequests(g, f, true) },
  'POST /v1/approvals/callback/slack': { custom: slackRequests },
  'GET /v1/api-keys': {},
  'GET /v1/api-keys/current': {},
  'POST /v1/api-keys': {},
  'DELETE /v1/api-keys/{uuid}': { refs: { uuid: 'keys' } },
  'GET /v1/secrets': {},
  'PUT /v1/secrets/{name}': { refs: { name: 'secrets' } },
  'DELETE /v1/secrets/{name}': { refs: { name: 'secrets' } },
  'GET /v1/settings': {},
  'PATCH /v1/settings': { changesConfig: true },
  'GET /v1/settings/llm': {},
  'PUT /v1/settings/llm': { changesConfig: true },
  'GET /v1/settings/notifiers': {},
  'PUT /v1/settings/notifiers': { changesConfig: true },
  'POST /v1/settings/notifiers/test': {},
  'GET /v1/integrations': {},
  'GET /v1/integrations/{name}': {},
  'PUT /v1/integrations/{name}': { changesConfig: true },
  'DELETE /v1/integrations/{name}': { changesConfig: true },
  'POST /v1/integrations/{name}/test': {},
  'GET /v1/events': {
    custom: withHeaders(optionalHeader('last-event-id', fc.constantFrom('0', '-1', '1e309', 'abc', '99999999999999999999', ''))),
  },
  'POST /mcp': { answer: 'mcp', custom: (g, f) => mcpRequests(g, f, true) },
  'GET /mcp': { answer: 'mcp', custom: (g, f) => mcpRequests(g, f, false) },
  'DELETE /mcp': { answer: 'mcp', custom: (g, f) => mcpRequests(g, f, false) },
  'POST /v1/session': {
    custom: (generic, fixtures) =>
      fc.tuple(generic, sometimes(fc.constantFrom(...fixtures.loginTokens), 3, undefined)).map(([parts, token]) =>
        token === undefined ? parts : { ...parts, body: json({ login_token: token }) },
      ),
  },
};

/** An endpoint configuration goes with kind http_endpoint, instead of code; code goes with scripts. */
function workflowShape(body: Record<string, unknown>): Record<string, unknown> {
  const { endpoint, code, ...rest } = body;
  return body.kind === 'http_endpoint'
    ? { ...rest, endpoint: endpoint ?? { url: `${sinkUrl}/endpoint` }, secrets: ['FUZZ_SECRET'] }
    : { ...rest, ...(code === undefined ? {} : { code }) };
}

/** Endpoint configurations: realistic fields, loopback URLs, and values each rule must refuse. */
function endpointConfigs(): Arbitrary<Record<string, unknown>> {
  const header = fc.oneof(
    fc.constantFrom('{{secret:FUZZ_SECRET}}', '{{secret:UNDECLARED}}', 'Bearer {{secret:FUZZ_SECRET}}', 'plain', 'a\r\nInjected: 1', '', '\u0000'),
    fc.string({ maxLength: 20 }),
  );
  return fc.record(
    {
      url: fc.constantFrom(`${sinkUrl}/endpoint`, `${sinkUrl}/endpoint?x=1`, 'http://127.0.0.1:1/closed', 'http://user:pw@127.0.0.1/', 'ftp://127.0.0.1/', 'not a url', ''),
      method: fc.constantFrom('POST', 'PUT', 'PATCH', 'GET', 'post', 'TRACE'),
      headers: fc.dictionary(fc.constantFrom('x-token', 'Authorization', 'Content-Length', 'Host', 'bad header', 'x-a', ''), header, { maxKeys: 3 }),
      hmac: fc.oneof(
        fc.constant(null),
        fc.record(
          { secret: fc.constantFrom('FUZZ_SECRET', 'UNDECLARED', ''), header: fc.constantFrom('x-signature', 'bad header', ''), algorithm: fc.constantFrom('sha256', 'sha512', 'md5') },
          { requiredKeys: ['secret'] },
        ),
      ),
      timeout_seconds: fc.constantFrom(1, 30, 3600, 0, 3601, 1.5, -1),
      success_statuses: fc.array(fc.oneof(fc.constantFrom(200, 204, '2xx', '3xx', '5xx', 'abc', 99, 600, 1e309), fc.integer()), { maxLength: 3 }),
      unknown_field: fc.constant(1),
    },
    { requiredKeys: ['url'] },
  );
}

let operations: Map<string, Operation>;

function readOperations(document: any): Map<string, Operation> {
  const found = new Map<string, Operation>();
  for (const [path, methods] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, spec] of Object.entries<any>(methods)) {
      const parameters: any[] = spec.parameters ?? [];
      found.set(`${method.toUpperCase()} ${path}`, {
        method: method.toUpperCase(),
        path,
        protected: !(Array.isArray(spec.security) && spec.security.length === 0),
        pathParameters: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        bodySchema: spec.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return found;
}

// ---- generation ----

let raw: FuzzBody[];
let codeSamples: string[];

function contextFor(fixtures: Fixtures): FuzzContext {
  const url = fc.constantFrom(`${sinkUrl}/`, `${sinkUrl}/path?q=1`, 'http://127.0.0.1:1/closed', 'http://localhost:9/', 'https://127.0.0.1/');
  return {
    uuid: fc.oneof(fc.constantFrom(...fixtures.workflows, ...fixtures.runs, ...fixtures.approvals), fc.uuid()),
    url,
    // Fields whose valid values no schema describes. URL-valued settings are loopback URLs like
    // every URL here; workflow code calls nothing but the loopback sink.
    fields: {
      code: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...codeSamples) },
        { weight: 1, arbitrary: endpointConfigs().map((config) => JSON.stringify(config)) },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      ),
      endpoint: endpointConfigs(),
      mocks: fc.oneof(
        { weight: 3, arbitrary: fc.constant({ responses: [{ url: '*', status: 200, json: { ok: true } }] }) },
        { weight: 1, arbitrary: fc.constant([{ url: `${sinkUrl}/*`, status: 500 }]) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      ),
      org_url: url,
      authority_url: url,
      graph_url: url,
      base_url: url,
      client_id: fc.uuid(),
      api_token: fc.stringMatching(/^[\x21-\x7e]{8,40}$/),
      client_secret: fc.stringMatching(/^[\x21-\x7e]{8,40}$/),
    },
  };
}

function generate(op: Operation, plan: Plan, fixtures: Fixtures): Arbitrary<Parts> {
  const ctx = contextFor(fixtures);
  const params = fc.record(
    Object.fromEntries(
      op.pathParameters.map(({ name, schema }) => {
        const ref = plan.refs?.[name];
        return [name, pathSegment(schema, ctx, ref ? fc.constantFrom(...fixtures[ref]) : null)];
      }),
    ),
  ) as Arbitrary<Record<string, string>>;
  const anyBody = fc.oneof(fc.jsonValue({ maxDepth: 2 }).map(json), fc.constantFrom(...raw));
  const requestBody: Arbitrary<FuzzBody | undefined> = op.bodySchema
    ? fc.option(jsonBodies(op.bodySchema, ctx, raw, plan.shape), { nil: undefined, freq: 12 })
    : fc.option(anyBody, { nil: undefined, freq: 4 }).map((b) => (op.method === 'GET' ? undefined : b));
  const origin = optionalHeader('origin', fc.constantFrom('http://evil.example', 'null', t.url), 12);
  const method = sometimes(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), 30, op.method);
  const generic = fc.record({
    method,
    caller: anyCaller,
    params,
    query: queryString(op.query, ctx),
    headers: origin,
    body: requestBody,
  });
  return plan.custom ? plan.custom(generic, fixtures) : generic;
}

// ---- checking ----

const describeRequest = (url: string, parts: Parts) =>
  `${parts.method} ${url}\n  caller: ${parts.caller.name}\n  headers: ${JSON.stringify(parts.headers)}` +
  `\n  body (${parts.body?.contentType ?? 'no content type'}): ${parts.body ? parts.body.text.slice(0, 400) : '(none)'}`;

function isJsonRpcError(response: FuzzResponse): boolean {
  const value = response.json as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  return value?.jsonrpc === '2.0' && typeof value.error?.code === 'number' && typeof value.error.message === 'string';
}

/** Answers a request without a valid key may still get: the door checks before the key, and routing. */
const BEFORE_THE_KEY: [number, string][] = [
  [400, 'BAD_URL'],
  [414, 'URI_TOO_LONG'],
  [403, 'FORBIDDEN_ORIGIN'],
  [404, 'NOT_FOUND'],
  [405, 'METHOD_NOT_ALLOWED'],
];

type Snapshot = Record<string, number | string>;

function problemsWith(op: Operation, plan: Plan, parts: Parts, response: FuzzResponse, before: Snapshot, after: Snapshot): string[] {
  const problems: string[] = [];
  const code = (response.json as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  // A HEAD answer has no body to hold an envelope.
  if (response.status >= 400 && parts.method !== 'HEAD') {
    const html = plan.answer === 'html' && response.contentType.startsWith('text/html');
    const rpc = plan.answer === 'mcp' && isJsonRpcError(response);
    const envelope = envelopeProblem(response);
    if (envelope && !html && !rpc) problems.push(envelope);
    const changed = Object.keys(before).filter((what) => before[what] !== after[what]);
    if (changed.length > 0) problems.push(`refused with ${response.status} but changed ${changed.map((what) => `${what} (${before[what]} → ${after[what]})`).join(', ')}`);
  }
  // HEAD answers carry no body, so only their status can be compared.
  const beforeTheKey = BEFORE_THE_KEY.some(([status, name]) => response.status === status && (parts.method === 'HEAD' || code === name));
  if (op.protected && !parts.caller.authenticated && response.status !== 401 && !beforeTheKey) {
    problems.push(`a request without a valid key (${parts.caller.name}) got ${response.status} ${String(code)}, not 401`);
  }
  return problems;
}

async function exercise(op: Operation, plan: Plan, parts: Parts): Promise<FuzzResponse> {
  const path = op.path.replace(/\{(\w+)\}/g, (_match, name: string) => parts.params[name] ?? '');
  const url = `${t.url}${path}${parts.query}`;
  const headers = { ...parts.headers, ...(parts.caller.header ? { authorization: parts.caller.header } : {}) };
  const before = snapshot();
  let response: FuzzResponse;
  try {
    response = await send(url, parts.method, headers, parts.method === 'GET' || parts.method === 'HEAD' ? undefined : parts.body);
  } catch (error) {
    throw new Error(`no answer: ${(error as Error).message}\n${describeRequest(url, parts)}`, { cause: error });
  }
  const after = snapshot();
  if (plan.changesConfig) await restoreConfig();
  const problems = problemsWith(op, plan, parts, response, before, after);
  if (problems.length > 0) {
    throw new Error(`${problems.join('; ')}\n${describeRequest(url, parts)}\n  answer: ${response.status} ${response.contentType} ${response.text.slice(0, 600)}`);
  }
  return response;
}

// ---- the suite ----

beforeAll(async () => {
  dials = refuseNonLoopbackDials();
  sink = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
  t = await startTestServer({ mcpSessionIdleMs: 60_000, secrets: countingStore('secrets'), credentials: countingStore('credentials') });
  t.server.engine.approvals.onCreated((approval, token) => decideTokens.set(approval.uuid, token));
  const { db } = t.server.engine.store;
  const settingsText = db.dialect === 'postgres' ? "string_agg(key || '=' || value, ';' ORDER BY key)" : "group_concat(key || '=' || value, ';')";
  const counts = db.prepare(
    `SELECT ${COUNTED_TABLES.map((table) => `(SELECT COUNT(*) FROM ${table}) AS ${table}`).join(', ')}, ` +
      `(SELECT ${settingsText} FROM (SELECT key, value FROM settings ORDER BY key) AS s) AS settings`,
  );
  snapshot = () => ({
    ...(counts.get() as Snapshot),
    'secret keychain writes': keychainWrites.secrets,
    'credential keychain writes': keychainWrites.credentials,
  });
  callers = makeCallers();
  anyCaller = callerArbitrary();
  raw = rawBodies(BODY_LIMIT);
  codeSamples = [
    TRIVIAL_WORKFLOW,
    `export async function run(ctx) {\n  const res = await ctx.http.get(${JSON.stringify(`${sinkUrl}/from-workflow`)});\n  return ctx.ok("called", { status: res.status });\n}\n`,
    'export async function run(ctx) {\n  throw new Error("boom");\n}\n',
    'export async function run(ctx) {\n  return ctx.fail("refused");\n}\n',
    'export async function run(ctx) {\n  return ctx.ok("big", { text: "y".repeat(2000000) });\n}\n',
    'import fs from "fs";\nexport async function run(ctx) {\n  return ctx.ok("no");\n}\n',
    'export function notRun() {}\n',
  ];
  baselineSettings = (await t.request('GET', '/v1/settings')).body.data;
  // Read-only facts of the installation, not settings a PATCH may carry.
  delete baselineSettings.data_dir;
  delete baselineSettings.keychain;
  await restoreConfig();
  operations = readOperations((await t.request('GET', '/v1/openapi.json')).body);
});

afterAll(async () => {
  await t?.close();
  await closeSharedSandbox();
  sink?.close();
  dials?.restore();
});

describe('API fuzzing', () => {
  it('has a plan for every operation in /v1/openapi.json, and no plan without one', () => {
    const documented = [...operations.keys()].sort();
    const planned = Object.keys(PLANS).sort();
    expect(documented.filter((key) => !PLANS[key]), 'operations without a plan (add them to PLANS)').toEqual([]);
    expect(planned.filter((key) => !operations.has(key)), 'plans for operations that no longer exist').toEqual([]);
    for (const [key, plan] of Object.entries(PLANS)) {
      for (const name of Object.keys(plan.refs ?? {})) {
        expect(operations.get(key)?.pathParameters.map((p) => p.name), `${key}: refs.${name}`).toContain(name);
      }
    }
  });

  it.each(Object.keys(PLANS))('%s', async (key) => {
    // Each operation draws its own sequence, the same one every time.
    const seed = [...key].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, SEED);
    const op = operations.get(key);
    if (!op) throw new Error(`${key} is not in /v1/openapi.json`);
    const plan = PLANS[key]!;
    const fixtures = await makeFixtures(plan.answer === 'mcp');
    await fc.assert(
      fc.asyncProperty(generate(op, plan, fixtures), async (parts) => {
        await exercise(op, plan, parts);
      }),
      // A live server keeps state between runs, so shrinking would replay against a different
      // server: the first failing request is reported as it was sent.
      { seed, numRuns: plan.runs ?? RUNS, endOnFailure: true },
    );
    await afterBatch(fixtures);
  }, 180_000);

  // A deleted workflow's approval decided, a revoked key's session used, a run cancelled twice:
  // states that only a mix of operations reaches.
  it('all operations, interleaved', async () => {
    const fixtures = await makeFixtures(true);
    const anyRequest = fc.oneof(
      ...Object.entries(PLANS).map(([key, plan]) => {
        const op = operations.get(key)!;
        return generate(op, plan, fixtures).map((parts) => ({ op, plan, parts }));
      }),
    );
    await fc.assert(
      fc.asyncProperty(anyRequest, async ({ op, plan, parts }) => {
        await exercise(op, plan, parts);
      }),
      { seed: SEED, numRuns: MIXED_RUNS, endOnFailure: true },
    );
    await afterBatch(fixtures);
  }, 180_000);
});

// Counterexamples from longer runs with other seeds, replayed as they were found after the fix.
describe('fixed examples', () => {
  const replay = (key: string, callerName: string, parts: Partial<Parts>) =>
    exercise(operations.get(key)!, PLANS[key]!, {
      method: operations.get(key)!.method,
      caller: callers.find((caller) => caller.name === callerName)!,
      params: {},
      query: '',
      headers: {},
      body: undefined,
      ...parts,
    });

  it('a request no route matches is 404/405 even when its body is broken, and needs no key to be told', async () => {
    const wrongMethod = await replay('POST /v1/workflow-runs/{uuid}/cancel', 'unknown key', {
      method: 'PATCH',
      params: { uuid: '01a249ed-fab6-73e6-a514-3534a2d9a0fc' },
      body: { contentType: 'application/json', text: '{"__proto__":{"isAdmin":true}}' },
    });
    expect(wrongMethod.status).toBe(405);
    expect((wrongMethod.json as any).error.code).toBe('METHOD_NOT_ALLOWED');
    const noPath = await replay('DELETE /v1/api-keys/{uuid}', 'basic auth', { params: { uuid: '..' }, body: { contentType: 'application/json', text: '{' } });
    expect(noPath.status).toBe(404);
    const tooLarge = await replay('PUT /v1/secrets/{name}', 'admin', {
      method: 'PATCH',
      params: { name: 'FUZZ_SECRET' },
      body: raw.find((candidate) => candidate.text.length > BODY_LIMIT),
    });
    expect(tooLarge.status).toBe(405);
  });

  it('HEAD /v1/events answers the stream\'s headers and ends instead of holding the connection', async () => {
    const head = await replay('GET /v1/events', 'admin', { method: 'HEAD', headers: { 'last-event-id': '1e309' } });
    expect(head.status).toBe(200);
    expect(head.contentType).toMatch(/^text\/event-stream/);
    expect((await replay('GET /v1/events', 'no key', { method: 'HEAD' })).status).toBe(401);
  });
});

/**
 * The engine is still alive and sent nothing off the machine; the sleeping run is stopped so that
 * sleepers never fill the run slots.
 */
async function afterBatch(fixtures: Fixtures): Promise<void> {
  const health = await t.request('GET', '/v1/health', { key: null });
  expect(health.status, 'the engine answers /v1/health after the batch').toBe(200);
  expect(dials.refused, 'connections the engine tried to open off the machine').toEqual([]);
  await t.request('POST', `/v1/workflow-runs/${fixtures.runs.at(-1)}/cancel`);
}
