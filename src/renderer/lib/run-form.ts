// The Run form's rules, apart from React: when a workflow can be run from the console, what the
// form must hold before it is sent, and how the API's refusals read next to the form.
import { INDICATOR_TYPES, type IndicatorType } from '../../shared/domain.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import type { ExecuteRequest, WorkflowListItem } from '../api/types.ts';
import { checkIndicator } from '../../shared/indicators.ts';
import { indicatorLabel } from './format.ts';

/** What the form needs to know of the workflow; both the list's rows and the editor's copy have it. */
export type RunTarget = Pick<
  WorkflowListItem,
  'uuid' | 'name' | 'state' | 'risk_level' | 'approval_mode' | 'indicator_types' | 'integration' | 'code_version' | 'workflow_type'
>;

/** A scheduled workflow may be run without an indicator: it works on its context. */
export function indicatorOptional(target: Pick<RunTarget, 'workflow_type'>): boolean {
  return target.workflow_type === 'scheduled';
}

export interface RunForm {
  indicatorType: IndicatorType;
  indicatorValue: string;
  /** ctx.input as JSON text; empty sends none. */
  contextJson: string;
  /** Sent as `reason`: shown on the approval request and kept with the run. */
  note: string;
}

export type RunField = 'indicator_type' | 'indicator_value' | 'context' | 'note';

/** The API's limits on what the form sends (ExecuteBody in the engine's schemas). */
export const MAX_INDICATOR_LENGTH = 4096;
export const MAX_NOTE_LENGTH = 4000;

const integrationName = (name: string) => (name === 'okta' ? 'Okta' : name === 'entra' ? 'Microsoft Entra ID' : name);

/** Why the workflow cannot be run now, or null when it can. Said on the disabled Run button. */
export function runBlocker(target: RunTarget): string | null {
  if (target.state === 'draft') return 'A draft cannot run: activate it first.';
  if (target.state === 'inactive') return 'Inactive: activate it to run it.';
  if (target.integration && !target.integration.configured) {
    return `Needs the ${integrationName(target.integration.name)} integration: set it up under Settings → Integrations.`;
  }
  return null;
}

/** The indicator types the form offers: the workflow's own, or every type when it names none. */
export function allowedTypes(target: RunTarget): IndicatorType[] {
  return target.indicator_types.length > 0 ? [...target.indicator_types] : [...INDICATOR_TYPES];
}

/** Whether the analyst's own run waits for an approval (the gate treats human runs the same way). */
export function isGated(target: RunTarget): boolean {
  return target.approval_mode === 'always';
}

/**
 * Whether sending starts a high- or critical-risk run at once, which the analyst confirms first.
 * A gated request starts nothing: approving it is the confirmation (with its own for high risk).
 */
export function needsConfirmation(target: RunTarget): boolean {
  return !isGated(target) && (target.risk_level === 'high' || target.risk_level === 'critical');
}

export function emptyRunForm(target: RunTarget): RunForm {
  return { indicatorType: allowedTypes(target)[0]!, indicatorValue: '', contextJson: '', note: '' };
}

/** The request body, or the problem with each field that keeps it from being sent. */
export function checkRunForm(target: RunTarget, form: RunForm): { body: ExecuteRequest } | { fieldErrors: Partial<Record<RunField, string>> } {
  const fieldErrors: Partial<Record<RunField, string>> = {};
  const allowed = allowedTypes(target);
  if (!allowed.includes(form.indicatorType)) {
    fieldErrors.indicator_type = `This workflow takes ${allowed.map(indicatorLabel).join(', ')}.`;
  }
  const value = form.indicatorValue.trim();
  const withoutIndicator = value === '' && indicatorOptional(target);
  if (withoutIndicator) delete fieldErrors.indicator_type;
  else if (value === '') fieldErrors.indicator_value = 'Type the indicator to run the workflow with.';
  else if (value.length > MAX_INDICATOR_LENGTH) fieldErrors.indicator_value = `At most ${MAX_INDICATOR_LENGTH.toLocaleString('en-US')} characters.`;
  else {
    // The same rule the server applies, said before the request instead of after it.
    const problem = checkIndicator(form.indicatorType, value);
    if (problem) fieldErrors.indicator_value = problem.message;
  }
  let context: unknown;
  if (form.contextJson.trim() !== '') {
    try {
      context = JSON.parse(form.contextJson);
    } catch (error) {
      fieldErrors.context = `Not valid JSON: ${(error as Error).message}`;
    }
  }
  const note = form.note.trim();
  if (note.length > MAX_NOTE_LENGTH) fieldErrors.note = `At most ${MAX_NOTE_LENGTH.toLocaleString('en-US')} characters.`;
  if (Object.keys(fieldErrors).length > 0) return { fieldErrors };
  return {
    body: {
      ...(withoutIndicator ? {} : { indicator_type: form.indicatorType, indicator_value: value }),
      ...(context !== undefined ? { context } : {}),
      ...(note !== '' ? { reason: note } : {}),
    },
  };
}

const FIELD_OF_PROBLEM: Record<string, RunField> = {
  'body.indicator_type': 'indicator_type',
  'body.indicator_value': 'indicator_value',
  'body.context': 'context',
  'body.reason': 'note',
};

export interface RunRefusal {
  /** Shown above the form's buttons; null when the field problems say it all. */
  message: string | null;
  fieldErrors: Partial<Record<RunField, string>>;
  /** The refusal is fixed under Settings (an integration to set up). */
  settingsLink: boolean;
}

/** An execute refusal as the form shows it: field problems at their fields, the rest in words. */
export function explainRunError(error: unknown, target: RunTarget): RunRefusal {
  const refusal: RunRefusal = { message: null, fieldErrors: {}, settingsLink: false };
  if (!(error instanceof ApiError)) {
    refusal.message = errorMessage(error);
    return refusal;
  }
  const details = (error.details ?? {}) as { retry_after_seconds?: unknown; integration?: unknown };
  switch (error.code) {
    case 'VALIDATION_ERROR': {
      const elsewhere: string[] = [];
      for (const problem of error.fieldProblems) {
        const field = FIELD_OF_PROBLEM[problem.field] ?? FIELD_OF_PROBLEM[problem.field.split('.').slice(0, 2).join('.')];
        if (field) refusal.fieldErrors[field] = problem.message;
        else elsewhere.push(`${problem.field.replace(/^body\./, '')}: ${problem.message}`);
      }
      if (elsewhere.length > 0 || Object.keys(refusal.fieldErrors).length === 0) {
        refusal.message = [error.message, ...elsewhere].join(' ');
      }
      return refusal;
    }
    case 'INDICATOR_TYPE_NOT_SUPPORTED':
      refusal.fieldErrors.indicator_type = error.message;
      return refusal;
    case 'WORKFLOW_NOT_EXECUTABLE':
      refusal.message = `${error.message} Activate it, then run it.`;
      return refusal;
    case 'INTEGRATION_NOT_CONFIGURED':
      refusal.message = `“${target.name}” needs the ${integrationName(String(details.integration ?? ''))} integration, which is not configured yet. Nothing was run.`;
      refusal.settingsLink = true;
      return refusal;
    case 'QUEUE_FULL': {
      const wait = typeof details.retry_after_seconds === 'number' ? ` Try again in ${details.retry_after_seconds} s.` : '';
      refusal.message = `${error.message.replace(/ Retry later\.$/, '')}${wait}`;
      return refusal;
    }
    case 'NETWORK_ERROR':
      // The request may have arrived: sending it again with the same key cannot queue it twice.
      refusal.message = `${error.message} Sending again is safe: the same request is never queued twice.`;
      return refusal;
    default:
      refusal.message = error.message;
      return refusal;
  }
}

/** A fresh Idempotency-Key (random, from the Web Crypto API every console context has). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
