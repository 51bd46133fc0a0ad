// Egress through the real sandbox process against loopback upstreams. Loopback is denied by
// default, so every upstream here is reached through the documented opt-in (allowed_hosts naming
// 127.0.0.1 or a name the loopback DNS stub maps to it). Denied destinations are refused before a
// socket opens; the upstreams' hit counts prove the refused calls never arrived.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsStub, sandbox, upstream, type DnsStub, type Upstream } from './helpers.ts';

let dns: DnsStub;
let box: ReturnType<typeof sandbox>;
let api: Upstream;
let other: Upstream;

beforeAll(async () => {
  dns = await dnsStub({ 'rebind.test': '127.0.0.1', 'intranet.test': '10.0.0.5', 'api.test': '127.0.0.1', 'metadata.test': '169.254.169.254' });
  box = sandbox({ dnsServers: [dns.server] });
  other = await upstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  api = await upstream((req, res, body) => {
    const url = new URL(req.url!, 'http://x');
    switch (url.pathname) {
      case '/echo':
        res.setHeader('content-type', 'application/json');
        res.setHeader('X-Multi', ['a', 'b']);
        res.end(JSON.stringify({ method: req.method, query: Object.fromEntries(url.searchParams), headers: req.headers, body }));
        return;
      case '/to-private':
        res.writeHead(302, { location: 'http://10.0.0.5/internal' }).end();
        return;
      case '/to-metadata':
        res.writeHead(301, { location: 'http://metadata.test/latest/meta-data/' }).end();
        return;
      case '/to-intranet':
        res.writeHead(307, { location: 'http://intranet.test/echo' }).end();
        return;
      case '/to-other':
        res.writeHead(302, { location: `${other.url}/landed` }).end();
        return;
      case '/to-other-307':
        res.writeHead(307, { location: `${other.url}/landed` }).end();
        return;
      case '/same-origin':
        res.writeHead(303, { location: '/echo?after=redirect' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/big':
        res.end(Buffer.alloc(2 * 1024 * 1024, 97));
        return;
      case '/big-chunked':
        res.write(Buffer.alloc(700 * 1024, 97));
        res.end(Buffer.alloc(700 * 1024, 98));
        return;
      case '/gzip':
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(JSON.stringify({ compressed: true })));
        return;
      case '/gzip-bomb':
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
        return;
      case '/huge-headers':
        res.setHeader('x-huge', 'h'.repeat(100 * 1024));
        res.end('ok');
        return;
      case '/slow-headers':
        return; // never answers
      case '/slow-body':
        res.write('{"partial":');
        return; // never finishes
      default:
        res.statusCode = 404;
        res.end('not found');
    }
  });
});

afterAll(async () => {
  await box?.close();
  await Promise.all([api?.close(), other?.close(), dns?.close()]);
});

const LOOPBACK = { allowedHosts: ['127.0.0.1'] };

describe('reaching an allowed upstream', () => {
  it('sends method, query, headers and JSON, and returns a buffered response', async () => {
    const outcome = await box.run(
      `export async function run(ctx) {
        const res = await ctx.http.post("${api.url}/echo?fixed=1", { query: { ip: ctx.indicator.value, n: 2, on: true }, headers: { "X-Token": "abc" }, json: { hello: "world" } });
        const body = res.json();
        return ctx.ok("echoed", { status: res.status, ok: res.ok, url: res.url, multi: res.headers["x-multi"], type: res.headers["content-type"],
          method: body.method, query: body.query, token: body.headers["x-token"], ua: body.headers["user-agent"], ct: body.headers["content-type"], sent: JSON.parse(body.body),
          text: res.text().length > 10 });
      }`,
      LOOPBACK,
    );
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(outcome.result?.data).toEqual({
      status: 200,
      ok: true,
      url: `${api.url}/echo?fixed=1&ip=198.51.100.7&n=2&on=true`,
      multi: 'a, b',
      type: 'application/json',
      method: 'POST',
      query: { fixed: '1', ip: '198.51.100.7', n: '2', on: 'true' },
      token: 'abc',
      ua: 'Vigil-Workflow/1.0',
      ct: 'application/json',
      sent: { hello: 'world' },
      text: true,
    });
    const entry = outcome.logs.find((log) => log.http !== null)!;
    expect(entry.http).toMatchObject({ method: 'POST', status: 200, url: `${api.url}/echo?fixed=1&ip=198.51.100.7&n=2&on=true` });
    expect(entry.message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/echo\?.* → 200 \(\d+ ms, \d+ bytes\)$/);
  });

  it('decompresses gzip bodies', async () => {
    const outcome = await box.run(`export async function run(ctx) { const res = await ctx.http.get("${api.url}/gzip"); return ctx.ok("ok", res.json()); }`, LOOPBACK);
    expect(outcome.result?.data).toEqual({ compressed: true });
  });

  it('reports 4xx/5xx as responses, not errors', async () => {
    const outcome = await box.run(`export async function run(ctx) { const res = await ctx.http.get("${api.url}/nope"); return ctx.ok(String(res.status) + res.ok + res.text()); }`, LOOPBACK);
    expect(outcome.result?.message).toBe('404falsenot found');
    expect(outcome.logs.find((l) => l.http)?.level).toBe('warn');
  });
});

describe('refusals', () => {
  it('denies loopback unless allowed_hosts opts in, before any request arrives', async () => {
    const before = api.hits.length;
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/echo"); return ctx.ok("reached"); }`);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/egress to 127\.0\.0\.1(:\d+)? denied: /);
    expect(api.hits.length).toBe(before);
  });

  it('denies a name whose DNS answer is loopback or private, and dials it once the name is allowed', async () => {
    const before = api.hits.length;
    const rebind = await box.run(`export async function run(ctx) { await ctx.http.get("http://rebind.test/echo"); return ctx.ok("reached"); }`);
    expect(rebind.error).toMatch(/^Error: egress to rebind\.test \(127\.0\.0\.1\) denied: loopback address/);
    const intranet = await box.run(`export async function run(ctx) { await ctx.http.get("https://intranet.test/"); return ctx.ok("reached"); }`);
    expect(intranet.error).toMatch(/^Error: egress to intranet\.test \(10\.0\.0\.5\) denied: private address/);
    expect(api.hits.length).toBe(before);
    expect(dns.queries).toContain('rebind.test/1');
    const named = await box.run(`export async function run(ctx) { const res = await ctx.http.get("http://api.test:${api.port}/echo"); return ctx.ok(res.json().method); }`, { allowedHosts: ['api.test'] });
    expect(named.result?.message).toBe('GET');
    expect(api.hits.length).toBe(before + 1);
  });

  it('restricts to allowed_hosts', async () => {
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("http://api.test:${api.port}/echo"); }`, { allowedHosts: ['api.example.com'] });
    expect(outcome.error).toMatch(/egress to api\.test denied: not in the workflow's allowed_hosts/);
  });

  it('re-checks every redirect hop', async () => {
    const toPrivate = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/to-private"); }`, LOOPBACK);
    expect(toPrivate.error).toMatch(/^Error: egress to 10\.0\.0\.5 denied: not in the workflow's allowed_hosts/);
    // Even a redirect to a name the workflow lists is refused when the name answers with a metadata address.
    const toMetadata = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/to-metadata"); }`, { allowedHosts: ['127.0.0.1', 'metadata.test'] });
    expect(toMetadata.error).toMatch(/^Error: egress to metadata\.test \(169\.254\.169\.254\) denied: cloud metadata address/);
    const toIntranet = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/to-intranet"); }`, LOOPBACK);
    expect(toIntranet.error).toMatch(/^Error: egress to intranet\.test \(10\.0\.0\.5\) denied: not in the workflow's allowed_hosts/);
  });

  it('under test, refuses to dial past loopback even where the policy allows it', async () => {
    // allowed_hosts opens a private address; the harness dial still refuses it before any packet.
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("http://intranet.test/echo"); return ctx.ok("reached"); }`, { allowedHosts: ['intranet.test'] });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/egress to 10\.0\.0\.5 denied: the test harness dials loopback only/);
  });

  it('follows at most 5 redirects', async () => {
    const before = api.hits.length;
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/loop"); }`, LOOPBACK);
    expect(outcome.error).toMatch(/too many redirects \(more than 5\)/);
    expect(api.hits.length - before).toBe(6);
  });

  it('drops every credential and secret-carrying header across origins, keeps them within one, forwards the rest', async () => {
    const secret = 'rt-5e3c9a7f1b';
    const sent = (path: string) =>
      `import { base64Encode } from "vigil";
      export async function run(ctx) {
        const key = ctx.secrets.get("RT_SECRET");
        const res = await ctx.http.get("${api.url}${path}", { headers: {
          authorization: "Bearer t0ken", cookie: "s=1", "x-api-key": "k-static", "private-token": "p-static",
          "x-custom-auth": key, "x-b64-auth": base64Encode(key), "x-basic-auth": "Basic " + base64Encode("analyst:" + key),
          "x-request-id": "req-42" } });
        return ctx.ok("landed", { url: res.url });
      }`;
    const run = { ...LOOPBACK, secrets: { RT_SECRET: secret }, declaredSecrets: ['RT_SECRET'] };
    const dropped = ['authorization', 'cookie', 'x-api-key', 'private-token', 'x-custom-auth', 'x-b64-auth', 'x-basic-auth'];

    const cross = await box.run(sent('/to-other'), run);
    expect(cross.result?.data).toEqual({ url: `${other.url}/landed` });
    const first = api.hits.at(-1)!.headers;
    expect(first['x-custom-auth']).toBe(secret);
    expect(first['x-basic-auth']).toBe(`Basic ${Buffer.from(`analyst:${secret}`).toString('base64')}`);
    const landed = other.hits.at(-1)!.headers;
    for (const name of dropped) expect(landed[name], name).toBeUndefined();
    expect(landed['x-request-id']).toBe('req-42');
    expect(JSON.stringify(other.hits.at(-1)!.rawHeaders)).not.toContain(secret);

    const same = await box.run(sent('/same-origin'), run);
    expect(same.result?.data).toEqual({ url: `${api.url}/echo?after=redirect` });
    const kept = api.hits.at(-1)!.headers;
    expect(api.hits.at(-1)!.url).toBe('/echo?after=redirect');
    for (const name of dropped) expect(kept[name], name).toBeDefined();
    expect(kept['x-custom-auth']).toBe(secret);
    expect(kept['x-request-id']).toBe('req-42');
  });

  it('does not resend a body carrying a secret to another origin on a 307; a body without one follows', async () => {
    const post = (body: string) =>
      `export async function run(ctx) {
        const secret = ctx.secrets.get("CLIENT_SECRET");
        try {
          const res = await ctx.http.post("${api.url}/to-other-307", { body: ${body} });
          return ctx.ok("followed", { url: res.url });
        } catch (error) {
          return ctx.fail(String(error.message));
        }
      }`;
    const run = { ...LOOPBACK, secrets: { CLIENT_SECRET: 'cs-7a1f93e2' }, declaredSecrets: ['CLIENT_SECRET'] };
    const before = other.hits.length;
    const refused = await box.run(post('"grant_type=client_credentials&client_secret=" + secret'), run);
    expect(refused.status).toBe('failed');
    expect(refused.result?.message).toMatch(/not followed: it would resend a request body carrying a secret to another origin/);
    expect(other.hits.length).toBe(before);
    const plain = await box.run(post('"grant_type=client_credentials"'), run);
    expect(plain.result?.data).toEqual({ url: `${other.url}/landed` });
    expect(other.hits.length).toBe(before + 1);
  });

  it('turns a POST into a GET on a 303, dropping its body', async () => {
    const same = await box.run(
      `export async function run(ctx) {
        const res = await ctx.http.post("${api.url}/same-origin", { headers: { authorization: "Bearer t0ken" }, json: { a: 1 } });
        const body = res.json();
        return ctx.ok("same", { url: res.url, method: body.method, auth: body.headers.authorization, body: body.body });
      }`,
      LOOPBACK,
    );
    expect(same.result?.data).toEqual({ url: `${api.url}/echo?after=redirect`, method: 'GET', auth: 'Bearer t0ken', body: '' });
  });
});

describe('size and time caps', () => {
  const small = { ...LOOPBACK, limits: { httpBodyBytes: 1024 * 1024 } };

  it('caps response bodies by declared length, while streaming, and after decompression', async () => {
    for (const path of ['/big', '/big-chunked', '/gzip-bomb']) {
      const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}${path}"); return ctx.ok("read it"); }`, small);
      expect(outcome.error, path).toMatch(/the response body is larger than 1 MB/);
    }
  });

  it('caps request bodies', async () => {
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.post("${api.url}/echo", { body: "x".repeat(1100 * 1024) }); }`, small);
    expect(outcome.error).toMatch(/the request body is larger than 1 MB/);
  });

  it('caps response headers', async () => {
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/huge-headers"); }`, LOOPBACK);
    expect(outcome.error).toMatch(/the response headers are larger than 64 KB/);
  });

  it('times out slow servers (headers and body) per call', async () => {
    const headers = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/slow-headers", { timeout_ms: 300 }); }`, LOOPBACK);
    expect(headers.error).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/slow-headers failed: timed out after 300 ms/);
    const body = await box.run(`export async function run(ctx) { await ctx.http.get("${api.url}/slow-body", { timeout_ms: 300 }); }`, LOOPBACK);
    expect(body.error).toMatch(/failed: (timed out after 300 ms|aborted)/);
  });

  it('reports refused connections', async () => {
    const closed = await upstream(() => undefined);
    const port = closed.port;
    await closed.close();
    const outcome = await box.run(`export async function run(ctx) { await ctx.http.get("http://127.0.0.1:${port}/"); }`, LOOPBACK);
    expect(outcome.error).toMatch(/failed: connection refused/);
  });

  it('aborts in-flight calls when the run ends', async () => {
    const aborted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      const watch = () => {
        const hit = api.hits.find((req) => req.url === '/slow-headers?watch');
        if (!hit) return void setTimeout(watch, 20);
        hit.socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      };
      watch();
    });
    const outcome = await box.run(
      `export async function run(ctx) { ctx.http.get("${api.url}/slow-headers?watch").catch(() => {}); await ctx.sleep(200); return ctx.ok("returned while a call was in flight"); }`,
      LOOPBACK,
    );
    expect(outcome.status).toBe('success');
    expect(await aborted).toBe(true);
    expect(outcome.httpCalls[0]?.error).toBe('the run has finished');
  });
});
