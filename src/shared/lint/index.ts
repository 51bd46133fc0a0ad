// The workflow safety linter (DESIGN.md §5): one pure module used at save time by the engine, live
// in the console's editor (a web worker) and by `vigil lint`. Imports only `typescript`.
export { lintWorkflow, VIGIL_TYPE_EXPORTS, VIGIL_VALUE_EXPORTS } from './linter.ts';
export { hasErrors } from './types.ts';
export { LINT_RULES } from './rules.ts';
export { lintRuleMarkdown, lintRulesMarkdown } from './markdown.ts';
export type { LintOptions, LintProblem, LintRule, LintSeverity } from './types.ts';
