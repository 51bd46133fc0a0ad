// The engine's side of http_endpoint workflows: reading the configuration a client sent (as an
// `endpoint` object or as JSON text in `code`), and building the JSON body a run sends.
import type { RunInput, TriggerType } from '../../../shared/domain.ts';
import { formatEndpoint, parseEndpointText, validateEndpoint, type EndpointConfig } from '../../../shared/endpoint.ts';
import { invalid } from '../errors.ts';

export interface EndpointSource {
  endpoint?: unknown;
  code?: string;
  timeout_seconds?: number;
}

/**
 * The configuration a create or patch asks for, validated, or an `invalid` error listing every problem.
 * `fallback` is the stored configuration a patch starts from when it sends neither endpoint nor
 * code. The workflow's timeout_seconds and the endpoint's are one value: either may be given.
 */
export function resolveEndpoint(source: EndpointSource, declaredSecrets: readonly string[], fallback?: string): { config: EndpointConfig; code: string } {
  if (source.endpoint !== undefined && source.code !== undefined) {
    throw invalid([{ field: 'body.code', message: 'give endpoint or code, not both' }], 'Give the endpoint configuration as endpoint or as code, not both.');
  }
  const given = source.endpoint !== undefined || source.code !== undefined;
  let raw: unknown;
  if (source.endpoint !== undefined) raw = source.endpoint;
  else if (source.code !== undefined) raw = parseEndpointText(source.code);
  else if (fallback !== undefined) raw = parseEndpointText(fallback);
  if (raw === undefined) {
    throw invalid(
      [{ field: 'body.endpoint', message: 'endpoint is required for http_endpoint workflows (at least {"url": "https://…"})' }],
      'An http_endpoint workflow needs an endpoint configuration.',
    );
  }
  if (source.code !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw invalid(
      [{ field: 'body.code', message: 'must be the endpoint configuration as a JSON object' }],
      'The code of an http_endpoint workflow is its endpoint configuration as a JSON object.',
    );
  }
  if (source.timeout_seconds !== undefined && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const own = (raw as Record<string, unknown>).timeout_seconds;
    if (given && own !== undefined && own !== source.timeout_seconds) {
      throw invalid(
        [{ field: 'body.timeout_seconds', message: `differs from endpoint.timeout_seconds (${String(own)})` }],
        'timeout_seconds and endpoint.timeout_seconds are the same setting; they disagree.',
      );
    }
    raw = { ...raw, timeout_seconds: source.timeout_seconds };
  }
  const result = validateEndpoint(raw, declaredSecrets);
  if (!result.ok) {
    throw invalid(
      result.problems.map((p) => ({ field: p.field ? `body.endpoint.${p.field}` : 'body.endpoint', message: p.message })),
      `The endpoint configuration has ${result.problems.length} problem(s).`,
    );
  }
  return { config: result.config, code: formatEndpoint(result.config) };
}

/** A stored configuration (a workflow's or a version's code) for views and runs; null if unreadable. */
export function storedEndpoint(code: string, declaredSecrets: readonly string[]): EndpointConfig | null {
  const result = validateEndpoint(parseEndpointText(code), declaredSecrets);
  return result.ok ? result.config : null;
}

export interface EndpointBodyParts {
  runId: string;
  workflow: { uuid: string; name: string; version: number };
  input: RunInput;
  trigger: { key_type: TriggerType; key_name: string | null; reason: string | null; confidence: number | null };
  approval: { uuid: string; status: string; decided_by: string | null; decided_at: string | null; reason: string | null } | null;
  sentAt: string;
  test: boolean;
}

/** The JSON every endpoint receives (documented in README.md, "HTTP-endpoint workflows"). */
export function endpointBody(parts: EndpointBodyParts): string {
  return JSON.stringify({
    run_id: parts.runId,
    workflow: parts.workflow,
    indicator: parts.input.indicator,
    alert: parts.input.alert,
    alert_uuid: parts.input.alert_uuid,
    input: parts.input.context ?? null,
    trigger: parts.trigger,
    approval: parts.approval,
    sent_at: parts.sentAt,
    test: parts.test,
  });
}
