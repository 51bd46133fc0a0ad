// The problems list under the editor: live lint results and those of a refused save, merged.
import type { LintProblemView } from '../api/types.ts';

/** One entry per distinct problem, errors before warnings on the same spot, in source order. */
export function mergeProblems(live: LintProblemView[], server: LintProblemView[]): LintProblemView[] {
  const seen = new Set<string>();
  const out: LintProblemView[] = [];
  for (const problem of [...live, ...server]) {
    const key = `${problem.rule}:${problem.line}:${problem.column}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
