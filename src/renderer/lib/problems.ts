// The problems list under the editor: live lint results, those of a refused save and the type
// errors the editor underlines, merged.
import type { LintProblemView } from '../api/types.ts';

/** One entry per distinct problem, errors before warnings on the same spot, in source order. */
export function mergeProblems(...lists: LintProblemView[][]): LintProblemView[] {
  const seen = new Set<string>();
  const out: LintProblemView[] = [];
  for (const problem of lists.flat()) {
    const key = `${problem.rule}:${problem.line}:${problem.column}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
