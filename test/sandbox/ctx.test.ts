// The workflow API as src/shared/vigil.d.ts documents it, exercised in the real sandbox.
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from './helpers.ts';

const box = sandbox();
afterAll(() => box.close());

const json = (body: string) => ({ rules: [], default: { status: 200, headers: { 'content-type': 'application/json' }, body, delay_ms: 0 } });

describe('ctx', () => {
  it('exposes the indicator, alert, input and run', async () => {
    const outcome = await box.run(
      `import type { WorkflowContext, WorkflowResult } from "vigil";
       export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
         return ctx.ok("seen", { indicator: ctx.indicator, alert: ctx.alert, input: ctx.input, run: ctx.run, integrations: ctx.integrations });
       }`,
      { input: { alert: { title: 'Impossible travel', severity: 'high', fields: { user: 'jdoe' } }, context: { hours: 4 } } },
    );
    expect(outcome.status).toBe('success');
    expect(outcome.result?.data).toEqual({
      indicator: { type: 'ip', value: '198.51.100.7', malice: 'Malicious', enrichment: { asn: 64500 } },
      alert: { title: 'Impossible travel', severity: 'high', fields: { user: 'jdoe' } },
      input: { hours: 4 },
      run: { id: expect.any(String), workflow: { uuid: '11111111-1111-4111-8111-111111111111', name: 'test workflow', version: 3 }, trigger: 'agent', test: false, scheduled_for: null },
      integrations: { okta: null, entra: null },
    });
  });

  it('records log levels, fields, console output and steps', async () => {
    const outcome = await box.run(`export async function run(ctx) {
      ctx.log.debug("d"); ctx.log.info("i", { n: 1 }); ctx.log.warn("w", "plain"); ctx.log.error("e");
      console.log("from console", { a: 1 });
      const v = await ctx.step("fetch user", async () => { ctx.log.info("inside"); await ctx.sleep(5); return 42; });
      try { await ctx.step("break", () => { throw new TypeError("bad input"); }); } catch (e) { ctx.log.warn("caught " + e.message); }
      return ctx.ok("logged", v);
    }`);
    expect(outcome.status).toBe('success');
    expect(outcome.result?.data).toBe(42);
    const logs = outcome.logs.map((l) => [l.level, l.message, l.fields, l.step]);
    expect(logs).toEqual([
      ['debug', 'd', null, null],
      ['info', 'i', { n: 1 }, null],
      ['warn', 'w', { value: 'plain' }, null],
      ['error', 'e', null, null],
      ['info', 'from console {"a":1}', null, null],
      ['info', 'step "fetch user" started', null, 'fetch user'],
      ['info', 'inside', null, 'fetch user'],
      ['info', expect.stringMatching(/^step "fetch user" finished \(\d+ ms\)$/), { duration_ms: expect.any(Number), outcome: 'success' }, 'fetch user'],
      ['info', 'step "break" started', null, 'break'],
      ['error', expect.stringMatching(/^step "break" failed after \d+ ms: TypeError: bad input \(workflow\.ts line 5\)$/), expect.objectContaining({ outcome: 'failure' }), 'break'],
      ['warn', 'caught bad input', null, null],
    ]);
    expect(outcome.logs.map((l) => l.seq)).toEqual(outcome.logs.map((_, i) => i));
    expect(outcome.logs.every((l) => !Number.isNaN(Date.parse(l.ts)))).toBe(true);
  });

  it('keeps each step\'s status, timing, output and error, skipped steps with why, and open ones as failed', async () => {
    const outcome = await box.run(
      `export async function run(ctx) {
        const user = await ctx.step("find user", async () => ({ id: "u1", token: ctx.secrets.get("API_TOKEN") }));
        try { await ctx.step("suspend", () => { throw new Error("403 from the IdP"); }); } catch {}
        ctx.step.skip("notify", "no channel configured");
        await ctx.step("nothing back", () => undefined);
        await ctx.step("not JSON", () => ({ f() {}, big: 1n }));
        await ctx.step("huge", () => "x".repeat(70 * 1024));
        ctx.step("never ends", () => new Promise(() => {}));
        await ctx.sleep(10);
        return ctx.ok("done", user.id);
      }`,
      { secrets: { API_TOKEN: 'tok-secret-123' }, declaredSecrets: ['API_TOKEN'] },
    );
    expect(outcome.status).toBe('success');
    const steps = outcome.steps!;
    expect(steps.map((step) => [step.name, step.status])).toEqual([
      ['find user', 'success'],
      ['suspend', 'failed'],
      ['notify', 'skipped'],
      ['nothing back', 'success'],
      ['not JSON', 'success'],
      ['huge', 'success'],
      ['never ends', 'failed'],
    ]);
    expect(steps[0]).toMatchObject({ output: { id: 'u1', token: '[REDACTED]' }, error: null, reason: null, duration_ms: expect.any(Number) });
    expect(Date.parse(steps[0]!.started_at)).not.toBeNaN();
    expect(steps[1]).toMatchObject({ output: null, error: expect.stringContaining('403 from the IdP') });
    expect(steps[2]).toMatchObject({ reason: 'no channel configured', duration_ms: 0, output: null });
    expect(steps[3]!.output).toBeNull();
    expect(steps[4]!.output).toMatch(/^\[the step returned a value that is not JSON/);
    expect(steps[5]!.output).toMatch(/larger than 64 KB and was not kept/);
    expect(steps[6]!.error).toMatch(/^the run ended before the step finished/);
    expect(JSON.stringify(outcome)).not.toContain('tok-secret-123');
    expect(outcome.logs.some((log) => log.message === 'step "notify" skipped: no channel configured')).toBe(true);
  });

  it('reads declared secrets, null when unset, and throws for undeclared names', async () => {
    const outcome = await box.run(
      `export async function run(ctx) {
        let undeclared = "";
        try { ctx.secrets.get("NOPE"); } catch (e) { undeclared = e.message; }
        return ctx.ok("secrets", { set: ctx.secrets.get("SET").length, unset: ctx.secrets.get("UNSET"), undeclared });
      }`,
      { secrets: { SET: 'value-of-set' }, declaredSecrets: ['SET', 'UNSET'] },
    );
    expect(outcome.result?.data).toEqual({ set: 12, unset: null, undeclared: `secret "NOPE" is not declared by this workflow (add it to the workflow's secrets)` });
  });

  it('ctx.fail ends the run failed with the result kept and no error', async () => {
    const outcome = await box.run('export async function run(ctx) { return ctx.fail("firewall answered 500", { status: 500 }); }');
    expect(outcome).toMatchObject({ status: 'failed', error: null, result: { success: false, message: 'firewall answered 500', data: { status: 500 } } });
  });

  it('a thrown error fails the run with its message and line', async () => {
    const outcome = await box.run('export async function run(ctx) {\n  const x = null;\n  return ctx.ok(x.y);\n}');
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^TypeError: .* \(workflow\.ts line 3\)$/);
    expect(outcome.logs.at(-1)).toMatchObject({ level: 'error', message: outcome.error, fields: { stack: expect.stringContaining('workflow.ts:3') } });
  });

  it('response helpers: json() throws a clear error on invalid JSON', async () => {
    const outcome = await box.run('export async function run(ctx) { const r = await ctx.http.get("https://api.example.com/x"); return ctx.ok(r.text(), r.json()); }', { mocks: json('not json') });
    expect(outcome.error).toMatch(/^Error: the response from https:\/\/api\.example\.com\/x \(HTTP 200\) is not valid JSON: /);
  });

  it('every verb and request() reach the network layer with their method', async () => {
    const outcome = await box.run(
      `export async function run(ctx) {
        const u = "https://api.example.com/r";
        for (const r of [ctx.http.get(u), ctx.http.post(u, { body: "b" }), ctx.http.put(u, { json: 1 }), ctx.http.patch(u, { json: {} }), ctx.http.delete(u), ctx.http.request({ method: "HEAD", url: new URL(u) })]) await r;
        let bad = ""; try { await ctx.http.request({ method: "TRACE", url: u }); } catch (e) { bad = e.constructor.name + ": " + e.message; }
        return ctx.ok(bad);
      }`,
      { mocks: json('{}') },
    );
    expect(outcome.httpCalls.map((c) => c.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
    expect(outcome.result?.message).toBe('TypeError: ctx.http: method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  });
});

describe('the "vigil" module and globals', () => {
  it('hashes, HMAC, base64, hex and uuid', async () => {
    const outcome = await box.run(`import { sha1, sha256, sha512, md5, hmac, base64Encode, base64Decode, base64DecodeBytes, hexEncode, hexDecode, uuid } from "vigil";
      export async function run(ctx) {
        return ctx.ok("std", {
          sha1: sha1("abc"), sha256b64: sha256("abc", "base64"), sha512: sha512("").slice(0, 16), md5: md5("abc"),
          bytes: sha256(new Uint8Array([97, 98, 99])),
          hmac: hmac("sha256", "key", "The quick brown fox jumps over the lazy dog"),
          hmacBytes: hmac("md5", new TextEncoder().encode("key"), "The quick brown fox jumps over the lazy dog", "base64"),
          b64: base64Encode("héllo ✓"), back: base64Decode(base64Encode("héllo ✓")), url: Array.from(base64DecodeBytes("-_8")),
          hex: hexEncode("hi"), unhex: Array.from(hexDecode("00ff10")),
          uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid()),
        });
      }`);
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(outcome.result?.data).toEqual({
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256b64: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
      sha512: 'cf83e1357eefb8bd',
      md5: '900150983cd24fb0d6963f7d28e17f72',
      bytes: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      hmac: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
      hmacBytes: 'gAcHE0Y+d0m5DC3CSRHidQ==' /* 80070713463e7749b90c2dc24911e275 */,
      b64: 'aMOpbGxvIOKckw==',
      back: 'héllo ✓',
      url: [251, 255],
      hex: '6869',
      unhex: [0, 255, 16],
      uuid: true,
    });
  });

  it('URL, URLSearchParams, TextEncoder and TextDecoder, as globals and imports', async () => {
    const outcome = await box.run(`import * as vigil from "vigil";
      import { URL as VURL } from "vigil";
      export async function run(ctx) {
        const u = new URL("/v1/items?b=2&a=1#frag", "https://User@API.example.com:8443");
        u.searchParams.append("q", "a b&c");
        u.searchParams.sort();
        const p = new URLSearchParams({ ip: "1.2.3.4", note: "ü" });
        let invalid = ""; try { new URL("not a url"); } catch (e) { invalid = e.constructor.name + ": " + e.message; }
        const bytes = new TextEncoder().encode("€");
        return ctx.ok("web", {
          href: u.href, host: u.host, origin: u.origin, search: u.search, hash: u.hash, json: JSON.stringify({ u }),
          same: vigil.URL === URL && VURL === URL && vigil.TextDecoder === TextDecoder, params: p.toString(), get: p.get("note"), entries: [...new URLSearchParams("a=1&a=2")],
          canParse: URL.canParse("https://x"), invalid, bytes: Array.from(bytes), text: new TextDecoder().decode(bytes),
          fatal: (() => { try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); return "no"; } catch (e) { return e.constructor.name; } })(),
        });
      }`);
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(outcome.result?.data).toEqual({
      href: 'https://User@api.example.com:8443/v1/items?a=1&b=2&q=a+b%26c#frag',
      host: 'api.example.com:8443',
      origin: 'https://api.example.com:8443',
      search: '?a=1&b=2&q=a+b%26c',
      hash: '#frag',
      json: '{"u":"https://User@api.example.com:8443/v1/items?a=1&b=2&q=a+b%26c#frag"}',
      same: true,
      params: 'ip=1.2.3.4&note=%C3%BC',
      get: 'ü',
      entries: [['a', '1'], ['a', '2']],
      canParse: true,
      invalid: 'TypeError: Invalid URL: "not a url"',
      bytes: [226, 130, 172],
      text: '€',
      fatal: 'TypeError',
    });
  });

  it('accepts the module forms workflows are written in', async () => {
    const forms = [
      'export const run = async (ctx) => ctx.ok("arrow");',
      'async function main(ctx) { return ctx.ok("renamed"); }\nexport { main as run };',
      'const greeting = await Promise.resolve("top-level await");\nexport async function run(ctx) { return ctx.ok(greeting); }',
      'import type { WorkflowContext } from "vigil";\nimport { type WorkflowResult, sha1 } from "vigil";\ninterface X { a: number }\nexport async function run(ctx: WorkflowContext): Promise<WorkflowResult> { const x: X = { a: 1 }; return ctx.ok(sha1("") ? "typed" : "", x as unknown); }',
      'import { WorkflowContext } from "vigil";\nexport async function run(ctx: WorkflowContext) { return ctx.ok(String(WorkflowContext)); }',
    ];
    const messages = [];
    for (const code of forms) messages.push((await box.run(code)).result?.message);
    expect(messages).toEqual(['arrow', 'renamed', 'top-level await', 'typed', 'undefined']);
  });

  it('explains code it cannot run', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export async function go(ctx) {}', /^the workflow must export async function run\(ctx\)$/],
      ['export default async function run(ctx) {}', /export default is not supported/],
      ['import x from "vigil";\nexport async function run(ctx) {}', /line 1: "vigil" has no default export/],
      ['import { nope } from "vigil";\nexport async function run(ctx) {}', /line 1: "vigil" has no export named "nope"/],
      ['enum Color { Red }\nexport async function run(ctx) {}', /^line 1: TypeScript enum is not supported in strip-only mode/],
      ['export async function run(ctx) {\n  return ctx.ok(;\n}', /^line 2: SyntaxError: /],
    ];
    for (const [code, error] of cases) {
      const outcome = await box.run(code);
      expect(outcome.status, code).toBe('failed');
      expect(outcome.error, code).toMatch(error);
    }
  });
});
