// The built-in workflows are real workflow code: each passes the safety linter and type-checks
// against the authoring contract (vigil.d.ts) the editor and the LLM generator use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_WORKFLOWS } from '../../src/main/engine/integrations/index.ts';
import { typecheckWorkflow } from '../../src/main/engine/workflows/index.ts';
import { lintWorkflow } from '../../src/shared/lint/index.ts';

const VIGIL_DTS = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'shared', 'vigil.d.ts'), 'utf8');

describe('built-in workflows', () => {
  it('are nine: five for Okta, four for Entra, with unique keys and names', () => {
    expect(BUILTIN_WORKFLOWS.filter((b) => b.integration === 'okta')).toHaveLength(5);
    expect(BUILTIN_WORKFLOWS.filter((b) => b.integration === 'entra')).toHaveLength(4);
    expect(new Set(BUILTIN_WORKFLOWS.map((b) => b.key)).size).toBe(9);
    expect(new Set(BUILTIN_WORKFLOWS.map((b) => b.name)).size).toBe(9);
  });

  for (const builtin of BUILTIN_WORKFLOWS) {
    it(`${builtin.key} lints clean and type-checks against vigil.d.ts`, async () => {
      expect(lintWorkflow(builtin.code)).toEqual([]);
      expect(await typecheckWorkflow(builtin.code, VIGIL_DTS)).toEqual([]);
      expect(builtin.code).toContain(`ctx.integrations.${builtin.integration}`);
    }, 30_000);
  }
});
