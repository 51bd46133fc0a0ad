// How the integration clients talk to their vendor: through the run's broker (budgets, call log,
// mocks, egress policy), with retries that honour Retry-After (429 and 503 always, other 5xx only
// where repeating is harmless), and every failure turned into an IntegrationCallError with a code
// a workflow can branch on.
import type { Broker, OutboundRequest } from '../process/broker.ts';
import type { EgressPolicy } from '../egress/policy.ts';
import type { HttpSummary } from '../protocol.ts';
import type { IntegrationFailure } from './types.ts';
import { jsonDepth } from '../../../shared/json-depth.ts';
import { MAX_JSON_DEPTH } from '../wire.ts';

/** First try plus retries. */
const MAX_ATTEMPTS = 4;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** The longest single wait a vendor may ask for; longer waits fail the call instead. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Answers that say the request was not acted on: always worth another try. */
const NOT_PROCESSED = new Set([429, 503]);
/** Server errors after which the request may have taken effect: repeated only where that is harmless. */
const MAYBE_PROCESSED = new Set([500, 502, 504]);

/** A POST (reset password sends an email) is not repeated after an answer that may mean it ran. */
export function retryable(method: string, status: number): boolean {
  return NOT_PROCESSED.has(status) || (MAYBE_PROCESSED.has(status) && method !== 'POST');
}

export class IntegrationCallError extends Error {
  readonly failure: IntegrationFailure;
  /** A run budget was exhausted: the run ends with this message. */
  readonly fatal: string | undefined;

  constructor(failure: IntegrationFailure, fatal?: string) {
    super(failure.message);
    this.failure = failure;
    this.fatal = fatal;
  }
}

export function invalidArgument(message: string): IntegrationCallError {
  return new IntegrationCallError({ message, code: 'INVALID_ARGUMENT', status: null, vendor_code: null });
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface VendorRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | null;
}

/** One client call's view of the broker: bound to the run, the integration's policy and its log. */
export class IntegrationHttp {
  readonly summaries: HttpSummary[] = [];
  private readonly broker: Broker;
  private readonly seq: number;
  private readonly policy: EgressPolicy;
  private readonly label: string;

  constructor(broker: Broker, seq: number, policy: EgressPolicy, label: string) {
    this.broker = broker;
    this.seq = seq;
    this.policy = policy;
    this.label = label;
  }

  /** Sends with retries; answers every final status (the caller maps errors), throws on no answer. */
  async send(request: VendorRequest): Promise<VendorResponse> {
    for (let attempt = 1; ; attempt++) {
      const outbound: OutboundRequest = { method: request.method, url: request.url, headers: request.headers, body: request.body ?? null };
      const result = await this.broker.send(this.seq, outbound, this.policy);
      if (result.summary) this.summaries.push(result.summary);
      if (!result.ok) {
        throw new IntegrationCallError(
          { message: `${this.label}: ${result.error}`, code: 'NETWORK_ERROR', status: null, vendor_code: null },
          result.fatal,
        );
      }
      const { status, headers, body } = result.response;
      if (!retryable(request.method, status) || attempt >= MAX_ATTEMPTS) return { status, headers, body };
      const waitMs = retryDelay(status, headers, attempt);
      if (waitMs > MAX_RETRY_AFTER_MS || waitMs >= this.broker.remainingMs(this.seq)) return { status, headers, body };
      if (!(await this.sleep(waitMs))) {
        throw new IntegrationCallError({ message: `${this.label}: the run has finished`, code: 'NETWORK_ERROR', status: null, vendor_code: null });
      }
    }
  }

  /** Resolves false when the run ends first. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.broker.signal(this.seq);
    if (!signal) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * How long to wait before the next attempt: Retry-After (seconds or an HTTP date) when given,
 * Okta's X-Rate-Limit-Reset (epoch seconds) on a 429 without it, else exponential backoff.
 */
export function retryDelay(status: number, headers: Record<string, string>, attempt: number): number {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = headers['x-rate-limit-reset']?.trim();
  if (status === 429 && reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - Date.now());
  const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  return backoff / 2 + Math.random() * (backoff / 2);
}

/** The error code for a final HTTP status. */
export function codeForStatus(status: number): string {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UPSTREAM_ERROR';
  return 'BAD_REQUEST';
}

/** A vendor answer's JSON; undefined when it is not JSON, or nested deeper than any vendor's documented shape. */
export function parseJson(body: string): unknown {
  try {
    const value: unknown = body === '' ? null : JSON.parse(body);
    // Answers travel on to the worker and the guest by structured clone, which recurses.
    return jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH ? undefined : value;
  } catch {
    return undefined;
  }
}

/**
 * One URL path segment: percent-encoded, and never "." or ".." (the URL parser would resolve those
 * as dot segments and move the request to another path).
 */
export function segment(value: string): string {
  if (/^\.+$/.test(value)) throw invalidArgument(`"${value}" is not a valid identifier`);
  return encodeURIComponent(value);
}

/** Vendor-supplied text for an error message: one line, bounded. */
export function clip(text: unknown, max = 500): string {
  const line = String(text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
