// Messages between the engine (host), the sandbox process (broker + supervisor) and its workers.
// All of them are plain, JSON-safe data. Between the engine and the sandbox process they travel as
// JSON text (see wire.ts); between the sandbox process and its workers, by structured clone.
import type { RunLogEntry } from '../../shared/domain.ts';
import type { GuestIntegrationCall, IntegrationResult } from './integrations/types.ts';
import type { RunOutcome, RunRequest, SandboxLimits } from './types.ts';

export interface SandboxProcessOptions {
  /** worker_threads in the pool; each hosts many runs. */
  workers: number;
  /** Resolve names through these DNS servers ("ip" or "ip:port") instead of the system resolver. */
  dnsServers: string[];
  /** Refuse to dial anything but loopback (test harnesses). */
  dialLoopbackOnly: boolean;
  /** Milliseconds a guest may keep a worker busy past its deadline before the worker is replaced. */
  watchdogGraceMs: number;
}

/** Messages sent in the same event-loop turn travel together as one frame (see wire.ts). */
export type HostToSandbox =
  | { t: 'init'; options: SandboxProcessOptions }
  /** `journal`: send the run's log lines and HTTP calls to the engine as they happen. */
  | { t: 'run'; id: number; journal: boolean; request: RunRequest }
  | { t: 'cancel'; id: number }
  /** A workflow's code, compiled into the cache ahead of its first run (a save sends it). */
  | { t: 'prepare'; code: string }
  | { t: 'shutdown' };

/**
 * `hello` is sent once the process listens (messages sent before that would be lost). `journal`
 * carries one entry of a journaled run's log while it runs (already redacted); the outcome's logs
 * supersede them.
 */
export type SandboxToHost =
  | { t: 'hello' }
  | { t: 'ready' }
  | { t: 'journal'; id: number; entry: RunLogEntry }
  | { t: 'outcome'; id: number; outcome: RunOutcome };

export interface RunConfig {
  indicator: unknown;
  alert: unknown;
  input: unknown;
  run: {
    id: string;
    workflow: { uuid: string; name: string; version: number };
    trigger: 'human' | 'agent' | 'schedule';
    test: boolean;
    scheduled_for: string | null;
  };
  /** Which ctx.integrations clients exist; never their configuration. */
  integrations: { okta: boolean; entra: boolean };
}

export interface WorkerRunSpec {
  seq: number;
  /** Compiled script (see compile.ts). */
  script: string;
  /** RunConfig as JSON, parsed inside the guest. */
  config: string;
  secrets: Record<string, string>;
  declaredSecrets: string[];
  limits: SandboxLimits;
  timeoutMs: number;
  /** Post the run's log lines (not its HTTP calls: the broker journals those) as they are made. */
  journal: boolean;
}

/** What the guest asked ctx.http for, after the prelude's type checks. */
export interface GuestHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: string | null;
  json: boolean;
  timeout_ms: number | null;
}

export type HttpSummary = NonNullable<RunLogEntry['http']>;

export interface GuestHttpResponse {
  status: number;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type HttpResult =
  | { ok: true; response: GuestHttpResponse; summary: HttpSummary }
  | {
      ok: false;
      /** Message of the Error the guest's promise rejects with. */
      error: string;
      /** The request itself was malformed: the guest gets a TypeError. */
      typeError?: boolean;
      /** null when the call never became a request (a malformed call). */
      summary: HttpSummary | null;
      /** A run budget was exhausted: the run ends with this message. */
      fatal?: string;
    };

export type WorkerOutcome = Omit<RunOutcome, 'httpCalls'>;

export type MainToWorker =
  | { t: 'start'; run: WorkerRunSpec }
  | { t: 'http'; seq: number; callId: number; result: HttpResult }
  | { t: 'integration'; seq: number; callId: number; result: IntegrationResult }
  | { t: 'cancel'; seq: number };

export type WorkerToMain =
  | { t: 'ready' }
  | { t: 'http'; seq: number; callId: number; request: GuestHttpRequest }
  | { t: 'integration'; seq: number; callId: number; call: GuestIntegrationCall }
  | { t: 'log'; seq: number; entry: RunLogEntry }
  | { t: 'done'; seq: number; outcome: WorkerOutcome };

/**
 * Int32 slots shared between a worker and the supervisor (SharedArrayBuffer), so the supervisor
 * sees a guest that keeps the worker's thread busy and a cancel reaches a guest mid-slice.
 */
export const CONTROL = {
  /** seq of the run whose guest code is executing right now, 0 when none. */
  RUNNING: 0,
  /** When that slice must have ended, in ms since the worker's epoch. */
  MUST_END_BY: 1,
  /** seq of a run the supervisor wants cancelled now. */
  CANCEL: 2,
  LENGTH: 3,
} as const;
