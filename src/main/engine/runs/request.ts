// Every run the sandbox executes is built here: the scheduler's runs, the test endpoints, `vigil
// test`, code generation's checks and the integrations' connection test. What differs between
// them is only where secrets, integration credentials and HTTP answers come from (RunSources).
//
// A secret or a credential that cannot be read fails the run, wherever it is built: the answer says
// why (`ok: false` with the error's message and code), and the caller reports it as the run's
// outcome. Nothing is refused before the run for it, because a queued run has no caller left to
// refuse; the connection test answers the same way, as a failed test.
import type { AlertInput, IndicatorType, RunInput, WorkflowKind } from '../../../shared/domain.ts';
import { checkIndicator } from '../../../shared/indicators.ts';
import { testSecrets, type TestSecret } from '../../../shared/test-secrets.ts';
import type { MockSpec, RunIntegrations, RunOptions, RunOutcome, RunRequest } from '../../sandbox/index.ts';
import type { SettingsTable } from '../db/index.ts';
import { integrationsUsedBy, resolveIntegrations, testModeIntegrations, type IntegrationConfigDeps } from '../integrations/index.ts';
import type { Problem } from '../errors.ts';
import type { SecretStore } from '../secrets/index.ts';
import { MAX_INPUT_FIELD_BYTES } from '../util/json-bounds.ts';
import { iso } from '../util/time.ts';
import { endpointBody, storedEndpoint, type EndpointBodyParts } from '../workflows/index.ts';

/** What executes one run: the sandbox host (or, in Electron, the same host over utilityProcess). */
export interface RunExecutor {
  run(request: RunRequest, signal?: AbortSignal, options?: RunOptions): Promise<RunOutcome>;
  /** Compiles a script's code ahead of its first run, when the executor can (the sandbox host). */
  prepare?(code: string): void;
}

/** The fields a caller gives for a run's input (execute, the test endpoints, `vigil test`, a generated test). */
export interface InputFields {
  indicator_type: IndicatorType;
  indicator_value: string;
  indicator_malice?: string | null;
  enrichment?: object | null;
  alert?: object | null;
  alert_uuid?: string | null;
  /** Free JSON the workflow sees as `ctx.input`. */
  context?: unknown;
}

/** The input fields of an execution: the indicator may be left out for a scheduled workflow. */
export type ExecuteInputFields = Omit<InputFields, 'indicator_type' | 'indicator_value'> &
  Partial<Pick<InputFields, 'indicator_type' | 'indicator_value'>>;

/**
 * The free-form fields that reach a run, each bounded in depth and size before anything else reads
 * them (checked with util/json-bounds.ts's checkJsonBounds).
 */
export function boundedFields(fields: Pick<InputFields, 'context' | 'alert' | 'enrichment'>) {
  return {
    'body.context': { value: fields.context, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.alert': { value: fields.alert, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.enrichment': { value: fields.enrichment, maxBytes: MAX_INPUT_FIELD_BYTES },
  };
}

/** A problem for each indicator field left out (only scheduled workflows run without an indicator). */
export function missingIndicatorProblems(fields: Partial<Pick<InputFields, 'indicator_type' | 'indicator_value'>>): Problem[] {
  const missing: Problem[] = [];
  if (fields.indicator_type === undefined) missing.push({ field: 'body.indicator_type', message: 'indicator_type is required' });
  if (fields.indicator_value === undefined) missing.push({ field: 'body.indicator_value', message: 'indicator_value is required' });
  return missing;
}

/**
 * The indicator value checked against its type (src/shared/indicators.ts, the rules the console
 * and MCP share): a problem naming the rule, or none.
 */
export function indicatorValueProblems(fields: Pick<InputFields, 'indicator_type' | 'indicator_value'>): Problem[] {
  const problem = checkIndicator(fields.indicator_type, fields.indicator_value);
  return problem ? [{ field: 'body.indicator_value', message: problem.message, rule: problem.rule }] : [];
}

/** The input a run is stored and executed with. */
export function runInput(fields: ExecuteInputFields): RunInput {
  return {
    indicator:
      fields.indicator_type === undefined || fields.indicator_value === undefined
        ? null
        : {
            type: fields.indicator_type,
            value: fields.indicator_value,
            malice: fields.indicator_malice ?? null,
            enrichment: (fields.enrichment as Record<string, unknown> | null | undefined) ?? null,
          },
    alert: (fields.alert as AlertInput | null | undefined) ?? null,
    alert_uuid: fields.alert_uuid ?? null,
    context: fields.context ?? null,
  };
}

/** What a run is, apart from where its secrets, credentials and HTTP answers come from. */
export interface RunSpec {
  runId: string;
  workflow: { uuid: string; name: string; version: number };
  kind: WorkflowKind;
  /** A script's source, or an http_endpoint's configuration as JSON text (what versions store). */
  code: string;
  input: RunInput;
  /** Who asked; an endpoint also receives it in its body. Absent: the analyst, for a test or a check. */
  trigger?: EndpointBodyParts['trigger'];
  /** A scheduled run's occurrence (ctx.run.scheduled_for). */
  scheduledFor?: string | null;
  /** The approval that let an endpoint run start, for its body. */
  approval?: EndpointBodyParts['approval'];
  declaredSecrets: readonly string[];
  allowedHosts: readonly string[];
  /** The run's wall-clock budget; an endpoint's own timeout takes its place. */
  timeoutSeconds: number;
  /** Now, for the endpoint body's `sent_at`. */
  now: number;
}

export interface RunSources {
  /**
   * Declared secrets: read from the keychain, or, in test mode (DESIGN.md §4), the test's own
   * values with placeholders for the rest. Test mode never reads the keychain.
   */
  secrets: { keychain: SecretStore } | { test: Readonly<Record<string, string>> };
  /** ctx.integrations: with the stored credentials, with placeholders (test mode), or none. */
  integrations?: { live: IntegrationConfigDeps } | { test: SettingsTable };
  /** Test mode's answers to every HTTP call; absent, calls go out through the egress policy. */
  mocks?: MockSpec;
}

export type BuiltRun =
  /** `secrets`: in test mode, each declared secret and where its value came from. */
  | { ok: true; request: RunRequest; secrets: TestSecret[] }
  /** What the run fails with: the message, and the code of the error behind it. */
  | { ok: false; error: string; code: string };

const ANALYST: EndpointBodyParts['trigger'] = { key_type: 'human', key_name: null, reason: null, confidence: null };

function failure(what: string, error: unknown): BuiltRun {
  const code = (error as { code?: unknown }).code;
  return { ok: false, error: `${what} could not be read: ${(error as Error).message}`, code: typeof code === 'string' ? code : 'INTERNAL_ERROR' };
}

export async function buildRunRequest(spec: RunSpec, sources: RunSources): Promise<BuiltRun> {
  const trigger = spec.trigger ?? ANALYST;
  let secrets: Record<string, string> = {};
  let secretSources: TestSecret[] = [];
  if ('keychain' in sources.secrets) {
    try {
      for (const name of spec.declaredSecrets) {
        const value = await sources.secrets.keychain.get(name);
        if (value !== null) secrets[name] = value;
      }
    } catch (error) {
      return failure('secrets', error);
    }
  } else {
    ({ values: secrets, sources: secretSources } = testSecrets(spec.declaredSecrets, sources.secrets.test));
  }

  let endpoint: RunRequest['endpoint'];
  if (spec.kind === 'http_endpoint') {
    const config = storedEndpoint(spec.code, spec.declaredSecrets);
    if (!config) return { ok: false, error: `version ${spec.workflow.version} of the endpoint configuration is not valid`, code: 'ENDPOINT_INVALID' };
    const body = endpointBody({
      runId: spec.runId,
      workflow: spec.workflow,
      input: spec.input,
      trigger,
      approval: spec.approval ?? null,
      sentAt: iso(spec.now),
      test: 'test' in sources.secrets,
    });
    endpoint = { config, body };
  }

  // An endpoint's configuration is not code: it has no ctx.integrations to serve.
  let integrations: RunIntegrations | undefined;
  if (!endpoint && sources.integrations) {
    const used = integrationsUsedBy(spec.code);
    if ('live' in sources.integrations) {
      try {
        integrations = await resolveIntegrations(sources.integrations.live, used);
      } catch (error) {
        return failure('integration credentials', error);
      }
    } else {
      integrations = testModeIntegrations(sources.integrations.test, used);
    }
  }

  const request: RunRequest = {
    runId: spec.runId,
    workflow: spec.workflow,
    trigger: trigger.key_type,
    ...(spec.scheduledFor ? { scheduledFor: spec.scheduledFor } : {}),
    code: spec.code,
    input: spec.input,
    secrets,
    declaredSecrets: [...spec.declaredSecrets],
    allowedHosts: [...spec.allowedHosts],
    timeoutMs: Math.round((endpoint?.config.timeout_seconds ?? spec.timeoutSeconds) * 1000),
    ...(endpoint ? { endpoint } : {}),
    ...(integrations ? { integrations } : {}),
    ...(sources.mocks ? { mocks: sources.mocks } : {}),
  };
  return { ok: true, request, secrets: secretSources };
}
