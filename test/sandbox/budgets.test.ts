// Every budget ends the run with a message naming the limit, and the sandbox stays usable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MAX_LIMITS, resolveLimits } from '../../src/main/sandbox/index.ts';
import { BENIGN, sandbox, upstream, type Upstream } from './helpers.ts';

const box = sandbox();
let slow: Upstream;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  slow = await upstream((_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('{}');
    }, 80);
  });
});

afterAll(async () => {
  await box.close();
  await slow?.close();
});

const okMock = { rules: [], default: { status: 200, headers: {}, body: '{}', delay_ms: 0 } };

async function expectBenign() {
  const benign = await box.run(BENIGN);
  expect(benign.status, benign.error ?? '').toBe('success');
}

describe('limits', () => {
  it('has the DESIGN.md defaults and clamps overrides', () => {
    expect(DEFAULT_LIMITS).toEqual({
      cpuMs: 5000,
      memoryBytes: 64 * 1024 * 1024,
      stackBytes: 256 * 1024,
      httpCalls: 200,
      httpInFlight: 8,
      httpBodyBytes: 10 * 1024 * 1024,
      logEntries: 1000,
      logBytes: 256 * 1024,
      resultBytes: 1024 * 1024,
      sourceBytes: 1024 * 1024,
    });
    expect(resolveLimits({ cpuMs: 10 ** 9, memoryBytes: -5, httpCalls: Number.NaN }).cpuMs).toBe(MAX_LIMITS.cpuMs);
    expect(resolveLimits({ memoryBytes: -5 }).memoryBytes).toBe(4 * 1024 * 1024);
    expect(resolveLimits({ httpCalls: Number.NaN }).httpCalls).toBe(200);
  });

  it('CPU', async () => {
    const outcome = await box.run('export async function run(ctx) { for (;;) {} }', { limits: { cpuMs: 250 } });
    expect(outcome).toMatchObject({ status: 'timed_out', error: 'CPU limit of 250 ms exceeded', result: null });
    await expectBenign();
  });

  it('CPU time is spent only while guest code runs, not while it waits', async () => {
    const outcome = await box.run('export async function run(ctx) { for (let i = 0; i < 8; i++) await ctx.sleep(50); return ctx.ok("waited"); }', { limits: { cpuMs: 100 } });
    expect(outcome.status).toBe('success');
  });

  it('wall clock (the workflow timeout)', async () => {
    const outcome = await box.run('export async function run(ctx) { await ctx.sleep(10_000); return ctx.ok("late"); }', { timeoutMs: 400 });
    expect(outcome).toMatchObject({ status: 'timed_out', error: "timed out after 400 ms (the workflow's timeout)" });
    await expectBenign();
  });

  it('memory: a run may use most of its heap, and no more', async () => {
    const fits = await box.run('export async function run(ctx) { const a = new Uint8Array(10 * 1024 * 1024); a[a.length - 1] = 7; return ctx.ok(String(a[a.length - 1])); }', { limits: { memoryBytes: 16 * 1024 * 1024, cpuMs: 2000 } });
    expect(fits.result?.message).toBe('7');
    const bomb = await box.run('export async function run(ctx) { const keep = []; for (;;) keep.push(new Uint8Array(1 << 20)); }', { limits: { memoryBytes: 16 * 1024 * 1024, cpuMs: 5000 } });
    expect(bomb).toMatchObject({ status: 'failed', error: 'memory limit of 16 MB exceeded' });
    await expectBenign();
  });

  it('stack', async () => {
    const outcome = await box.run('export async function run(ctx) { const f = (n) => f(n + 1) + 1; return ctx.ok(String(f(0))); }', { limits: { stackBytes: 128 * 1024 } });
    expect(outcome).toMatchObject({ status: 'failed', error: 'stack limit of 128 KB exceeded (recursion or nesting too deep)' });
    const modest = await box.run('export async function run(ctx) { const f = (n) => (n === 0 ? 0 : f(n - 1) + 1); return ctx.ok(String(f(500))); }');
    expect(modest.result?.message).toBe('500');
  });

  it('HTTP calls per run', async () => {
    const outcome = await box.run('export async function run(ctx) { for (let i = 0; i < 10; i++) await ctx.http.get("https://api.example.com/" + i); return ctx.ok("all"); }', {
      mocks: okMock,
      limits: { httpCalls: 3 },
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'HTTP call limit of 3 calls reached' });
    expect(outcome.httpCalls).toHaveLength(3);
    await expectBenign();
  });

  it('HTTP calls in flight wait for a slot instead of failing', async () => {
    maxInFlight = 0;
    const outcome = await box.run(
      `export async function run(ctx) {
        const all = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx.http.get("${slow.url}/" + i)));
        return ctx.ok(String(all.filter((r) => r.ok).length));
      }`,
      { allowedHosts: ['127.0.0.1'], limits: { httpInFlight: 2 } },
    );
    expect(outcome.result?.message).toBe('6');
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('log entries and log bytes', async () => {
    const entries = await box.run('export async function run(ctx) { for (let i = 0; i < 10; i++) ctx.log.info("line " + i); return ctx.ok("logged"); }', { limits: { logEntries: 5 } });
    expect(entries).toMatchObject({ status: 'failed', error: 'log limit reached: more than 5 entries' });
    expect(entries.logs.filter((l) => l.message.startsWith('line '))).toHaveLength(5);
    const bytes = await box.run('export async function run(ctx) { ctx.log.info("x".repeat(2000)); return ctx.ok("logged"); }', { limits: { logBytes: 1024 } });
    expect(bytes).toMatchObject({ status: 'failed', error: 'log limit reached: more than 1 KB of log text' });
    await expectBenign();
  });

  it('result size', async () => {
    const outcome = await box.run('export async function run(ctx) { return ctx.ok("big", "y".repeat(500)); }', { limits: { resultBytes: 256 } });
    expect(outcome).toMatchObject({ status: 'failed', error: 'result larger than 256 bytes' });
  });

  it('source size', async () => {
    const code = `export async function run(ctx) { return ctx.ok("${'z'.repeat(300)}"); }`;
    const outcome = await box.run(code, { limits: { sourceBytes: 128 } });
    expect(outcome).toMatchObject({ status: 'failed', error: 'source larger than 128 bytes' });
  });
});

describe('cancellation', () => {
  it('cancels a waiting run', async () => {
    const controller = new AbortController();
    const running = box.run('export async function run(ctx) { await ctx.sleep(10_000); return ctx.ok("late"); }', {}, controller.signal);
    setTimeout(() => controller.abort(), 150);
    expect(await running).toMatchObject({ status: 'cancelled', error: 'cancelled' });
  });

  it('cancels a run in the middle of a busy loop', async () => {
    const controller = new AbortController();
    const running = box.run('export async function run(ctx) { for (;;) {} }', { limits: { cpuMs: 20_000 } }, controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect(await running).toMatchObject({ status: 'cancelled', error: 'cancelled' });
    await expectBenign();
  });

  it('answers an already-aborted signal at once', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await box.run(BENIGN, {}, controller.signal)).toMatchObject({ status: 'cancelled' });
  });
});

describe('the watchdog', () => {
  // JSON.stringify over millions of elements runs in C without an interrupt check: only the
  // supervisor's watchdog can stop it, by replacing the worker (and its other runs with it).
  const stuck = 'export async function run(ctx) { const a = new Array(3e6).fill({ a: "x" }); JSON.stringify(a); JSON.stringify(a); return ctx.ok("finished"); }';
  const guarded = sandbox({ workers: 1, watchdogGraceMs: 200 });
  afterAll(() => guarded.close());

  it('replaces a worker held past its deadline; the next run works', async () => {
    const bystander = guarded.run('export async function run(ctx) { await ctx.sleep(20_000); return ctx.ok("slept"); }', { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const culprit = await guarded.run(stuck, { limits: { cpuMs: 50, memoryBytes: 64 * 1024 * 1024 }, timeoutMs: 30_000 });
    expect(culprit).toMatchObject({ status: 'timed_out', error: 'CPU limit of 50 ms exceeded' });
    expect(await bystander).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted: the sandbox worker hosting this run was restarted/) });
    const after = await guarded.run(BENIGN);
    expect(after.status, after.error ?? '').toBe('success');
  });
});
