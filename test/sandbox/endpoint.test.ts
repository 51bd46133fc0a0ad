// http_endpoint runs at the sandbox boundary: the broker sends the request itself, no guest code
// runs, and the run's budgets, egress policy, cancel and redaction apply as for script runs.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEndpoint, validateEndpoint, type EndpointConfig } from '../../src/shared/endpoint.ts';
import { request, sandbox, upstream, type Upstream } from './helpers.ts';

const box = sandbox();
let receiver: Upstream;
let other: Upstream;
const held: ServerResponse[] = [];

beforeAll(async () => {
  other = await upstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, token: req.headers['x-api-token'] ?? null, source: req.headers['x-source'] ?? null }));
  });
  receiver = await upstream((req, res) => {
    if (req.url === '/hold') {
      held.push(res);
      return;
    }
    if (req.url === '/elsewhere') {
      res.writeHead(307, { location: `${other.url}/landing` });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await box.close();
  await receiver.close();
  await other.close();
});

function endpointRequest(config: Partial<EndpointConfig> & { url: string }, overrides: Parameters<typeof request>[1] = {}) {
  const checked = validateEndpoint(config, Object.keys(overrides.secrets ?? {}));
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return request(formatEndpoint(checked.config), {
    allowedHosts: ['127.0.0.1'],
    endpoint: { config: checked.config, body: JSON.stringify({ run_id: 'r1' }) },
    ...overrides,
  });
}

describe('endpoint runs in the sandbox', () => {
  it('sends the body as given, with no guest code involved', async () => {
    const before = receiver.bodies.length;
    const outcome = await box.host.run(endpointRequest({ url: `${receiver.url}/hook`, method: 'PUT' }));
    expect(outcome).toMatchObject({ status: 'success', result: { success: true, data: { status: 200, body: 'ok' } } });
    expect(receiver.bodies.slice(before)).toEqual(['{"run_id":"r1"}']);
    expect(receiver.hits.at(-1)!.method).toBe('PUT');
    expect(outcome.httpCalls).toHaveLength(1);
  });

  it('drops every secret-bearing header on a redirect to another origin', async () => {
    const token = 'very-secret-token-123';
    const outcome = await box.host.run(
      endpointRequest(
        { url: `${receiver.url}/elsewhere`, headers: { Authorization: 'Bearer {{secret:TOKEN}}', 'X-Api-Token': '{{secret:TOKEN}}', 'X-Source': 'vigil' } },
        { secrets: { TOKEN: token } },
      ),
    );
    expect(outcome.status).toBe('success');
    expect(receiver.hits.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
    expect(receiver.hits.at(-1)!.headers['x-api-token']).toBe(token);
    expect(outcome.result?.data).toMatchObject({ url: `${other.url}/landing`, json: { authorization: null, token: null, source: 'vigil' } });
    expect(JSON.stringify(outcome)).not.toContain(token);
  });

  it('is cancelled mid-request', async () => {
    const controller = new AbortController();
    const running = box.host.run(endpointRequest({ url: `${receiver.url}/hold` }), controller.signal);
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await running).toMatchObject({ status: 'cancelled', error: 'cancelled' });
  });

  it('counts against the run\'s HTTP call budget', async () => {
    const before = receiver.hits.length;
    const outcome = await box.host.run(endpointRequest({ url: `${receiver.url}/hook` }, { limits: { httpCalls: 0 } }));
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('HTTP call limit');
    expect(receiver.hits.length).toBe(before);
  });
});
