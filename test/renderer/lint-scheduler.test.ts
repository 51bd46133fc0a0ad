import { describe, expect, it } from 'vitest';
import { LintScheduler, type LintRequest } from '../../src/renderer/lint/protocol.ts';
import type { LintProblemView } from '../../src/renderer/api/types.ts';

const problem = (message: string): LintProblemView => ({
  rule: 'no-require',
  severity: 'error',
  message,
  line: 1,
  column: 1,
  endLine: 1,
  endColumn: 8,
});

function setup() {
  const sent: LintRequest[] = [];
  const results: string[] = [];
  const errors: string[] = [];
  const scheduler = new LintScheduler(
    { postMessage: (request) => sent.push(request) },
    (problems) => results.push(problems.map((p) => p.message).join(',')),
    (message) => errors.push(message),
  );
  return { sent, results, errors, scheduler };
}

describe('lint scheduling in the editor', () => {
  it('keeps one lint in flight and only the newest text queued behind it', () => {
    const { sent, results, scheduler } = setup();
    scheduler.lint('a');
    scheduler.lint('ab');
    scheduler.lint('abc');
    expect(sent.map((r) => r.code)).toEqual(['a']);
    // The answer for "a" is stale by now: dropped, and the newest text goes out.
    scheduler.handle({ id: 1, problems: [problem('for a')] });
    expect(results).toEqual([]);
    expect(sent.map((r) => r.code)).toEqual(['a', 'abc']);
    scheduler.handle({ id: 3, problems: [problem('for abc')] });
    expect(results).toEqual(['for abc']);
  });

  it('passes declared secrets and reports linter failures for the newest request only', () => {
    const { sent, errors, scheduler } = setup();
    scheduler.lint('x', ['OKTA_TOKEN']);
    expect(sent[0]).toEqual({ id: 1, code: 'x', declaredSecrets: ['OKTA_TOKEN'] });
    scheduler.handle({ id: 1, error: 'parser crashed' });
    expect(errors).toEqual(['parser crashed']);
  });
});
