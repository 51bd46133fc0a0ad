// The hostile suite: workflows written to escape, starve or confuse the sandbox. Each one must end
// with the safe outcome, and a benign run on the same sandbox right after it must still succeed.
// The sandbox must hold without any help from the linter, so none of this code is linted.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/main/sandbox/index.ts';
import { ABC_SHA256, BENIGN, sandbox, type Overrides } from './helpers.ts';

const box = sandbox();
afterAll(() => box.close());

interface Case {
  name: string;
  code: string;
  overrides?: Overrides;
  check(outcome: RunOutcome): void;
}

const HOST_PATH = /\/work\/|node_modules|node:internal|file:\/\/|\.mjs|src\/main/;

/** The run ended on its own terms and says `pattern`. */
function failsWith(pattern: RegExp, status: RunOutcome['status'] | null = 'failed') {
  return (outcome: RunOutcome) => {
    if (status) expect(outcome.status, JSON.stringify(outcome.error)).toBe(status);
    else expect(['failed', 'timed_out']).toContain(outcome.status);
    expect(outcome.result).toBeNull();
    expect(outcome.error).toMatch(pattern);
    expect(JSON.stringify(outcome)).not.toMatch(HOST_PATH);
  };
}

/** The workflow finished and returned ctx.ok(message) where message must match. */
function returns(pattern: RegExp | string) {
  return (outcome: RunOutcome) => {
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('success');
    if (typeof pattern === 'string') expect(outcome.result?.message).toBe(pattern);
    else expect(outcome.result?.message).toMatch(pattern);
    expect(JSON.stringify(outcome)).not.toMatch(HOST_PATH);
  };
}

const cpu = failsWith(/CPU limit of 400 ms exceeded/, 'timed_out');
const memory = failsWith(/memory limit of 16 MB exceeded/);
/** Memory bombs get CPU to spare, so on a busy machine the memory limit is still what stops them. */
const bomb: Overrides = { limits: { cpuMs: 5_000 } };
const stack = failsWith(/stack limit of 256 KB exceeded/);
const denied = (what: RegExp) => failsWith(new RegExp(`egress to .* denied: ${what.source}`));

const wf = (body: string) => `export async function run(ctx) {\n${body}\n}`;

const cases: Case[] = [
  // ── reaching the host ─────────────────────────────────────────────────────────────────────
  {
    name: 'Node globals are absent',
    code: wf(`return ctx.ok([typeof process, typeof require, typeof module, typeof exports, typeof Buffer, typeof global,
      typeof __dirname, typeof __filename, typeof setImmediate, typeof WebAssembly].join(","));`),
    check: returns(Array(10).fill('undefined').join(',')),
  },
  { name: 'require() is not defined', code: wf('const fs = require("fs"); return ctx.ok(String(fs));'), check: failsWith(/ReferenceError: 'require' is not defined/) },
  { name: 'static import of a Node module is refused', code: 'import { readFileSync } from "node:fs";\n' + wf('return ctx.ok(String(readFileSync));'), check: failsWith(/imports other than "vigil" are not available in workflows \("node:fs"\)/) },
  { name: 'dynamic import() has no loader', code: wf('const fs = await import("node:fs"); return ctx.ok(String(fs));'), check: failsWith(/could not load module 'node:fs'/) },
  { name: 'dynamic import of "vigil" through eval has no loader either', code: wf('await eval("import(\'vigil\')"); return ctx.ok("loaded");'), check: failsWith(/could not load module 'vigil'/) },
  { name: 'import.meta is a syntax error', code: wf('return ctx.ok(String(import.meta.url));'), check: failsWith(/SyntaxError/) },
  { name: 'QuickJS std/os modules and the host bridge are not reachable', code: wf('return ctx.ok([typeof std, typeof os, typeof print, typeof scriptArgs, typeof __vigil_host, typeof globalThis.__vigil_host].join(","));'), check: returns('undefined,undefined,undefined,undefined,undefined,undefined') },
  {
    name: 'the global object holds nothing of Vigil but the documented globals',
    code: wf('return ctx.ok(Reflect.ownKeys(globalThis).map(String).filter((k) => /vigil|host|__/i.test(k)).join(",") || "clean");'),
    check: returns('clean'),
  },
  { name: 'Function constructor reaches only the guest realm', code: wf('return ctx.ok(new Function("return typeof process + typeof require")());'), check: returns('undefinedundefined') },
  { name: 'eval reaches only the guest realm', code: wf('return ctx.ok((0, eval)("typeof process + typeof globalThis.__vigil_host"));'), check: returns('undefinedundefined') },
  { name: 'a sloppy-mode this is the guest global', code: wf('const g = Function("return this")(); return ctx.ok(typeof g.process + typeof g.require + String(g === globalThis));'), check: returns('undefinedundefinedtrue') },

  // ── constructor chains through every capability ───────────────────────────────────────────
  { name: 'ctx.constructor.constructor', code: wf('return ctx.ok(ctx.constructor.constructor("return typeof process")());'), check: returns('undefined') },
  { name: 'ctx.http.get.constructor', code: wf('return ctx.ok(ctx.http.get.constructor("return typeof process + typeof require")());'), check: returns('undefinedundefined') },
  { name: 'ctx.log.info.constructor', code: wf('return ctx.ok(ctx.log.info.constructor("return Object.keys(globalThis).join()")() || "none");'), check: returns(/^[^]*$/) },
  { name: 'ctx.secrets.get.constructor', code: wf('return ctx.ok(String(ctx.secrets.get.constructor("return typeof process")()));'), check: returns('undefined') },
  { name: 'async function constructor from ctx.step', code: wf('const AsyncFunction = ctx.step.constructor; const f = new AsyncFunction("return typeof process"); return ctx.ok(await f());'), check: returns('undefined') },
  { name: 'generator function constructor', code: wf('const G = (function* () {}).constructor; return ctx.ok(G("yield typeof require")().next().value);'), check: returns('undefined') },
  {
    name: 'response objects are plain frozen guest objects',
    code: wf(`const res = await ctx.http.get("https://api.example.com/x");
      const fromJson = res.json.constructor("return typeof process")();
      return ctx.ok([Object.isFrozen(res), Object.getPrototypeOf(res) === Object.prototype, fromJson, res.json().ok].join(","));`),
    overrides: { mocks: { rules: [], default: { status: 200, headers: {}, body: '{"ok":true}', delay_ms: 0 } } },
    check: returns('true,true,undefined,true'),
  },
  {
    name: 'errors from host operations are fresh guest errors without host paths',
    code: wf(`try { ctx.secrets.get("NOT_DECLARED"); } catch (e) {
        const realm = e.constructor.constructor("return typeof process")();
        return ctx.ok([e instanceof Error, e.constructor === Error, realm, /\\/work|node:|\\.ts:\\d/.test(String(e.stack).replace(/workflow\\.ts:\\d+/g, "")) ].join(","));
      }`),
    check: returns('true,true,undefined,false'),
  },
  {
    name: 'a rejected HTTP promise carries a guest Error',
    code: wf(`try { await ctx.http.get("http://10.0.0.5/"); } catch (e) {
        return ctx.ok([e instanceof Error, e.constructor.constructor("return typeof require")(), e.message].join("|"));
      }`),
    check: returns('true|undefined|egress to 10.0.0.5 denied: private address'),
  },
  { name: 'promises are guest promises', code: wf('const p = ctx.sleep(1); const same = p instanceof Promise && p.constructor === Promise; await p; return ctx.ok(String(same) + p.constructor.constructor("return typeof process")());'), check: returns('trueundefined') },
  {
    name: 'ctx and its capabilities are frozen',
    code: wf(`const frozen = [ctx, ctx.http, ctx.log, ctx.secrets, ctx.run, ctx.run.workflow, ctx.indicator, ctx.integrations].every(Object.isFrozen);
      let threw = false; try { ctx.http.get = () => 1; } catch { threw = true; }
      return ctx.ok(String(frozen && threw && ctx.integrations.okta === null));`),
    check: returns('true'),
  },
  { name: '__proto__ walks end in the guest', code: wf('let o = ctx; let n = 0; while (o !== null) { o = o.__proto__; n++; } return ctx.ok(String(n) + Object.prototype.constructor.constructor("return typeof process")());'), check: returns('2undefined') },

  // ── prototype pollution and sabotage (the benign run afterwards must see none of it) ─────
  {
    name: 'polluting every prototype does not outlive the run',
    code: wf(`Object.prototype.polluted = 1; Array.prototype.push = null; JSON.stringify = () => "{}";
      String.prototype.slice = null; Function.prototype.call = null; return ctx.ok("polluted");`),
    check: returns('polluted'),
  },
  { name: 'patching Promise.prototype.then cannot hide the result', code: wf('Promise.prototype.then = function () { return this; }; return ctx.ok("still reported");'), check: returns('still reported') },
  { name: 'an Object.prototype "then" getter cannot trap the host', code: wf('Object.defineProperty(Object.prototype, "then", { get() { throw new Error("trap"); } }); return ctx.ok("done");'), check: (o) => expect(['success', 'failed']).toContain(o.status) },
  { name: 'replacing the global Promise and JSON', code: wf('globalThis.Promise = function () {}; globalThis.JSON = { stringify() { return "x"; }, parse() {} }; return ctx.ok("replaced", { a: 1 });'), check: returns('replaced') },

  // ── CPU ───────────────────────────────────────────────────────────────────────────────────
  { name: 'sync infinite loop', code: wf('while (true) {}'), check: cpu },
  { name: 'loop that tries to catch the interrupt', code: wf('for (;;) { try { while (true) {} } catch (e) { ctx.log.info("caught"); } }'), check: cpu },
  { name: 'microtask loop', code: wf('while (true) { await null; }'), check: cpu },
  { name: 'self-scheduling promise jobs', code: wf('const f = () => Promise.resolve().then(f); f(); await new Promise(() => {});'), check: failsWith(/CPU limit of 400 ms exceeded|memory limit of 16 MB exceeded/, null) },
  { name: 'builtin-heavy loop (sort, join, split)', code: wf('const a = Array.from({ length: 20000 }, (_, i) => String(-i)); for (;;) a.slice().sort().join(",").split(",");'), check: cpu },
  { name: 'catastrophic regular expression (ReDoS)', code: wf('/^(a+)+$/.test("a".repeat(40) + "!"); return ctx.ok("matched");'), check: cpu },
  { name: 'sort with a slow comparator', code: wf('Array.from({ length: 1e5 }, (_, i) => -i).sort((x, y) => { for (let i = 0; i < 1e4; i++); return x - y; }); return ctx.ok("sorted");'), check: cpu },
  { name: 'top-level module code that never ends', code: 'while (true) {}\n' + wf('return ctx.ok("never");'), check: cpu },
  { name: 'busy loop inside a result toJSON', code: wf('return ctx.ok("x", { toJSON() { for (;;) {} } });'), check: cpu },

  // ── memory ────────────────────────────────────────────────────────────────────────────────
  { name: 'object bomb', code: wf('const a = []; for (;;) a.push({ i: a.length, s: "item" + a.length });'), overrides: bomb, check: memory },
  { name: 'string bomb (repeat)', code: wf('const s = "x".repeat(2 ** 28); return ctx.ok(String(s.length));'), overrides: bomb, check: memory },
  { name: 'string bomb (flattened concatenation)', code: wf('let s = "ab"; for (;;) { s = (s + s).toUpperCase(); }'), overrides: bomb, check: memory },
  { name: 'typed array bomb', code: wf('const keep = []; for (;;) keep.push(new Uint8Array(1 << 20));'), overrides: bomb, check: memory },
  { name: 'huge ArrayBuffer', code: wf('const b = new ArrayBuffer(1 << 30); return ctx.ok(String(b.byteLength));'), overrides: bomb, check: failsWith(/memory limit of 16 MB exceeded|RangeError/) },
  { name: 'Map growth', code: wf('const m = new Map(); for (let i = 0; ; i++) m.set("k" + i, [i, i, i]);'), overrides: bomb, check: memory },
  { name: 'catching out-of-memory and trying again', code: wf('const keep = []; for (;;) { try { keep.push(new Array(1e5).fill(keep.length)); } catch (e) { keep.length = keep.length; } }'), check: (o) => expect(o.error).toMatch(/memory limit of 16 MB exceeded|CPU limit of 400 ms exceeded/) },
  { name: 'closure bomb', code: wf('let f = () => 0; for (;;) { const g = f; f = () => g() + 1; }'), overrides: bomb, check: memory },

  // ── stack and nesting ─────────────────────────────────────────────────────────────────────
  { name: 'unbounded recursion', code: wf('function f(n) { return f(n + 1) + 1; } return ctx.ok(String(f(0)));'), check: stack },
  { name: 'async recursion', code: wf('async function f() { await f(); } await f();'), check: stack },
  { name: 'deeply nested JSON.parse', code: wf('JSON.parse("[".repeat(1e6) + "]".repeat(1e6)); return ctx.ok("parsed");'), check: failsWith(/stack limit of 256 KB exceeded|memory limit/) },
  { name: 'deeply nested result', code: wf('let a = []; for (let i = 0; i < 1e5; i++) a = [a]; return ctx.ok("deep", a);'), check: failsWith(/stack limit of 256 KB exceeded|nested too deeply/), overrides: bomb },
  { name: 'result nested just past the host limit', code: wf('let a = 1; for (let i = 0; i < 150; i++) a = { a }; return ctx.ok("deep", a);'), check: failsWith(/the result is nested too deeply \(more than 100 levels\)/) },
  { name: 'deeply nested log fields', code: wf('let a = 1; for (let i = 0; i < 150; i++) a = [a]; ctx.log.info("deep", { a }); return ctx.ok("logged");'), check: failsWith(/log fields are nested too deeply/) },
  {
    name: 'deeply nested caller input',
    code: wf('return ctx.ok(typeof ctx.input);'),
    overrides: { input: { context: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) } },
    check: (o) => expect(['success', 'failed']).toContain(o.status),
  },

  // ── results and logs ──────────────────────────────────────────────────────────────────────
  { name: 'result larger than the cap', code: wf('return ctx.ok("big", "y".repeat(1100000));'), check: failsWith(/result larger than 1 MB/), overrides: { limits: { memoryBytes: 32 * 1024 * 1024 } } },
  { name: 'toJSON producing a huge result', code: wf('return ctx.ok("big", { toJSON() { return "z".repeat(1200000); } });'), check: failsWith(/result larger than 1 MB/), overrides: { limits: { memoryBytes: 32 * 1024 * 1024 } } },
  { name: 'result getter that throws', code: wf('return { success: true, message: "m", get data() { throw new Error("gotcha"); } };'), check: failsWith(/the result could not be serialized: Error: gotcha/) },
  { name: 'BigInt in the result', code: wf('return ctx.ok("big", { n: 10n });'), check: failsWith(/the result could not be serialized/) },
  { name: 'cyclic result', code: wf('const a = {}; a.a = a; return ctx.ok("cycle", a);'), check: failsWith(/the result could not be serialized/) },
  { name: 'a string instead of a result', code: wf('return "done";'), check: failsWith(/run\(\) must return ctx\.ok\(\.\.\.\) or ctx\.fail\(\.\.\.\) \(it returned a string\)/) },
  { name: 'a toJSON that lies about success', code: wf('return { toJSON() { return { success: "yes", message: 1 }; } };'), check: failsWith(/run\(\) must return ctx\.ok/) },
  { name: 'a proxy result', code: wf('return new Proxy({}, { get: (_, k) => (k === "success" ? true : k === "message" ? "proxied" : undefined), ownKeys: () => { throw new Error("no keys"); } });'), check: failsWith(/could not be serialized|must return ctx\.ok/) },
  { name: 'log flood (entries)', code: wf('for (;;) ctx.log.info("spam");'), check: failsWith(/log limit reached: more than 1,000 entries/) },
  { name: 'log flood (bytes)', code: wf('ctx.log.info("x".repeat(300 * 1024)); return ctx.ok("logged");'), check: failsWith(/log limit reached: more than 256 KB of log text/) },
  { name: 'log flood caught and ignored', code: wf('for (let i = 0; i < 5000; i++) { try { ctx.log.info("spam " + i); } catch {} } return ctx.ok("ignored the limit");'), check: failsWith(/log limit reached/) },
  { name: 'a promise that never settles', code: wf('await new Promise(() => {}); return ctx.ok("never");'), check: failsWith(/run\(\) never finished/) },
  { name: 'a thenable that never calls back', code: wf('return { then() {} };'), check: failsWith(/run\(\) never finished/) },

  // ── secrets ───────────────────────────────────────────────────────────────────────────────
  {
    name: 'secrets of other workflows are not reachable',
    code: wf('return ctx.ok(String(ctx.secrets.get("OTHER_WORKFLOW_TOKEN")));'),
    overrides: { secrets: { MY_TOKEN: 'my-own-token-value' }, declaredSecrets: ['MY_TOKEN'] },
    check: failsWith(/secret "OTHER_WORKFLOW_TOKEN" is not declared by this workflow/),
  },
  {
    name: 'a secret leaked into logs, errors and the result is redacted everywhere',
    code: wf(`const s = ctx.secrets.get("API_TOKEN");
      ctx.log.info("token " + s, { token: s, encoded: encodeURIComponent(s) });
      ctx.log.warn(JSON.stringify({ nested: s }));
      throw new Error("leaking " + s);`),
    overrides: { secrets: { API_TOKEN: 'sk_live_51H/leak+me' }, declaredSecrets: ['API_TOKEN'] },
    check: (o) => {
      failsWith(/leaking \[REDACTED\]/)(o);
      const text = JSON.stringify(o);
      expect(text).not.toContain('sk_live_51H');
      expect(text).not.toContain(encodeURIComponent('sk_live_51H/leak+me'));
    },
  },
  {
    name: 'a secret sent in a URL and headers is redacted from the call records',
    code: wf(`const s = ctx.secrets.get("API_TOKEN");
      await ctx.http.get("https://api.example.com/v1?key=" + encodeURIComponent(s) + "&x=" + s, { headers: { authorization: "Bearer " + s, "x-echo": s } });
      return ctx.ok("sent", { echoed: s });`),
    overrides: {
      secrets: { API_TOKEN: 'tok_ABCDEF123456' },
      declaredSecrets: ['API_TOKEN'],
      mocks: { rules: [], default: { status: 200, headers: {}, body: '{}', delay_ms: 0 } },
    },
    check: (o) => {
      expect(o.status).toBe('success');
      expect(JSON.stringify(o)).not.toContain('tok_ABCDEF123456');
      expect(o.httpCalls[0]!.request_headers.authorization).toBe('Bearer [REDACTED]');
      expect(o.result?.data).toEqual({ echoed: '[REDACTED]' });
    },
  },

  // ── timers and environment ────────────────────────────────────────────────────────────────
  {
    name: 'no timers, fetch or sockets',
    code: wf('return ctx.ok([typeof setTimeout, typeof setInterval, typeof queueMicrotask, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof SharedArrayBuffer, typeof Atomics].join(","));'),
    check: returns(/^undefined,undefined,undefined,undefined,undefined,undefined,(function|undefined),undefined$/),
  },
  { name: 'sleeping past the wall-clock timeout', code: wf('await ctx.sleep(60_000); return ctx.ok("late");'), overrides: { timeoutMs: 600 }, check: failsWith(/timed out after 600 ms/, 'timed_out') },
  { name: 'waiting on a slow server past the wall-clock timeout', code: wf('await ctx.http.get("https://slow.example.com/"); return ctx.ok("late");'), overrides: { timeoutMs: 600, mocks: { rules: [], default: { status: 200, headers: {}, body: '', delay_ms: 60_000 } } }, check: failsWith(/timed out after 600 ms/, 'timed_out') },

  // ── SSRF in every spelling (refused before any socket opens) ─────────────────────────────
  { name: 'loopback', code: wf('await ctx.http.get("http://127.0.0.1/");'), check: denied(/loopback address/) },
  { name: 'localhost by name (resolves to loopback)', code: wf('await ctx.http.get("http://localhost/");'), check: denied(/loopback address/) },
  { name: 'decimal IPv4 spelling', code: wf('await ctx.http.get("http://2130706433/");'), check: denied(/loopback address/) },
  { name: 'hex IPv4 spelling', code: wf('await ctx.http.get("http://0x7f.0x0.0x0.0x1/");'), check: denied(/loopback address/) },
  { name: 'octal IPv4 spelling', code: wf('await ctx.http.get("http://0177.0.0.01/");'), check: denied(/loopback address/) },
  { name: 'short IPv4 spelling', code: wf('await ctx.http.get("http://127.1/");'), check: denied(/loopback address/) },
  { name: 'IPv6 loopback', code: wf('await ctx.http.get("http://[::1]/");'), check: denied(/loopback address/) },
  { name: 'IPv4-mapped IPv6 loopback', code: wf('await ctx.http.get("http://[::ffff:127.0.0.1]/");'), check: denied(/loopback address \(embeds 127\.0\.0\.1\)/) },
  { name: 'fully written IPv4-mapped IPv6', code: wf('await ctx.http.get("http://[0:0:0:0:0:ffff:7f00:1]/");'), check: denied(/loopback address/) },
  { name: '0.0.0.0', code: wf('await ctx.http.get("http://0.0.0.0/");'), check: denied(/unspecified address/) },
  { name: 'private 10/8', code: wf('await ctx.http.get("http://10.0.0.5/");'), check: failsWith(/^Error: egress to 10\.0\.0\.5 denied: private address/) },
  { name: 'private 172.16/12', code: wf('await ctx.http.get("https://172.16.3.4/");'), check: denied(/private address/) },
  { name: 'private 192.168/16', code: wf('await ctx.http.post("http://192.168.1.1/admin", { json: {} });'), check: denied(/private address/) },
  { name: 'cloud metadata', code: wf('await ctx.http.get("http://169.254.169.254/latest/meta-data/iam/");'), check: denied(/cloud metadata address/) },
  { name: 'cloud metadata over IPv6', code: wf('await ctx.http.get("http://[fd00:ec2::254]/latest/");'), check: denied(/cloud metadata address/) },
  { name: 'cloud metadata as IPv4-mapped hex', code: wf('await ctx.http.get("http://[::ffff:a9fe:a9fe]/");'), check: denied(/cloud metadata address/) },
  { name: 'link-local', code: wf('await ctx.http.get("http://169.254.1.1/");'), check: denied(/link-local address/) },
  { name: 'carrier-grade NAT', code: wf('await ctx.http.get("http://100.64.0.1/");'), check: denied(/carrier-grade NAT address/) },
  { name: 'multicast', code: wf('await ctx.http.get("http://224.0.0.1/");'), check: denied(/multicast address/) },
  { name: 'IPv6 unique-local', code: wf('await ctx.http.get("http://[fc00::1]/");'), check: denied(/private address/) },
  { name: 'NAT64 to loopback', code: wf('await ctx.http.get("http://[64:ff9b::7f00:1]/");'), check: denied(/loopback address/) },
  { name: '6to4 to a private network', code: wf('await ctx.http.get("http://[2002:a00:1::]/");'), check: denied(/private address/) },
  { name: 'non-HTTP scheme', code: wf('await ctx.http.get("file:///etc/passwd");'), check: failsWith(/scheme "file:" is not allowed/) },
  { name: 'credentials in the URL', code: wf('await ctx.http.get("https://user:pass@api.example.com/");'), check: failsWith(/credentials in the URL are not allowed/) },
  { name: 'SSH port on a public host', code: wf('await ctx.http.get("http://203.0.114.1:22/");'), check: failsWith(/port 22 is not allowed/) },
  { name: 'Host header smuggling', code: wf('await ctx.http.get("https://api.example.com/", { headers: { host: "169.254.169.254" } });'), check: failsWith(/the "host" header is set by Vigil/) },
  { name: 'header injection', code: wf('await ctx.http.get("https://api.example.com/", { headers: { "x-a": "1\\r\\nx-b: 2" } });'), check: failsWith(/contains a line break/) },
];

describe('hostile workflows', () => {
  it('has at least 60 of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const outcome = await box.run(c.code, c.overrides);
      c.check(outcome);
      const benign = await box.run(BENIGN);
      expect(benign.status, JSON.stringify(benign.error)).toBe('success');
      expect(benign.result).toEqual({ success: true, message: 'benign', data: { digest: ABC_SHA256 } });
    });
  }
});

describe('code that breaks the type stripper', () => {
  // Node's type stripper (swc in wasm) traps on deep nesting and is left broken by it: two such
  // scripts on one thread failed every later compile there with "memory access out of bounds". The
  // first script here breaks the main thread's stripper, the others a compile thread's.
  const nested = (open: string, close: string) => `export async function run(ctx: any) {\n  return ctx.ok("x", ${open.repeat(3000)}1${close.repeat(3000)});\n}\n`;

  it('fails only its own run: code compiled afterwards still runs', async () => {
    for (const code of [nested('(', ')'), nested('[', ']'), nested('(', ')')]) {
      failsWith(/nested too deeply to compile/)(await box.run(code));
    }
    // Never compiled before in this process, so neither cached nor compiled before the traps.
    const fresh = await box.run(`export async function run(ctx: { ok(message: string): unknown }) {\n  return ctx.ok("compiled after the traps");\n}\n`);
    expect(fresh.status, JSON.stringify(fresh.error)).toBe('success');
    expect(fresh.result?.message).toBe('compiled after the traps');
  });
});
