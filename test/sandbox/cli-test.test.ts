// `vigil test`: the real command, spawned with the Node running the tests (the pinned Node 24).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '../helpers/cli.ts';
import { upstream, type Upstream } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-test-cli-'));
let server: Upstream;

beforeAll(async () => {
  server = await upstream((req, res) => res.end(JSON.stringify({ live: true, path: req.url })));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const vigilTest = (args: string[]) => vigil(['test', ...args]);

const lookup = file(
  'lookup.ts',
  `import type { WorkflowContext, WorkflowResult } from "vigil";
export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const key = ctx.secrets.get("INTEL_KEY");
  if (!key) return ctx.fail("INTEL_KEY is not set");
  const res = await ctx.http.get("https://intel.example.com/v1/ip/" + ctx.indicator.value, { headers: { "x-api-key": key } });
  ctx.log.info("intel answered", { status: res.status, input: ctx.input });
  return res.ok ? ctx.ok("looked up " + ctx.indicator.value, res.json()) : ctx.fail("intel answered " + res.status);
}
`,
);
const mocks = file('lookup.mocks.json', JSON.stringify({ responses: [{ method: 'GET', url: 'https://intel.example.com/v1/ip/*', status: 200, json: { verdict: 'malicious' } }], default: 'error' }));

describe('vigil test', () => {
  it('runs a workflow against mocks and prints the result, log and calls', async () => {
    const out = await vigilTest([lookup, '--indicator', 'ip:203.0.113.7', '--mocks', mocks, '--secret', 'INTEL_KEY=k-123456', '--input', '{"case":42}']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('✔ success: looked up 203.0.113.7');
    expect(out.stdout).toContain('"verdict": "malicious"');
    expect(out.stdout).toMatch(/info {2}intel answered \{"status":200,"input":\{"case":42\}\}/);
    expect(out.stdout).toMatch(/GET https:\/\/intel\.example\.com\/v1\/ip\/203\.0\.113\.7 → 200 \(\d+ ms, \d+ bytes\) \[mock #1\]/);
    expect(out.stdout).toContain('x-api-key: [REDACTED]');
    expect(out.stdout).not.toContain('k-123456');
  });

  it('runs a scheduled workflow as its schedule would: no indicator, the occurrence given', async () => {
    const sweep = file('sweep.ts', 'export async function run(ctx) {\n  return ctx.ok("swept", { indicator: ctx.indicator, scheduled_for: ctx.run.scheduled_for });\n}\n');
    const out = await vigilTest([sweep, '--indicator', 'none', '--scheduled-for', '2026-12-07T03:00:00+01:00', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).data).toEqual({ indicator: null, scheduled_for: '2026-12-07T02:00:00.000Z' });
    const bad = await vigilTest([sweep, '--indicator', 'none', '--scheduled-for', 'tomorrow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--scheduled-for must be an ISO 8601 time/);
  });

  it('prints the test report as JSON', async () => {
    const out = await vigilTest([lookup, '--indicator', 'ip:203.0.113.7', '--mocks', mocks, '--secret', 'INTEL_KEY=k-123456', '--json']);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(Object.keys(report)).toEqual(['success', 'message', 'data', 'logs', 'steps', 'http_calls', 'duration_ms', 'status', 'error', 'secrets']);
    expect(report.secrets).toEqual([{ name: 'INTEL_KEY', source: 'request' }]);
    expect(report).toMatchObject({ success: true, message: 'looked up 203.0.113.7', data: { verdict: 'malicious' }, status: 'success', error: null });
    expect(report.http_calls).toEqual([
      expect.objectContaining({ method: 'GET', url: 'https://intel.example.com/v1/ip/203.0.113.7', status: 200, mock: 0, request_headers: expect.objectContaining({ 'x-api-key': '[REDACTED]' }) }),
    ]);
  });

  it('gives a secret without --secret the placeholder test-value-of-NAME and says so', async () => {
    const echo = file(
      'echo-secrets.ts',
      'export async function run(ctx) {\n  return ctx.ok("read", { length: ctx.secrets.get("INTEL_KEY")?.length, other: ctx.secrets.get("OTHER_KEY") === "given-value" });\n}\n',
    );
    const out = await vigilTest([echo, '--secret', 'OTHER_KEY=given-value']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`"length": ${'test-value-of-INTEL_KEY'.length}`);
    expect(out.stdout).toContain('"other": true');
    expect(out.stdout.split('\n').filter((line) => line.startsWith('Placeholder secrets:'))).toEqual([
      'Placeholder secrets: INTEL_KEY=test-value-of-INTEL_KEY (no --secret given; the keychain is never read).',
    ]);
    const json = JSON.parse((await vigilTest([echo, '--json'])).stdout);
    expect(json.secrets).toEqual([
      { name: 'INTEL_KEY', source: 'placeholder' },
      { name: 'OTHER_KEY', source: 'placeholder' },
    ]);
  });

  it('exits 1 when the workflow fails, throws or calls something without a mock', async () => {
    const failed = await vigilTest([lookup, '--mocks', mocks, '--secret', 'INTEL_KEY=']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('✘ failed: INTEL_KEY is not set');
    const unmocked = await vigilTest([lookup, '--secret', 'INTEL_KEY=k', '--json']);
    expect(unmocked.code).toBe(1);
    expect(JSON.parse(unmocked.stdout)).toMatchObject({ success: false, status: 'failed', error: expect.stringMatching(/no mock matches GET https:\/\/intel\.example\.com/) });
    const thrower = file('thrower.ts', 'export async function run(ctx) {\n  throw new Error("boom");\n}\n');
    const thrown = await vigilTest([thrower]);
    expect(thrown.code).toBe(1);
    expect(thrown.stdout).toContain('✘ failed: Error: boom (workflow.ts line 2)');
    // Said once, with its stack: the sandbox's log line for the thrown error repeats the result.
    expect(thrown.stdout.match(/boom/g)).toHaveLength(1);
    expect(thrown.stdout).toContain('  at run (workflow.ts:2:18)');
    const unmatchedText = await vigilTest([lookup, '--secret', 'INTEL_KEY=k']);
    expect(unmatchedText.stdout).toMatch(/GET https:\/\/intel\.example\.com\/v1\/ip\/\S+ → failed \(the error above\) \[no mock\]/);
    expect(unmatchedText.stdout.match(/no mock matches/g)).toHaveLength(1);
  });

  it('--live sends calls for real, through the egress policy', async () => {
    const live = file('live.ts', `export async function run(ctx) { const r = await ctx.http.get("${server.url}/hello"); return ctx.ok("live", r.json()); }`);
    const denied = await vigilTest([live, '--live', '--json']);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout).error).toMatch(/egress to 127\.0\.0\.1(:\d+)? denied/);
    expect(server.hits).toHaveLength(0);
    const allowed = await vigilTest([live, '--live', '--allow-host', '127.0.0.1', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).data).toEqual({ live: true, path: '/hello' });
    expect(server.hits).toHaveLength(1);
  });

  it('refuses unusable input with exit 2', async () => {
    const bad = file('bad.mocks.json', JSON.stringify({ responses: [{ status: 99 }] }));
    const cases: Array<[string[], RegExp]> = [
      [[], /FILE\.ts is required/],
      [[lookup, '--frobnicate'], /--frobnicate/],
      [[lookup, '--indicator', 'color:red'], /--indicator must be TYPE:VALUE/],
      [[lookup, '--indicator', 'ip:hello world'], /--indicator: "hello world" is not a valid ip indicator \(rule ip-address\)/],
      [[lookup, '--input', '{nope'], /--input is not valid JSON/],
      [[lookup, '--live', '--mocks', mocks], /--live and --mocks cannot be combined/],
      [[lookup, '--secret', 'NOVALUE'], /--secret must be NAME=VALUE/],
      [[lookup, '--mocks', bad], /responses\[0\]\.url must be a URL.*responses\[0\]\.status must be an HTTP status/],
      [[join(dir, 'missing.ts')], /cannot read .*missing\.ts: ENOENT/],
    ];
    for (const [args, message] of cases) {
      const out = await vigilTest(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('has help', async () => {
    const out = await vigilTest(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--mocks FILE\.json/);
    expect(out.stdout).toMatch(/--allow-host HOST/);
  });
});
