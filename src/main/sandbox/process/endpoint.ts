// An http_endpoint run: no guest code, one request the broker sends itself. Secret references in
// header values are replaced here, in the sandbox process, and the body is signed here, so the
// values exist only in this process and on the wire; whatever the run leaves behind is redacted by
// the supervisor like any other run.
import { createHmac } from 'node:crypto';
import type { LogLevel, RunLogEntry, WorkflowResult } from '../../../shared/domain.ts';
import { describeStatuses, ENDPOINT_RECORDED_BODY_BYTES, isSuccessStatus, SECRET_REFERENCE } from '../../../shared/endpoint.ts';
import { formatBytes } from '../limits.ts';
import type { HttpSummary, WorkerOutcome } from '../protocol.ts';
import type { EndpointRequest } from '../types.ts';
import { jsonDepth } from '../../../shared/json-depth.ts';
import { MAX_JSON_DEPTH } from '../wire.ts';
import type { Broker } from './broker.ts';

export interface EndpointResponseRecord {
  status: number;
  /** The URL that answered (after redirects). */
  url: string;
  headers: Record<string, string>;
  /** The first 64 KB of the body as text. */
  body: string;
  body_bytes: number;
  body_truncated: boolean;
  /** The body parsed, when it is complete JSON. */
  json?: unknown;
}

class MissingSecretError extends Error {}

function substitute(value: string, secrets: Record<string, string>): string {
  return value.replace(SECRET_REFERENCE, (_match, name: string) => {
    const secret = secrets[name];
    if (secret === undefined) throw new MissingSecretError(`the secret ${name} is not set; set it under Secrets (or give a test value)`);
    return secret;
  });
}

function entry(seq: number, level: LogLevel, message: string, http: HttpSummary | null = null, fields: Record<string, unknown> | null = null): RunLogEntry {
  return { seq, ts: new Date().toISOString(), level, message, fields, step: null, http };
}

function recordResponse(status: number, url: string, headers: Record<string, string>, body: string): EndpointResponseRecord {
  const bytes = Buffer.from(body, 'utf8');
  const truncated = bytes.length > ENDPOINT_RECORDED_BODY_BYTES;
  const record: EndpointResponseRecord = {
    status,
    url,
    headers,
    body: truncated ? bytes.subarray(0, ENDPOINT_RECORDED_BODY_BYTES).toString('utf8') : body,
    body_bytes: bytes.length,
    body_truncated: truncated,
  };
  if (!truncated && /\bjson\b/i.test(headers['content-type'] ?? '')) {
    try {
      const json = JSON.parse(body) as unknown;
      // Nested deeper than guest data may be, it would not travel to the engine: the text stays.
      if (jsonDepth(json, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH) record.json = json;
    } catch {
      // Declared JSON that is not: the text is what was received.
    }
  }
  return record;
}

/** Sends the run's request through the broker (run `seq` must be open there) and describes the outcome. */
export async function callEndpoint(
  broker: Broker,
  seq: number,
  endpoint: EndpointRequest,
  secrets: Record<string, string>,
  timeoutMs: number,
): Promise<WorkerOutcome> {
  const started = performance.now();
  const { config, body } = endpoint;
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (status: 'failed' | 'timed_out', error: string, http: HttpSummary | null = null): WorkerOutcome => ({
    status,
    result: null,
    error,
    logs: [entry(0, 'error', error, http)],
    durationMs: elapsed(),
  });

  const headers: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(config.headers)) headers[name] = substitute(value, secrets);
    if (config.hmac) {
      const key = secrets[config.hmac.secret];
      if (key === undefined) throw new MissingSecretError(`the signing secret ${config.hmac.secret} is not set; set it under Secrets (or give a test value)`);
      headers[config.hmac.header] = `${config.hmac.algorithm}=${createHmac(config.hmac.algorithm, key).update(body, 'utf8').digest('hex')}`;
    }
  } catch (error) {
    if (error instanceof MissingSecretError) return failed('failed', `nothing was sent: ${error.message}`);
    throw error;
  }
  headers['content-type'] ??= 'application/json';

  // A header carrying a secret stays behind when a redirect leaves the origin: the broker finds the
  // run's secret values in it, as for ctx.http, so nothing here has to list such headers.
  const result = await broker.call(seq, {
    method: config.method,
    url: config.url,
    headers,
    query: {},
    body,
    json: true,
    timeout_ms: timeoutMs,
  });
  if (!result.ok) {
    const timedOut = result.summary?.error?.startsWith('timed out') ?? false;
    const message = timedOut ? `${config.method} ${result.summary?.url ?? config.url} ${result.summary?.error} (the endpoint's timeout)` : result.error;
    return failed(timedOut ? 'timed_out' : 'failed', message, result.summary);
  }
  const { response, summary } = result;
  const record = recordResponse(response.status, response.url, response.headers, response.body);
  const success = isSuccessStatus(response.status, config.success_statuses);
  const message = success
    ? `${config.method} ${summary.url} answered ${response.status}`
    : `${config.method} ${summary.url} answered ${response.status}, expected ${describeStatuses(config.success_statuses)}`;
  const logs = [entry(0, success ? 'info' : 'error', message, summary, { status: response.status, bytes: record.body_bytes })];
  if (record.body_truncated) {
    logs.push(entry(1, 'warn', `the response body is ${formatBytes(record.body_bytes)}; the run keeps its first ${formatBytes(ENDPOINT_RECORDED_BODY_BYTES)}`));
  }
  const workflowResult: WorkflowResult = { success, message, data: record };
  return { status: success ? 'success' : 'failed', result: workflowResult, error: null, logs, durationMs: elapsed() };
}
