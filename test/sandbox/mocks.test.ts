// Test mode: mock responses (Vigil's ordered list, and Calseta's one body for every call), the call records a
// test run returns, and the guarantee that nothing leaves the machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockMatcher } from '../../src/main/sandbox/mocks.ts';
import { answerEveryCall, MockSpecError, parseMockSpec, toTestReport } from '../../src/main/sandbox/index.ts';
import { sandbox, upstream, type Upstream } from './helpers.ts';

const box = sandbox();
let real: Upstream;
beforeAll(async () => {
  real = await upstream((_req, res) => res.end('{"from":"the real server"}'));
});
afterAll(async () => {
  await box.close();
  await real?.close();
});

describe('parseMockSpec', () => {
  it('accepts the ordered list with a default', () => {
    const spec = parseMockSpec({
      responses: [
        { method: 'post', url: 'https://api.example.com/v1/*', status: 201, json: { id: 1 }, times: 2 },
        { url: 'https://hooks.example.com/x', body: 'ok', headers: { 'X-Id': 'r1' }, delay_ms: 5 },
      ],
      default: { status: 404, json: { error: 'nope' } },
    });
    expect(spec.rules[0]).toEqual({ method: 'POST', url: 'https://api.example.com/v1/*', status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":1}', delay_ms: 0, times: 2 });
    expect(spec.rules[1]).toMatchObject({ method: null, status: 200, headers: { 'x-id': 'r1' }, body: 'ok', delay_ms: 5, times: null });
    expect(spec.default).toEqual({ status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"nope"}', delay_ms: 0 });
  });

  it('accepts a bare list (unmatched calls fail); Calseta\'s one body for every call is its own shorthand', () => {
    expect(parseMockSpec([{ url: 'https://a.example/' }]).default).toBe('error');
    expect(parseMockSpec({ responses: [] }).default).toBe('error');
    const calseta = answerEveryCall({ data: { verdict: 'malicious' }, score: 9 });
    expect(calseta.rules).toEqual([]);
    expect(calseta.default).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"data":{"verdict":"malicious"},"score":9}', delay_ms: 0 });
  });

  it('lists every problem in one error', () => {
    try {
      parseMockSpec({ responses: [{ url: 3, status: 99, json: 1, body: 'x', times: 0, extra: true, method: 'FETCH', headers: { 'bad name': 'v' } }, 'x'], default: 'sometimes' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MockSpecError);
      expect((error as MockSpecError).problems).toEqual([
        'responses[0]: unknown field "extra"',
        'responses[0].method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'responses[0].url must be a URL or a glob such as "https://api.example.com/*"',
        'responses[0].times must be a positive integer',
        'responses[0].status must be an HTTP status between 100 and 599',
        'responses[0].headers: "bad name" is not a valid header name',
        'responses[0]: give json or body, not both',
        'responses[1] must be an object',
        'default must be a response object or "error"',
      ]);
    }
    expect(() => parseMockSpec('nope')).toThrow(/mocks must be a list of responses/);
  });

  it('matches in order, by method and glob, with times and query rules', () => {
    const matcher = new MockMatcher(
      parseMockSpec({
        responses: [
          { method: 'GET', url: 'https://api.example.com/items/*', status: 202, times: 1 },
          { url: 'https://api.example.com/items/*', status: 203 },
          { url: 'https://api.example.com/search?q=*', status: 204 },
          { url: 'https://api.example.com', status: 205 },
        ],
        default: 'error',
      }),
    );
    expect(matcher.match('GET', 'https://api.example.com/items/1?x=1')).toMatchObject({ mock: 0, response: { status: 202 } });
    expect(matcher.match('GET', 'https://api.example.com/items/1')).toMatchObject({ mock: 1, response: { status: 203 } });
    expect(matcher.match('POST', 'https://api.example.com/items/1')).toMatchObject({ mock: 1 });
    expect(matcher.match('GET', 'https://api.example.com/search?q=evil')).toMatchObject({ mock: 2 });
    expect(matcher.match('GET', 'https://api.example.com/search')).toBeNull();
    expect(matcher.match('GET', 'https://api.example.com/')).toMatchObject({ mock: 3 });
    expect(matcher.match('GET', 'https://other.example.com/')).toBeNull();
  });
});

describe('test runs in the sandbox', () => {
  it('answers from the mocks, records every call and which mock answered, and sends nothing', async () => {
    const mocks = parseMockSpec({
      responses: [
        { method: 'POST', url: `${real.url}/api/*`, status: 201, json: { created: true }, times: 1 },
        { url: `${real.url}/api/*`, status: 409, json: { created: false } },
        { url: 'https://redirect.example.com/start', status: 302, headers: { location: 'https://redirect.example.com/end' } },
        { url: 'https://redirect.example.com/end', body: 'landed' },
      ],
      default: { status: 418, body: 'teapot' },
    });
    const outcome = await box.run(
      `export async function run(ctx) {
        const a = await ctx.http.post("${real.url}/api/items", { json: { n: 1 }, headers: { authorization: "Bearer " + ctx.secrets.get("TOKEN") } });
        const b = await ctx.http.post("${real.url}/api/items", { json: { n: 2 } });
        const c = await ctx.http.get("https://redirect.example.com/start");
        const d = await ctx.http.delete("https://anything.example.com/x");
        return ctx.ok("mocked", { test: ctx.run.test, a: [a.status, a.json()], b: [b.status, b.json()], c: [c.status, c.url, c.text()], d: [d.status, d.text()] });
      }`,
      { mocks, allowedHosts: ['127.0.0.1', '*.example.com'], secrets: { TOKEN: 'tok-secret-1234' }, declaredSecrets: ['TOKEN'] },
    );
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(outcome.result?.data).toEqual({
      test: true,
      a: [201, { created: true }],
      b: [409, { created: false }],
      c: [200, 'https://redirect.example.com/end', 'landed'],
      d: [418, 'teapot'],
    });
    expect(real.hits).toHaveLength(0);
    expect(outcome.httpCalls.map((call) => [call.method, call.status, call.mock])).toEqual([
      ['POST', 201, 0],
      ['POST', 409, 1],
      ['GET', 200, 3],
      ['DELETE', 418, 'default'],
    ]);
    expect(outcome.httpCalls[0]).toMatchObject({
      url: `${real.url}/api/items`,
      request_headers: { authorization: 'Bearer [REDACTED]', 'content-type': 'application/json', 'user-agent': 'Vigil-Workflow/1.0' },
      request_body: '{"n":1}',
      error: null,
    });
    const report = toTestReport(outcome, []);
    expect(report).toMatchObject({ success: true, message: 'mocked', status: 'success', error: null });
    expect(report.http_calls).toBe(outcome.httpCalls);
  });

  it('fails unmatched calls loudly by default', async () => {
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("${real.url}/unmocked"); return ctx.ok("never"); }`, {
      mocks: parseMockSpec([]),
      allowedHosts: ['127.0.0.1'],
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/no mock matches GET http:\/\/127\.0\.0\.1:\d+\/unmocked \(test mode: add a mock for it, or a "default"\)/);
    expect(outcome.httpCalls[0]).toMatchObject({ status: null, mock: null, error: expect.stringMatching(/^no mock matches/) });
    expect(real.hits).toHaveLength(0);
    const report = toTestReport(outcome, []);
    expect(report).toMatchObject({ success: false, status: 'failed', data: null });
    expect(report.message).toBe(outcome.error);
  });

  it('answers every call with Calseta\'s object', async () => {
    const outcome = await box.run('export async function run(ctx) { const r = await ctx.http.get("https://vt.example.com/api/v3/ip/1.2.3.4"); return ctx.ok("ok", r.json()); }', {
      mocks: answerEveryCall({ data: { attributes: { reputation: -20 } } }),
    });
    expect(outcome.result?.data).toEqual({ data: { attributes: { reputation: -20 } } });
  });

  it('still applies the egress policy in test mode', async () => {
    const outcome = await box.run('export async function run(ctx) { await ctx.http.get("http://169.254.169.254/latest/"); }', { mocks: answerEveryCall({ any: 1 }) });
    expect(outcome.error).toMatch(/egress to 169\.254\.169\.254 denied: cloud metadata address/);
    const restricted = await box.run('export async function run(ctx) { await ctx.http.get("https://elsewhere.example.org/"); }', { mocks: answerEveryCall({ any: 1 }), allowedHosts: ['api.example.com'] });
    expect(restricted.error).toMatch(/not in the workflow's allowed_hosts/);
  });

  it('delays a response when asked', async () => {
    const outcome = await box.run('export async function run(ctx) { const r = await ctx.http.get("https://slow.example.com/", { timeout_ms: 100 }); return ctx.ok(String(r.status)); }', {
      mocks: parseMockSpec({ responses: [{ url: 'https://slow.example.com/*', delay_ms: 5_000 }] }),
    });
    expect(outcome.error).toMatch(/GET https:\/\/slow\.example\.com\/ failed: timed out after 100 ms/);
  });
});
