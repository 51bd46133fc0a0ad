// The sandbox room's public vocabulary: what the engine hands in (RunRequest) and what comes back
// (RunOutcome). Everything here crosses a process boundary as JSON, so it is plain data only.
import type { RunInput, RunLogEntry, RunStep, WorkflowResult } from '../../shared/domain.ts';
import type { EndpointConfig } from '../../shared/endpoint.ts';
import type { TestSecret } from '../../shared/test-secrets.ts';
import type { RunIntegrations } from './integrations/types.ts';
import type { MockSpec } from './mocks.ts';

export interface SandboxLimits {
  /** Guest CPU time (time spent executing the workflow's code), milliseconds. */
  cpuMs: number;
  /** Guest heap: the QuickJS allocation limit; the run's wasm memory is bounded just above it. */
  memoryBytes: number;
  /** QuickJS stack (recursion) limit. */
  stackBytes: number;
  /** ctx.http calls per run. */
  httpCalls: number;
  /** ctx.http calls awaiting an answer at once; later calls wait for a free slot. */
  httpInFlight: number;
  /** Request and (decompressed) response body size per call. */
  httpBodyBytes: number;
  /** ctx.log and ctx.step entries per run. */
  logEntries: number;
  /** Total size of log messages and fields per run. */
  logBytes: number;
  /** JSON size of the run's result. */
  resultBytes: number;
  /** Size of the workflow's TypeScript source. */
  sourceBytes: number;
}

export interface RunRequest {
  runId: string;
  workflow: { uuid: string; name: string; version: number };
  trigger: 'human' | 'agent' | 'schedule';
  /** A scheduled run's occurrence (ISO), for ctx.run.scheduled_for; absent otherwise. */
  scheduledFor?: string | null;
  /** TypeScript source as stored. */
  code: string;
  input: RunInput;
  /** Declared secrets resolved for this run only; names that are not set are absent. */
  secrets: Record<string, string>;
  declaredSecrets: string[];
  /** Hosts or CIDRs; non-empty = only these; naming a private/loopback host opts it in. */
  allowedHosts: string[];
  /** Wall-clock budget of the run. */
  timeoutMs: number;
  limits?: Partial<SandboxLimits>;
  /** Present = test mode: every HTTP call is answered by a mock, nothing leaves the machine. */
  mocks?: MockSpec;
  /**
   * Present = an http_endpoint workflow: the broker sends this one request itself (no guest code
   * runs), under the same egress policy, budgets, mocks and redaction as ctx.http.
   */
  endpoint?: EndpointRequest;
  /**
   * The identity-provider integrations (ctx.integrations) with their credentials. They stay in the
   * sandbox process's broker: the worker and the guest only learn which clients exist.
   */
  integrations?: RunIntegrations;
}

/** How the engine wants a run executed, beside what the run is. */
export interface RunOptions {
  /**
   * Receives the run's log lines and HTTP calls (request line, then status or error) while it runs,
   * redacted, so a run cut short still shows what it did. The outcome's logs supersede them.
   */
  journal?: (entry: RunLogEntry) => void;
}

export interface EndpointRequest {
  config: EndpointConfig;
  /** The JSON body (built by the engine from the run); signed as these exact bytes. */
  body: string;
}

/** One ctx.http call as shown by a test run (secrets redacted). */
export interface HttpCallRecord {
  method: string;
  url: string;
  request_headers: Record<string, string>;
  request_body: string | null;
  status: number | null;
  ms: number;
  bytes: number;
  error: string | null;
  /** Index of the mock rule that answered, 'default', or null (live call, or no mock answered). */
  mock: number | 'default' | null;
}

export type RunOutcomeStatus = 'success' | 'failed' | 'timed_out' | 'cancelled';

export interface RunOutcome {
  status: RunOutcomeStatus;
  result: WorkflowResult | null;
  /** Why the run did not produce a result (exception, limit, crash); null when it returned one. */
  error: string | null;
  logs: RunLogEntry[];
  /** The run's `ctx.step`s, in the order they started (absent: none, or no code ran). */
  steps?: RunStep[];
  httpCalls: HttpCallRecord[];
  durationMs: number;
}

export interface TestReport {
  success: boolean;
  message: string;
  data: unknown;
  logs: RunLogEntry[];
  steps: RunStep[];
  http_calls: HttpCallRecord[];
  duration_ms: number;
  status: RunOutcomeStatus;
  error: string | null;
  /** Each declared secret and where its test value came from (test mode never reads the keychain). */
  secrets: TestSecret[];
}
