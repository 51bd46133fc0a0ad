// The rule table as Markdown: the "Lint rules" section of docs/workflows.md (a test keeps the two
// identical) and the rules part of the code generator's prompt.
import { LINT_RULES } from './rules.ts';
import type { LintRule } from './types.ts';

function fence(code: string): string {
  return `\`\`\`ts\n${code.replace(/\n+$/, '')}\n\`\`\``;
}

/** One rule: heading, severity, description, bad and good example. */
export function lintRuleMarkdown(rule: LintRule): string {
  return [
    `### \`${rule.id}\` (${rule.severity})`,
    '',
    rule.description,
    '',
    'Refused:',
    '',
    fence(rule.bad),
    '',
    'Instead:',
    '',
    fence(rule.good),
  ].join('\n');
}

/** Every rule, in table order, separated by blank lines. */
export function lintRulesMarkdown(rules: readonly LintRule[] = LINT_RULES): string {
  return `${rules.map(lintRuleMarkdown).join('\n\n')}\n`;
}
