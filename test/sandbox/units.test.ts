// Pure pieces of the sandbox: redaction, the compiler and the test report.
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/main/sandbox/compile.ts';
import { toTestReport, type RunOutcome } from '../../src/main/sandbox/index.ts';
import { REDACTED, Redactor, redactOutcome } from '../../src/main/sandbox/redact.ts';

describe('Redactor', () => {
  const secret = 'p@ss w/rd+"x"';
  const r = new Redactor([secret, 'ab']);

  it('redacts raw, URL-, form-, JSON- and base64-encoded forms; ignores values too short to matter', () => {
    expect(r.text(`a ${secret} b`)).toBe(`a ${REDACTED} b`);
    expect(r.text(encodeURIComponent(secret))).toBe(REDACTED);
    expect(r.text(new URLSearchParams({ v: secret }).toString())).toBe(`v=${REDACTED}`);
    expect(r.text(JSON.stringify({ s: secret }))).toBe(`{"s":"${REDACTED}"}`);
    expect(r.text(Buffer.from(secret).toString('base64'))).toBe(REDACTED);
    expect(r.text('about a cab')).toBe('about a cab');
  });

  it('finds a secret base64-encoded inside longer text at any byte alignment (Basic user:secret)', () => {
    const token = 'rt-5e3c9a7f1b';
    const t = new Redactor([token]);
    for (const user of ['', 'svc:', 'analyst:', 'ops-admin:']) {
      const basic = `Basic ${Buffer.from(`${user}${token}`).toString('base64')}`;
      expect(t.carriesSecret(basic), user).toBe(true);
      expect(t.text(basic), user).toContain(REDACTED);
      expect(t.carriesSecret(Buffer.from(`${user}${token}`).toString('base64url')), user).toBe(true);
    }
    expect(t.carriesSecret(`Basic ${Buffer.from('analyst:another-password').toString('base64')}`)).toBe(false);
  });

  it('treats a header as a credential by its name or by a secret in its value', () => {
    const token = 'rt-5e3c9a7f1b';
    const t = new Redactor([token]);
    expect(t.isCredentialHeader('Private-Token', 'not secret')).toBe(true);
    expect(t.isCredentialHeader('x-custom-auth', `k=${token}`)).toBe(true);
    expect(t.isCredentialHeader('x-custom-auth', encodeURIComponent(`a b ${token}`))).toBe(true);
    expect(t.isCredentialHeader('x-request-id', 'req-42')).toBe(false);
    expect(new Redactor([]).isCredentialHeader('x-request-id', 'req-42')).toBe(false);
  });

  it('redacts credential headers down to their scheme and credential query parameters always', () => {
    expect(r.headers({ Authorization: 'Basic dXNlcjpwdw==', 'X-Api-Key': 'k', Accept: `x ${secret}` })).toEqual({ Authorization: `Basic ${REDACTED}`, 'X-Api-Key': REDACTED, Accept: `x ${REDACTED}` });
    expect(new Redactor([]).url('https://api.example.com/v1?apikey=abcdef&q=1')).toBe(`https://api.example.com/v1?apikey=${REDACTED}&q=1`);
  });

  it('walks a whole outcome', () => {
    const outcome: RunOutcome = {
      status: 'failed',
      result: { success: false, message: `m ${secret}`, data: { [secret]: [secret] } },
      error: `e ${secret}`,
      logs: [{ seq: 0, ts: 't', level: 'info', message: secret, fields: { f: secret }, step: null, http: { method: 'GET', url: `https://x/?q=${encodeURIComponent(secret)}`, status: 200, ms: 1, bytes: 2 } }],
      httpCalls: [{ method: 'GET', url: 'https://x/', request_headers: { authorization: `Bearer ${secret}` }, request_body: secret, status: 200, ms: 1, bytes: 1, error: null, mock: 0 }],
      durationMs: 3,
    };
    expect(JSON.stringify(redactOutcome(outcome, r))).not.toContain('w/rd');
  });
});

describe('compileWorkflow', () => {
  it('keeps every line where it was', () => {
    const source = 'import { sha1 } from "vigil";\nimport type { X } from "vigil";\n\nexport async function run(ctx: X) {\n  return ctx.ok(sha1("a"));\n}\n';
    const compiled = compileWorkflow(source);
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    const lines = compiled.script.split('\n');
    expect(lines[3]).toContain('async function run(ctx');
    expect(lines[3]).not.toContain('export');
    expect(lines[4]).toContain('return ctx.ok(sha1("a"));');
    expect(lines[0]).toMatch(/^\(async function \(__vigil\$std\) \{"use strict";const sha1 = __vigil\$std\["sha1"\];/);
  });

  it('reports every module problem at once', () => {
    const compiled = compileWorkflow('import a from "left-pad";\nexport * from "vigil";\nexport default 1;\n');
    expect(compiled).toEqual({
      ok: false,
      error:
        'line 1: imports other than "vigil" are not available in workflows ("left-pad"); line 2: export * is not supported in workflows; line 3: export default is not supported: export async function run(ctx) instead; the workflow must export async function run(ctx)',
    });
  });
});

describe('toTestReport', () => {
  it('flattens the result, or reports the error as the message', () => {
    const base = { logs: [], httpCalls: [], durationMs: 5 };
    const secrets = [{ name: 'API_KEY', source: 'placeholder' as const }];
    expect(toTestReport({ ...base, status: 'success', result: { success: true, message: 'ok', data: { a: 1 } }, error: null }, secrets)).toEqual({
      success: true,
      message: 'ok',
      data: { a: 1 },
      logs: [],
      steps: [],
      http_calls: [],
      duration_ms: 5,
      status: 'success',
      error: null,
      secrets,
    });
    expect(toTestReport({ ...base, status: 'timed_out', result: null, error: 'CPU limit of 5 s exceeded' }, [])).toMatchObject({ success: false, message: 'CPU limit of 5 s exceeded', data: null, status: 'timed_out' });
  });
});
