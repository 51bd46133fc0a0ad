// The HTTP broker: every ctx.http call of every run, with that run's budgets (call count, calls in
// flight, body size), its egress policy and its mocks. It keeps each run's call records and aborts
// a run's requests the moment the run ends. A journaled run's calls are journaled as they go: the
// request line when the call starts, then its status, time and size (or its error).
import type { RunLogEntry } from '../../../shared/domain.ts';
import { httpOutcomeLine, httpRequestLine } from '../http-log.ts';
import { formatBytes, formatCount } from '../limits.ts';
import { MockMatcher, type MockSpec } from '../mocks.ts';
import type { GuestHttpRequest, HttpResult, HttpSummary } from '../protocol.ts';
import type { Redactor } from '../redact.ts';
import type { HttpCallRecord, SandboxLimits } from '../types.ts';
import { describeNetworkError, EgressError, fetchWithPolicy, MockTransport, type LiveTransport, type Transport } from '../egress/http.ts';
import type { EgressPolicy } from '../egress/policy.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Headers undici or the broker owns; a workflow setting them could smuggle or mislead. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Per-call default when the workflow gives no timeout_ms. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Request bodies kept in test-mode call records. */
const RECORDED_BODY_CHARS = 64 * 1024;
const USER_AGENT = 'Vigil-Workflow/1.0';

export interface BrokerRunOptions {
  policy: EgressPolicy;
  redactor: Redactor;
  limits: SandboxLimits;
  /** performance.now() after which the run is over anyway. */
  deadline: number;
  mocks: MockSpec | null;
  /** Receives the run's calls as they start and end (seq is the journal's to set); null: not journaled. */
  journal: ((entry: RunLogEntry) => void) | null;
}

interface BrokerRun extends BrokerRunOptions {
  calls: number;
  inFlight: number;
  waiting: Array<() => void>;
  controller: AbortController;
  /** Someone outside the broker holds the run's signal (an integration client). */
  signalShared: boolean;
  records: HttpCallRecord[];
  transport: Transport;
  mockTransport: MockTransport | null;
  ended: boolean;
}

export class Broker {
  private readonly live: LiveTransport;
  private readonly runs = new Map<number, BrokerRun>();

  constructor(live: LiveTransport) {
    this.live = live;
  }

  open(seq: number, options: BrokerRunOptions): void {
    const mockTransport = options.mocks ? new MockTransport(new MockMatcher(options.mocks)) : null;
    this.runs.set(seq, {
      ...options,
      calls: 0,
      inFlight: 0,
      waiting: [],
      controller: new AbortController(),
      signalShared: false,
      records: [],
      transport: mockTransport ?? this.live,
      mockTransport,
      ended: false,
    });
  }

  /** The run is over: abort what is in flight, return its call records. */
  close(seq: number): HttpCallRecord[] {
    const run = this.runs.get(seq);
    if (!run) return [];
    this.runs.delete(seq);
    run.ended = true;
    // Only what still listens needs the abort: most runs end with no call open, and an abort
    // reason is an Error whose stack costs more than the rest of the close.
    if (run.inFlight > 0 || run.waiting.length > 0 || run.signalShared) run.controller.abort(new EgressError('the run has finished'));
    run.waiting.length = 0;
    void run.mockTransport?.close();
    // Calls still in flight end here; their records say so.
    for (const record of run.records) if (record.status === null && record.error === null) record.error = 'the run has finished';
    return run.records;
  }

  /** Never rejects: whatever goes wrong becomes the guest's rejected promise. */
  async call(seq: number, request: GuestHttpRequest): Promise<HttpResult> {
    try {
      return await this.callUnsafe(seq, request);
    } catch {
      return { ok: false, error: 'ctx.http: internal error in the sandbox broker', summary: null };
    }
  }

  private async callUnsafe(seq: number, request: GuestHttpRequest): Promise<HttpResult> {
    const run = this.runs.get(seq);
    if (!run || run.ended) return { ok: false, error: 'the run has finished', summary: null };
    const refused = admit(run);
    if (refused) return refused;
    const prepared = prepare(request, run);
    if ('error' in prepared) return { ok: false, error: prepared.error, typeError: true, summary: null };
    return this.dispatch(run, prepared, run.policy);
  }

  /**
   * One request of an integration client (ctx.integrations): counted against the run's budgets,
   * recorded and answered by its mocks like ctx.http, but sent under the integration's own egress
   * policy (its configured hosts only). Never rejects.
   */
  async send(seq: number, request: OutboundRequest, policy: EgressPolicy): Promise<HttpResult> {
    try {
      const run = this.runs.get(seq);
      if (!run || run.ended) return { ok: false, error: 'the run has finished', summary: null };
      const refused = admit(run);
      if (refused) return refused;
      const headers = { 'user-agent': USER_AGENT, ...request.headers };
      const body = request.body === null ? null : Buffer.from(request.body, 'utf8');
      return await this.dispatch(run, { method: request.method, url: request.url, headers, body, timeoutMs: DEFAULT_CALL_TIMEOUT_MS }, policy);
    } catch {
      return { ok: false, error: 'internal error in the sandbox broker', summary: null };
    }
  }

  /** Aborted when the run ends; undefined when it already has. */
  signal(seq: number): AbortSignal | undefined {
    const run = this.runs.get(seq);
    if (!run || run.ended) return undefined;
    run.signalShared = true;
    return run.controller.signal;
  }

  /** Milliseconds until the run's broker deadline (0 once it has ended). */
  remainingMs(seq: number): number {
    const run = this.runs.get(seq);
    return run && !run.ended ? Math.max(0, run.deadline - performance.now()) : 0;
  }

  private async dispatch(run: BrokerRun, prepared: PreparedCall, policy: EgressPolicy): Promise<HttpResult> {
    // The in-flight cap queues calls; it does not fail them.
    if (run.inFlight >= run.limits.httpInFlight) await new Promise<void>((resolve) => run.waiting.push(resolve));
    if (run.ended) return { ok: false, error: 'the run has finished', summary: null };
    run.inFlight++;
    try {
      return await this.perform(run, prepared, policy);
    } finally {
      run.inFlight--;
      run.waiting.shift()?.();
    }
  }

  private async perform(run: BrokerRun, call: PreparedCall, policy: EgressPolicy): Promise<HttpResult> {
    const started = performance.now();
    const remaining = Math.max(1, run.deadline - started);
    const timeoutMs = Math.ceil(Math.min(call.timeoutMs, remaining));
    const signal = AbortSignal.any([run.controller.signal, AbortSignal.timeout(timeoutMs)]);
    const shownUrl = run.redactor.url(call.url.href);
    const record: HttpCallRecord = {
      method: call.method,
      url: shownUrl,
      request_headers: run.redactor.headers(call.headers),
      request_body: call.body === null ? null : run.redactor.text(truncate(call.body.toString('utf8'), RECORDED_BODY_CHARS)),
      status: null,
      ms: 0,
      bytes: 0,
      error: null,
      mock: null,
    };
    run.records.push(record);
    const summary: HttpSummary = { method: call.method, url: shownUrl, status: null, ms: 0, bytes: 0 };
    journalCall(run, httpRequestLine(summary), { ...summary });
    try {
      const response = await fetchWithPolicy({
        url: call.url,
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal,
        timeoutMs,
        maxBodyBytes: run.limits.httpBodyBytes,
        policy,
        transport: run.transport,
        // The run's redactor knows its secrets (declared and integration credentials) in every
        // encoding it hides, so whatever it would hide in the log never reaches another origin.
        isCredential: (name, value) => run.redactor.isCredentialHeader(name, value),
        carriesSecret: (text) => run.redactor.carriesSecret(text),
      });
      record.status = summary.status = response.status;
      record.bytes = summary.bytes = response.body.length;
      record.ms = summary.ms = Math.round(performance.now() - started);
      record.mock = run.mockTransport ? run.mockTransport.lastMock : null;
      journalCall(run, httpOutcomeLine(summary), { ...summary });
      return {
        ok: true,
        response: { status: response.status, url: response.url, headers: response.headers, body: response.body.toString('utf8') },
        summary,
      };
    } catch (error) {
      const reason = run.ended ? 'the run has finished' : describeNetworkError(error, timeoutMs);
      const denied = error instanceof EgressError;
      const message = denied ? reason : `${call.method} ${shownUrl} failed: ${reason}`;
      record.ms = summary.ms = Math.round(performance.now() - started);
      record.error = summary.error = reason;
      record.mock = run.mockTransport ? run.mockTransport.lastMock : null;
      journalCall(run, httpOutcomeLine(summary), { ...summary });
      return { ok: false, error: message, summary };
    }
  }
}

/** A request built by the sandbox itself (an integration client), not by guest code. */
export interface OutboundRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | null;
}

function journalCall(run: BrokerRun, line: { level: RunLogEntry['level']; message: string }, http: HttpSummary): void {
  run.journal?.({ seq: 0, ts: new Date().toISOString(), level: line.level, message: line.message, fields: null, step: null, http });
}

/** Counts a call against the run's budget; the refusal when the budget is spent. */
function admit(run: BrokerRun): HttpResult | null {
  run.calls++;
  if (run.calls <= run.limits.httpCalls) return null;
  const message = `HTTP call limit of ${formatCount(run.limits.httpCalls)} calls reached`;
  return { ok: false, error: message, summary: null, fatal: message };
}

interface PreparedCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | null;
  timeoutMs: number;
}

/** Validates a guest request into something undici can send; problems are the guest's TypeErrors. */
function prepare(request: GuestHttpRequest, run: BrokerRun): PreparedCall | { error: string } {
  const method = String(request.method).toUpperCase();
  if (!METHODS.has(method)) return { error: `ctx.http: method must be one of ${[...METHODS].join(', ')}` };
  let url: URL;
  try {
    url = new URL(String(request.url));
  } catch {
    return { error: `ctx.http: invalid URL ${JSON.stringify(String(request.url).slice(0, 200))} (URLs must be absolute, e.g. https://api.example.com/v1)` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `ctx.http: scheme "${url.protocol}" is not allowed (only http and https)` };
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.append(name, String(value));
  url.hash = '';
  const headers: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(request.headers ?? {})) {
    const name = rawName.toLowerCase();
    const value = String(rawValue);
    if (!HEADER_NAME.test(name)) return { error: `ctx.http: "${rawName.slice(0, 100)}" is not a valid header name` };
    if (/[\r\n\0]/.test(value)) return { error: `ctx.http: the value of header "${name}" contains a line break` };
    if (FORBIDDEN_HEADERS.has(name)) return { error: `ctx.http: the "${name}" header is set by Vigil and cannot be set by a workflow` };
    headers[name] = value;
  }
  headers['user-agent'] ??= USER_AGENT;
  let body: Buffer | null = null;
  if (request.body !== null && request.body !== undefined) {
    if (method === 'GET' || method === 'HEAD') return { error: `ctx.http: a ${method} request cannot have a body` };
    body = Buffer.from(String(request.body), 'utf8');
    if (body.length > run.limits.httpBodyBytes) return { error: `ctx.http: the request body is larger than ${formatBytes(run.limits.httpBodyBytes)}` };
    if (request.json && !('content-type' in headers)) headers['content-type'] = 'application/json';
  }
  const requested = typeof request.timeout_ms === 'number' && request.timeout_ms > 0 ? request.timeout_ms : DEFAULT_CALL_TIMEOUT_MS;
  return { method, url, headers, body, timeoutMs: Math.min(requested, 24 * 3600 * 1000) };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${formatCount(text.length - max)} more characters)` : text;
}

