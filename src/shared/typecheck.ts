// Type errors in workflow code: the editor (Monaco's TypeScript worker) and the engine (`vigil lint
// --typecheck`, saving, the code generator) use these options, so the underline in the editor, the
// Problems list, the CLI and the save report name the same errors.
import type { LintProblem } from './lint/index.ts';

/** The options that decide which type errors a workflow has (besides lib and module settings). */
export const WORKFLOW_TYPE_CHECK_OPTIONS = { strict: true, noImplicitAny: false, isolatedModules: true } as const;

/**
 * A type error, reported as a warning: the sandbox runs erasable TypeScript whatever its types say,
 * so a type error never blocks a save, but it usually means the run will go wrong. `rule` is
 * `TS<code>`, or `type-check` when the check was given up (too slow, too much memory) and the code
 * went unchecked; `source` tells it apart from the safety linter's problems.
 */
export interface TypeProblem extends LintProblem {
  severity: 'warning';
  source: 'typescript';
}
