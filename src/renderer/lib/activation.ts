// What to ask before activating a workflow: the type errors it still has and why its runs would
// fail (declared secrets without a value, an unusable keychain). Nothing here refuses anything:
// the analyst decides, and the server's own checks on activation apply either way.
import { secretWarnings, type WorkflowWarning } from '../../shared/warnings.ts';
import { api } from '../api/instance.ts';
import type { LintProblemView, WorkflowListItem } from '../api/types.ts';

export interface ActivationIssues {
  typeProblems: LintProblemView[];
  warnings: WorkflowWarning[];
}

export const hasIssues = (issues: ActivationIssues): boolean => issues.typeProblems.length > 0 || issues.warnings.length > 0;

/**
 * Warnings for the secrets an editor draft declares, from the secrets stored now (the draft may
 * declare others than the saved workflow). If the list cannot be read, nothing is claimed.
 */
export async function draftSecretWarnings(secrets: string[]): Promise<WorkflowWarning[]> {
  if (secrets.length === 0) return [];
  try {
    const { data, meta } = await api().secrets.list();
    const stored = new Set(data.filter((secret) => secret.set).map((secret) => secret.name));
    return secretWarnings(secrets, { unavailable: meta.keychain?.state === 'unavailable', isSet: (name) => stored.has(name) }, 'workflow');
  } catch {
    return [];
  }
}

/** A saved workflow from the list: the type errors of its current version, and its row's warnings. */
export async function savedWorkflowIssues(workflow: WorkflowListItem): Promise<ActivationIssues> {
  const warnings = workflow.warnings ?? [];
  if (workflow.kind !== 'script') return { typeProblems: [], warnings };
  try {
    const { data } = await api().workflows.lint(workflow.uuid);
    return { typeProblems: data.problems.filter((problem) => problem.source === 'typescript'), warnings };
  } catch {
    return { typeProblems: [], warnings };
  }
}
