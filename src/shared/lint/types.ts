export type LintSeverity = 'error' | 'warning';

/** One problem found in a workflow's code. Lines and columns are 1-based; the end is exclusive. */
export interface LintProblem {
  /** The rule's id, e.g. `no-require` (see LINT_RULES). */
  rule: string;
  severity: LintSeverity;
  /** What is wrong and what to do instead. */
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface LintOptions {
  /**
   * The names in the workflow's `secrets` list. `undefined` means the list is not known here (the
   * CLI without `--secrets`): secret names are then not checked, and not reported either (a
   * warning per name read would only say "not checked" about every workflow that reads a secret).
   */
  declaredSecrets?: readonly string[];
}

/** Whether any problem is an error (the code would be refused). */
export function hasErrors(problems: readonly LintProblem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** A rule as documented for analysts (docs/workflows.md) and the code generator's prompt. */
export interface LintRule {
  id: string;
  severity: LintSeverity;
  /** One or two sentences: what the rule refuses, why, and what to write instead. */
  description: string;
  /** A small workflow that breaks the rule. */
  bad: string;
  /** The same workflow written the way Vigil expects (lints clean with secrets `API_TOKEN`). */
  good: string;
}
