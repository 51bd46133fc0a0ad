// Who may call what, route by route: every registered route against every kind of caller. The
// rules below are written down here, apart from the routes' own configuration, and the route list
// comes from the running server, so a route added without a rule fails the first test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/shared/domain.ts';
import { slackSignature } from '../../src/main/engine/notify/signature.ts';
import { createLoginToken } from '../../src/main/engine/session/index.ts';
import { closeSharedSandbox, eventually, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';
import { json, send, type FuzzBody, type FuzzResponse } from '../helpers/fuzz.ts';

let t: TestServer;
let sink: Server;
let sinkUrl: string;
let rendererDir: string;
const decideTokens = new Map<string, string>();
const SIGNING_SECRET = 'authzsigningsecret0123456789abcd';

// ---- callers ----

interface Caller {
  name: string;
  /** The key, or null for a request without one. */
  key: string | null;
  /** Whether the key is usable (not revoked, not expired). */
  valid: boolean;
  keyType: 'human' | 'agent';
  scopes: readonly Scope[];
}

const callers: Caller[] = [];
const caller = (name: string): Caller => callers.find((c) => c.name === name)!;

function makeCallers(): void {
  const { engine } = t.server;
  const add = (name: string, keyType: 'human' | 'agent', scopes: readonly Scope[] | undefined, state: 'valid' | 'revoked' | 'expired' = 'valid') => {
    const { key, secret } = engine.keys.create({ name: `authz ${name}`, key_type: keyType, scopes: scopes as Scope[] | undefined });
    if (state === 'revoked') engine.keys.revoke(key.uuid);
    // Keys cannot be created expired; this one is made so before its first use (nothing cached).
    if (state === 'expired') engine.store.db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run('2001-01-01T00:00:00.000Z', key.id);
    callers.push({ name, key: secret, valid: state === 'valid', keyType, scopes: key.scopes });
  };
  callers.push({ name: 'no key', key: null, valid: false, keyType: 'human', scopes: [] });
  add('revoked key', 'human', ['admin'], 'revoked');
  add('expired key', 'human', ['admin'], 'expired');
  for (const scope of SCOPES) add(`only ${scope}`, 'human', [scope]);
  add('human', 'human', undefined);
  add('agent', 'agent', undefined);
  add('other agent', 'agent', undefined);
}

// ---- the rules ----

/**
 * `public`: no key needed (the credential, if any, is a token in the request itself).
 * `scopes`: a valid key holding them (admin implies all); `[]` means any valid key.
 * `owner`: the object belongs to the key that triggered it; another agent key gets 404, human
 *   keys see everything. `list`: the route lists such objects, filtered the same way.
 * `orOwnWith`: the owner may also call with this scope instead of `scopes`.
 */
type Rule =
  | { access: 'public' }
  | { access: 'key'; scopes: Scope[]; owner?: 'run' | 'approval' | 'list'; orOwnWith?: Scope };

const PUBLIC: Rule = { access: 'public' };
const needs = (...scopes: Scope[]): Rule => ({ access: 'key', scopes });
const ownRun = (...scopes: Scope[]): Rule => ({ access: 'key', scopes, owner: 'run' });
const ownList = (...scopes: Scope[]): Rule => ({ access: 'key', scopes, owner: 'list' });

interface Request {
  path: string;
  body?: FuzzBody;
  headers?: Record<string, string>;
}

interface RouteCase {
  rule: Rule;
  /** A request valid enough to pass validation, made for this caller (fresh objects where a call uses one up). */
  request: (caller: Caller) => Promise<Request> | Request;
  /** The answer an allowed caller gets. */
  ok: number | { status: number; code: string };
  /** More checks of an allowed answer (what a list shows this caller). */
  check?: (caller: Caller, response: FuzzResponse) => void;
}

// Objects the requests point at (made in beforeAll).
let workflow: string;
let gated: string;
let slow: string;
let agentRun: string;
let agentApproval: string;
/** A workflow with runs (approvals) by the agent, the other agent and (for runs) the analyst. */
let listed: { workflow: string; by: { agent: string; other: string; human: string } };
let listedApprovals: { workflow: string; by: { agent: string; other: string } };
const leftRunning: string[] = [];

const keyOf = (name: string) => caller(name).key!;

async function admin(method: string, path: string, body?: unknown) {
  const res = await t.request(method, path, { key: t.keys.admin, body });
  if (res.status >= 300) throw new Error(`setup ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function makeWorkflow(fields: Record<string, unknown> = {}): Promise<string> {
  return (await admin('POST', '/v1/workflows', { name: `authz ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never', ...fields })).data.uuid;
}

const executeBody = { indicator_type: 'ip', indicator_value: '203.0.113.9', reason: 'authorization matrix', confidence: 0.5 };

/** Executes as `key`; the run or approval it made. */
async function execute(uuid: string, key: string): Promise<string> {
  const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body: executeBody });
  if (res.status !== 202) throw new Error(`setup execute: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.run_uuid ?? res.body.data.approval_request_uuid;
}

async function mcpSession(key: string): Promise<string> {
  const res = await fetch(`${t.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(mcpInitialize),
  });
  await res.text();
  return res.headers.get('mcp-session-id')!;
}

const mcpInitialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'authz', version: '1' } },
};
const mcpHeaders = (session?: string) => ({
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  ...(session ? { 'mcp-session-id': session } : {}),
});

/** A list shows an agent key only what it triggered, and a human key everything. */
const showsOwn = (expected: { agent: string; other: string; human?: string }) => (who: Caller, response: FuzzResponse) => {
  const uuids = ((response.json as any).data as { uuid: string }[]).map((item) => item.uuid).sort();
  const all = Object.values(expected).sort();
  if (who.name === 'agent') expect(uuids, 'an agent lists only its own').toEqual([expected.agent]);
  else if (who.name === 'other agent') expect(uuids, 'an agent lists only its own').toEqual([expected.other]);
  else expect(uuids, 'a human key lists everything').toEqual(all);
};

const ROUTES: Record<string, RouteCase> = {
  'GET /v1/openapi.json': { rule: PUBLIC, ok: 200, request: () => ({ path: '/v1/openapi.json' }) },
  'GET /v1/health': { rule: PUBLIC, ok: 200, request: () => ({ path: '/v1/health' }) },
  // The console bundle (`vigil serve`): a page and its files, nothing secret.
  'GET /': { rule: PUBLIC, ok: 200, request: () => ({ path: '/' }) },
  'GET /index.html': { rule: PUBLIC, ok: 200, request: () => ({ path: '/index.html' }) },
  'GET /assets/*': { rule: PUBLIC, ok: 200, request: () => ({ path: '/assets/app.js' }) },

  'POST /v1/workflows': {
    rule: needs('workflows:write'),
    ok: 201,
    request: () => ({ path: '/v1/workflows', body: json({ name: 'authz created', code: TRIVIAL_WORKFLOW }) }),
  },
  'GET /v1/workflows': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: '/v1/workflows' }) },
  'GET /v1/workflows/:uuid': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: `/v1/workflows/${workflow}` }) },
  'PATCH /v1/workflows/:uuid': {
    rule: needs('workflows:write'),
    ok: 200,
    request: () => ({ path: `/v1/workflows/${workflow}`, body: json({ tags: ['authz'] }) }),
  },
  'DELETE /v1/workflows/:uuid': { rule: needs('workflows:write'), ok: 204, request: async () => ({ path: `/v1/workflows/${await makeWorkflow()}` }) },
  'POST /v1/workflows/:uuid/duplicate': { rule: needs('workflows:write'), ok: 201, request: () => ({ path: `/v1/workflows/${workflow}/duplicate` }) },
  'GET /v1/workflows/:uuid/versions': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: `/v1/workflows/${workflow}/versions` }) },
  'GET /v1/workflows/:uuid/lint': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: `/v1/workflows/${workflow}/lint` }) },
  'GET /v1/workflows/:uuid/versions/:version': {
    rule: needs('workflows:read'),
    ok: 200,
    request: () => ({ path: `/v1/workflows/${workflow}/versions/1` }),
  },
  'POST /v1/workflows/:uuid/execute': {
    rule: needs('workflows:execute'),
    ok: 202,
    request: () => ({ path: `/v1/workflows/${workflow}/execute`, body: json(executeBody) }),
  },
  'POST /v1/workflows/test': {
    rule: needs('workflows:write'),
    ok: 200,
    request: () => ({ path: '/v1/workflows/test', body: json({ code: TRIVIAL_WORKFLOW, indicator_type: 'ip', indicator_value: '203.0.113.9' }) }),
  },
  'POST /v1/workflows/:uuid/test': {
    rule: needs('workflows:write'),
    ok: 200,
    request: () => ({ path: `/v1/workflows/${workflow}/test`, body: json({ indicator_type: 'ip', indicator_value: '203.0.113.9' }) }),
  },
  'GET /v1/workflows/:uuid/mocks': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: `/v1/workflows/${workflow}/mocks` }) },
  'PUT /v1/workflows/:uuid/mocks': {
    rule: needs('workflows:write'),
    ok: 200,
    request: () => ({ path: `/v1/workflows/${workflow}/mocks`, body: json({ mocks: { responses: [] } }) }),
  },
  'POST /v1/workflows/import': {
    rule: needs('workflows:write'),
    ok: 200,
    request: () => ({ path: '/v1/workflows/import', body: json({ files: {}, dry_run: true }) }),
  },
  'POST /v1/workflows/generate': {
    rule: needs('workflows:write'),
    // No model is configured here: getting as far as saying so is getting past the door.
    ok: { status: 400, code: 'LLM_NOT_CONFIGURED' },
    request: () => ({ path: '/v1/workflows/generate', body: json({ description: 'block an ip' }) }),
  },

  'GET /v1/workflow-runs': {
    rule: ownList('workflows:read'),
    ok: 200,
    request: () => ({ path: `/v1/workflow-runs?workflow_uuid=${listed.workflow}` }),
    check: (who, response) => showsOwn(listed.by)(who, response),
  },
  'GET /v1/workflows/:uuid/runs': {
    rule: ownList('workflows:read'),
    ok: 200,
    request: () => ({ path: `/v1/workflows/${listed.workflow}/runs` }),
    check: (who, response) => showsOwn(listed.by)(who, response),
  },
  'GET /v1/workflow-runs/:uuid': { rule: ownRun('workflows:read'), ok: 200, request: () => ({ path: `/v1/workflow-runs/${agentRun}` }) },
  'POST /v1/workflow-runs/:uuid/cancel': {
    rule: ownRun('workflows:execute'),
    ok: 202,
    // Each cancel uses up a run: a fresh, still running one of the agent's.
    request: async () => {
      const run = await execute(slow, keyOf('agent'));
      leftRunning.push(run);
      return { path: `/v1/workflow-runs/${run}/cancel` };
    },
  },

  'GET /v1/workflow-approvals': {
    rule: ownList('workflows:read'),
    ok: 200,
    request: () => ({ path: `/v1/workflow-approvals?workflow_uuid=${listedApprovals.workflow}` }),
    check: (who, response) => showsOwn(listedApprovals.by)(who, response),
  },
  // An agent key without read scope may still follow the requests it made.
  'GET /v1/workflow-approvals/:uuid': {
    rule: { access: 'key', scopes: ['workflows:read'], owner: 'approval', orOwnWith: 'workflows:execute' },
    ok: 200,
    request: () => ({ path: `/v1/workflow-approvals/${agentApproval}` }),
  },
  'POST /v1/workflow-approvals/:uuid/approve': {
    rule: needs('approvals:write'),
    ok: 200,
    request: async () => ({ path: `/v1/workflow-approvals/${await execute(gated, keyOf('agent'))}/approve`, body: json({}) }),
  },
  'POST /v1/workflow-approvals/:uuid/reject': {
    rule: needs('approvals:write'),
    ok: 200,
    request: async () => ({ path: `/v1/workflow-approvals/${await execute(gated, keyOf('agent'))}/reject`, body: json({ reason: 'no' }) }),
  },
  // The token from the notification is the credential; a key changes nothing.
  'GET /v1/approvals/:uuid/decide': {
    rule: PUBLIC,
    ok: 200,
    request: () => ({ path: `/v1/approvals/${agentApproval}/decide?token=${decideTokens.get(agentApproval)}` }),
  },
  'POST /v1/approvals/:uuid/decide': {
    rule: PUBLIC,
    ok: 200,
    request: async () => {
      const approval = await execute(gated, keyOf('agent'));
      const form = new URLSearchParams({ token: decideTokens.get(approval)!, decision: 'reject' }).toString();
      return { path: `/v1/approvals/${approval}/decide`, body: { contentType: 'application/x-www-form-urlencoded', text: form } };
    },
  },
  // Slack's signature is the credential.
  'POST /v1/approvals/callback/slack': {
    rule: PUBLIC,
    ok: 200,
    request: () => {
      const text = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        path: '/v1/approvals/callback/slack',
        body: { contentType: 'application/x-www-form-urlencoded', text },
        headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, text) },
      };
    },
  },

  'GET /v1/api-keys': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/api-keys' }) },
  'GET /v1/api-keys/current': { rule: needs(), ok: 200, request: () => ({ path: '/v1/api-keys/current' }) },
  'POST /v1/api-keys': { rule: needs('admin'), ok: 201, request: () => ({ path: '/v1/api-keys', body: json({ name: 'authz made', key_type: 'agent' }) }) },
  'DELETE /v1/api-keys/:uuid': {
    rule: needs('admin'),
    ok: 200,
    request: () => ({ path: `/v1/api-keys/${t.server.engine.keys.create({ name: 'authz victim', key_type: 'agent' }).key.uuid}` }),
  },

  'GET /v1/secrets': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: '/v1/secrets' }) },
  'PUT /v1/secrets/:name': { rule: needs('workflows:write'), ok: 200, request: () => ({ path: '/v1/secrets/AUTHZ_SECRET', body: json({ value: 'x' }) }) },
  'DELETE /v1/secrets/:name': {
    rule: needs('workflows:write'),
    ok: 200,
    request: async () => {
      await admin('PUT', '/v1/secrets/AUTHZ_DOOMED', { value: 'x' });
      return { path: '/v1/secrets/AUTHZ_DOOMED' };
    },
  },

  'GET /v1/settings': { rule: needs('workflows:read'), ok: 200, request: () => ({ path: '/v1/settings' }) },
  'PATCH /v1/settings': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/settings', body: json({ execute_rate_limit_per_minute: 0 }) }) },
  'GET /v1/settings/llm': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/settings/llm' }) },
  'PUT /v1/settings/llm': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/settings/llm', body: json({ provider: null }) }) },
  'GET /v1/settings/notifiers': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/settings/notifiers' }) },
  'PUT /v1/settings/notifiers': {
    rule: needs('admin'),
    ok: 200,
    request: () => ({ path: '/v1/settings/notifiers', body: json({ desktop: { enabled: true } }) }),
  },
  'POST /v1/settings/notifiers/test': {
    rule: needs('admin'),
    ok: 200,
    request: () => ({ path: '/v1/settings/notifiers/test', body: json({ channel: 'slack' }) }),
  },

  'GET /v1/integrations': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/integrations' }) },
  'GET /v1/integrations/:name': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/integrations/okta' }) },
  'PUT /v1/integrations/:name': {
    rule: needs('admin'),
    ok: 200,
    request: () => ({ path: '/v1/integrations/okta', body: json({ org_url: sinkUrl, api_token: 'authz-token-1234' }) }),
  },
  'DELETE /v1/integrations/:name': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/integrations/entra' }) },
  'POST /v1/integrations/:name/test': { rule: needs('admin'), ok: 200, request: () => ({ path: '/v1/integrations/okta/test' }) },

  // Any valid key may listen; what it hears is filtered by who it is (see events.test.ts).
  'GET /v1/events': { rule: needs(), ok: 200, request: () => ({ path: '/v1/events' }) },
  // MCP checks each tool's scopes itself (mcp.test.ts); the transport takes any valid key.
  'POST /mcp': { rule: needs(), ok: 200, request: () => ({ path: '/mcp', body: json(mcpInitialize), headers: mcpHeaders() }) },
  'GET /mcp': {
    rule: needs(),
    ok: 200,
    request: async (who) => ({ path: '/mcp', headers: mcpHeaders(who.valid ? await mcpSession(who.key!) : undefined) }),
  },
  'DELETE /mcp': {
    rule: needs(),
    ok: 200,
    request: async (who) => ({ path: '/mcp', headers: mcpHeaders(who.valid ? await mcpSession(who.key!) : undefined) }),
  },

  // The one-time login token is the credential.
  'POST /v1/session': { rule: PUBLIC, ok: 201, request: () => ({ path: '/v1/session', body: json({ login_token: createLoginToken(t.server.engine) }) }) },
};

// ---- expectations ----

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'hidden';

const holds = (who: Caller, scopes: readonly Scope[]) => who.scopes.includes('admin') || scopes.every((scope) => who.scopes.includes(scope));

function expected(rule: Rule, who: Caller): Outcome {
  if (rule.access === 'public') return 'allowed';
  if (!who.valid) return 'unauthenticated';
  const owner = who.name === 'agent';
  if (rule.owner && rule.owner !== 'list' && who.keyType === 'agent' && !owner) return 'hidden';
  if (!holds(who, rule.scopes) && !(owner && rule.orOwnWith && holds(who, [rule.orOwnWith]))) return 'forbidden';
  return 'allowed';
}

/** A request no key may get past, malformed everywhere: the key is checked before anything else. */
function garbage(method: string, url: string): Request {
  const path = url.replace(/:\w+/g, 'not-a-valid-id').replace('*', 'x');
  return method === 'GET' || method === 'DELETE'
    ? { path: `${path}?page=zero&unknown=1` }
    : { path, body: { contentType: 'application/json', text: '{"nonsense":' } };
}

async function call(method: string, who: Caller, request: Request): Promise<FuzzResponse> {
  const headers = { ...request.headers, ...(who.key ? { authorization: `Bearer ${who.key}` } : {}) };
  return send(`${t.url}${request.path}`, method, headers, request.body);
}

// ---- the suite ----

beforeAll(async () => {
  sink = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
  // A console bundle, so that its routes are registered as under `vigil serve`.
  rendererDir = mkdtempSync(join(tmpdir(), 'vigil-authz-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Vigil</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("vigil");');
  t = await startTestServer({ rendererDir });
  t.server.engine.approvals.onCreated((approval, token) => decideTokens.set(approval.uuid, token));
  makeCallers();

  await admin('PUT', '/v1/settings/notifiers', {
    slack: { enabled: true, mode: 'webhook', webhook_url: `${sinkUrl}/slack`, api_url: `${sinkUrl}/slack-api/`, signing_secret: SIGNING_SECRET },
  });
  await admin('PUT', '/v1/integrations/okta', { org_url: sinkUrl, api_token: 'authz-token-1234' });

  workflow = await makeWorkflow();
  gated = await makeWorkflow({ approval_mode: 'always' });
  slow = await makeWorkflow({ code: 'export async function run(ctx) {\n  await ctx.sleep(30000);\n  return ctx.ok("slept");\n}\n' });
  agentRun = await execute(workflow, keyOf('agent'));
  agentApproval = await execute(gated, keyOf('agent'));
  const listWorkflow = await makeWorkflow();
  listed = {
    workflow: listWorkflow,
    by: {
      agent: await execute(listWorkflow, keyOf('agent')),
      other: await execute(listWorkflow, keyOf('other agent')),
      human: await execute(listWorkflow, keyOf('human')),
    },
  };
  const listGated = await makeWorkflow({ approval_mode: 'always' });
  listedApprovals = {
    workflow: listGated,
    by: { agent: await execute(listGated, keyOf('agent')), other: await execute(listGated, keyOf('other agent')) },
  };
});

afterAll(async () => {
  for (const run of leftRunning) await t?.request('POST', `/v1/workflow-runs/${run}/cancel`);
  await t?.close();
  await closeSharedSandbox();
  sink?.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('authorization matrix', () => {
  it('has a rule for every registered route, and no rule without a route', () => {
    const registered = t.server.app.routeTable.filter((route) => route.method !== 'HEAD').map((route) => `${route.method} ${route.url}`);
    expect(registered.filter((route) => !ROUTES[route]).sort(), 'new routes without a rule (add them to ROUTES)').toEqual([]);
    expect(Object.keys(ROUTES).filter((route) => !registered.includes(route)).sort(), 'rules for routes that no longer exist').toEqual([]);
  });

  it('answers HEAD like the GET it mirrors: no key, no answer', async () => {
    const heads = t.server.app.routeTable.filter((route) => route.method === 'HEAD');
    expect(heads.length).toBeGreaterThan(0);
    for (const { url } of heads) {
      const twin = ROUTES[`GET ${url}`];
      expect(twin, `HEAD ${url} has no GET twin`).toBeDefined();
      if (twin!.rule.access === 'public') continue;
      const res = await call('HEAD', caller('no key'), garbage('GET', url));
      expect(res.status, `HEAD ${url}`).toBe(401);
    }
  });

  for (const [route, spec] of Object.entries(ROUTES)) {
    it(route, async () => {
      const [method, url] = route.split(' ') as [string, string];
      for (const who of callers) {
        const outcome = expected(spec.rule, who);
        const request = outcome === 'unauthenticated' ? garbage(method, url) : await spec.request(who);
        const res = await call(method, who, request);
        const error = (res.json as { error?: { code?: string; details?: any } } | undefined)?.error;
        const what = `${route} as ${who.name} (expected: ${outcome}) → ${res.status} ${res.text.slice(0, 300)}`;
        switch (outcome) {
          case 'unauthenticated':
            expect(res.status, what).toBe(401);
            expect(error?.code, what).toBe('UNAUTHORIZED');
            break;
          case 'forbidden':
            expect(res.status, what).toBe(403);
            expect(error?.code, what).toBe('FORBIDDEN');
            expect(error?.details?.required_scopes, what).toEqual((spec.rule as { scopes: Scope[] }).scopes);
            break;
          case 'hidden':
            expect(res.status, what).toBe(404);
            expect(error?.code, what).toBe('NOT_FOUND');
            break;
          case 'allowed': {
            const ok = typeof spec.ok === 'number' ? { status: spec.ok, code: undefined } : spec.ok;
            expect(res.status, what).toBe(ok.status);
            if (ok.code) expect(error?.code, what).toBe(ok.code);
            spec.check?.(who, res);
          }
        }
      }
    }, 60_000);
  }

  it('an agent key cannot see or cancel an analyst\'s run; human keys see any', async () => {
    const run = listed.by.human;
    for (const name of ['agent', 'other agent']) {
      expect((await call('GET', caller(name), { path: `/v1/workflow-runs/${run}` })).status, name).toBe(404);
    }
    expect((await call('GET', caller('only workflows:read'), { path: `/v1/workflow-runs/${listed.by.other}` })).status).toBe(200);
    const finished = await eventually(async () => {
      const res = await t.request('GET', `/v1/workflow-runs/${run}`);
      return ['success', 'failed'].includes(res.body.data.status) && res.body.data;
    }, 'the analyst run to finish');
    expect((await call('POST', caller('agent'), { path: `/v1/workflow-runs/${finished.uuid}/cancel` })).status).toBe(404);
  });
});
