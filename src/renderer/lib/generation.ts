// What accepting a generated proposal changes in the open workflow, computed once so the dialog
// can list it before the analyst accepts and the editor applies exactly that list.
import { placeholderSecret } from '../../shared/test-secrets.ts';
import type { GenerateResult, IndicatorType, WorkflowFields, WorkflowType } from '../api/types.ts';
import type { TestSettings } from '../stores/editor.ts';

/** The workflow type and indicator types the analyst chose in the dialog. */
export interface GenerationChoices {
  workflowType: WorkflowType | null;
  indicatorTypes: IndicatorType[];
}

export interface ProposedChanges {
  /** Settings to change besides the code (only those that differ from the draft). */
  fields: Partial<Omit<WorkflowFields, 'code'>>;
  /** The test panel: mocks and the input the code was tested with. */
  test: Partial<TestSettings>;
  /** Placeholder values for the new secrets, so a test run takes the path that reads them. */
  secretValues: Record<string, string>;
}

const MAX_NAME = 200;

function union(current: string[], suggested: string[]): string[] {
  const out = [...current];
  for (const value of suggested) if (value && !out.includes(value)) out.push(value);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A value for a JSON text field; nothing (empty field) for null or absent. */
function jsonText(value: unknown): string {
  return value === null || value === undefined ? '' : `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Secrets and allowed hosts are merged, never replaced: dropping a host the analyst listed would
 * widen where the workflow may connect, and dropping a secret could break code it still has. The
 * name is only proposed for a new workflow the analyst has not named yet.
 */
export function proposedChanges(
  draft: WorkflowFields,
  result: GenerateResult,
  context: { isNew: boolean; choices: GenerationChoices; secretValues?: Record<string, string> },
): ProposedChanges {
  const fields: ProposedChanges['fields'] = {};
  const name = result.suggested_name.trim().slice(0, MAX_NAME);
  if (context.isNew && !draft.name.trim() && name) fields.name = name;
  if (context.choices.workflowType !== draft.workflow_type) fields.workflow_type = context.choices.workflowType;
  if (!same([...context.choices.indicatorTypes].sort(), [...draft.indicator_types].sort())) {
    fields.indicator_types = [...context.choices.indicatorTypes];
  }
  if (result.suggested_documentation.trim() && result.suggested_documentation !== draft.documentation) {
    fields.documentation = result.suggested_documentation;
  }
  const secrets = union(draft.secrets, result.suggested_secrets);
  if (!same(secrets, draft.secrets)) fields.secrets = secrets;
  const hosts = union(draft.allowed_hosts, result.suggested_allowed_hosts);
  if (!same(hosts, draft.allowed_hosts)) fields.allowed_hosts = hosts;

  const test: Partial<TestSettings> = {};
  if (result.suggested_mocks !== null && result.suggested_mocks !== undefined) test.mocksJson = jsonText(result.suggested_mocks);
  const input = result.suggested_test_input;
  if (input && typeof input.indicator_value === 'string' && input.indicator_value) {
    test.indicatorType = input.indicator_type;
    test.indicatorValue = input.indicator_value;
    test.inputJson = jsonText(input.context);
    test.alertJson = jsonText(input.alert);
  }

  // The repair loop tested with the same kind of placeholder; test mode sends nothing anywhere,
  // so no real secret is needed to see the code take the path that reads one.
  const secretValues: Record<string, string> = {};
  for (const secret of result.suggested_secrets) {
    if (!context.secretValues?.[secret]) secretValues[secret] = placeholderSecret(secret);
  }
  return { fields, test, secretValues };
}

/** One line per change, for the dialog's "When you accept" list. */
export function describeChanges(changes: ProposedChanges, draft: WorkflowFields): string[] {
  const lines: string[] = ['The code goes into the editor, not saved: saving lints it as usual.'];
  const f = changes.fields;
  if (f.name !== undefined) lines.push(`Name: ${f.name}`);
  if (f.workflow_type !== undefined) lines.push(`Type: ${f.workflow_type ?? 'other'}`);
  if (f.indicator_types !== undefined) lines.push(`Indicator types: ${f.indicator_types.length ? f.indicator_types.join(', ') : 'any'}`);
  const added = (next: string[] | undefined, before: string[]) => (next ?? before).filter((v) => !before.includes(v));
  const newSecrets = added(f.secrets, draft.secrets);
  if (newSecrets.length) lines.push(`Secrets it may read, adding: ${newSecrets.join(', ')}`);
  const newHosts = added(f.allowed_hosts, draft.allowed_hosts);
  if (newHosts.length) {
    lines.push(
      `Allowed hosts, adding: ${newHosts.join(', ')}${draft.allowed_hosts.length === 0 ? ' (until now any public host was allowed)' : ''}`,
    );
  }
  if (f.documentation !== undefined) lines.push(draft.documentation.trim() ? 'Documentation: replaced by the generated one' : 'Documentation: the generated one');
  if (changes.test.mocksJson !== undefined) lines.push('Test panel: the mock responses the code was tested with');
  if (changes.test.indicatorValue !== undefined) {
    lines.push(`Test panel: indicator ${changes.test.indicatorType} ${changes.test.indicatorValue}${changes.test.alertJson ? ', with an alert' : ''}`);
  }
  return lines;
}
