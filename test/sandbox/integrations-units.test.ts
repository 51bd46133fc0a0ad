// The pieces of the integration clients that need no server: the retry delay a vendor asks for,
// and the three lists of client methods (guest chunk, host clients, vigil.d.ts) staying in step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENTRA_METHODS } from '../../src/main/sandbox/integrations/entra.ts';
import { retryable, retryDelay } from '../../src/main/sandbox/integrations/http.ts';
import { OKTA_METHODS } from '../../src/main/sandbox/integrations/okta.ts';
import { CHUNK_INTEGRATIONS } from '../../src/main/sandbox/worker/prelude.ts';

describe('retryDelay', () => {
  it('follows Retry-After in seconds or as an HTTP date, then Okta\'s X-Rate-Limit-Reset, then backoff', () => {
    expect(retryDelay(429, { 'retry-after': '7' }, 1)).toBe(7_000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(retryDelay(503, { 'retry-after': inTenSeconds }, 1)).toBeGreaterThan(8_000);
    const reset = String(Math.ceil(Date.now() / 1000) + 30);
    expect(retryDelay(429, { 'x-rate-limit-reset': reset }, 1)).toBeGreaterThan(28_000);
    // Without a hint: exponential, jittered between half and all of 0.5 s · 2^(attempt-1), capped at 8 s.
    for (const [attempt, max] of [[1, 500], [2, 1_000], [3, 2_000], [10, 8_000]] as const) {
      const delay = retryDelay(502, {}, attempt);
      expect(delay).toBeGreaterThanOrEqual(max / 2);
      expect(delay).toBeLessThanOrEqual(max);
    }
  });
});

describe('retryable', () => {
  it('repeats what was not acted on, and a POST never after an answer that may mean it ran', () => {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      expect(retryable(method, 429)).toBe(true);
      expect(retryable(method, 503)).toBe(true);
      expect(retryable(method, 404)).toBe(false);
    }
    expect(retryable('GET', 500)).toBe(true);
    expect(retryable('DELETE', 502)).toBe(true);
    expect(retryable('POST', 500)).toBe(false);
    expect(retryable('POST', 504)).toBe(false);
  });
});

describe('client methods', () => {
  const guest = (name: string) => JSON.parse(new RegExp(`${name}: (\\[[^\\]]*\\])`).exec(CHUNK_INTEGRATIONS)![1]!.replace(/'/g, '"')) as string[];
  const dts = ts.createSourceFile('vigil.d.ts', readFileSync(join(import.meta.dirname, '..', '..', 'src', 'shared', 'vigil.d.ts'), 'utf8'), ts.ScriptTarget.Latest);
  const members = (name: string) => {
    const found: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isInterfaceDeclaration(node) && node.name.text === name) found.push(...node.members.map((m) => (m.name as ts.Identifier).text));
      ts.forEachChild(node, visit);
    };
    visit(dts);
    return found;
  };

  it('are the same in the guest, the host and vigil.d.ts', () => {
    expect(guest('okta')).toEqual([...OKTA_METHODS]);
    expect(guest('entra')).toEqual([...ENTRA_METHODS]);
    expect(members('OktaClient').sort()).toEqual([...OKTA_METHODS].sort());
    expect(members('EntraClient').sort()).toEqual([...ENTRA_METHODS].sort());
  });
});
