// What is wrong with the code: the live linter's problems (a web worker), the type errors Monaco
// underlines, and the lint problems of a save or test the server refused.
import type { LintProblemView } from '../../api/types.ts';
import type { EditorSlice } from './slice.ts';

export interface ProblemsState {
  lintProblems: LintProblemView[];
  lintError: string | null;
  /** The type errors the editor underlines (Monaco's TypeScript worker), as warnings. */
  typeProblems: LintProblemView[];
  /** Lint problems of a save (or test) the server refused (400 WORKFLOW_CODE_INVALID). */
  saveProblems: LintProblemView[];
}

export interface ProblemsSlice extends ProblemsState {
  setLint(problems: LintProblemView[]): void;
  setLintError(message: string | null): void;
  setTypeProblems(problems: LintProblemView[]): void;
}

/** A workflow just opened has none yet. */
export const NO_PROBLEMS: ProblemsState = { lintProblems: [], lintError: null, typeProblems: [], saveProblems: [] };

export const createProblemsSlice: EditorSlice<ProblemsSlice> = (set) => ({
  ...NO_PROBLEMS,

  setLint(problems) {
    set({ lintProblems: problems, lintError: null });
  },

  setLintError(message) {
    set({ lintError: message });
  },

  setTypeProblems(problems) {
    set({ typeProblems: problems });
  },
});
