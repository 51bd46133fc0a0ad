// The problems list under the editor: live lint results, those of a refused save and the type
// errors the editor underlines, merged.
import type { LintProblemView } from '../api/types.ts';

/** One entry per distinct problem, errors before warnings on the same spot, in source order. */
export function mergeProblems(...lists: LintProblemView[][]): LintProblemView[] {
  const seen = new Set<string>();
  const out: LintProblemView[] = [];
  const all = lists.flat();
  // A lint error says what is wrong in Vigil's terms (`require` is not available); the type error
  // the compiler reports at the same spot ("Cannot find name 'require'") only repeats it.
  const linted = new Set(all.filter((p) => p.source !== 'typescript' && p.severity === 'error').map((p) => `${p.line}:${p.column}`));
  for (const problem of all) {
    if (problem.source === 'typescript' && linted.has(`${problem.line}:${problem.column}`)) continue;
    const key = `${problem.rule}:${problem.line}:${problem.column}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
