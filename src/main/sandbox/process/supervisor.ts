// The sandbox process's main thread: compiles workflows (compiler.ts), hands runs to a small pool
// of workers, brokers their HTTP, and watches the workers. A worker hosts many runs (each in its
// own QuickJS instance); when a guest keeps its worker busy past its deadline (a builtin that never
// reaches an interrupt check), the watchdog terminates that worker and starts a new one. A
// journaled run's log lines (from its worker) and HTTP calls (from the broker) go to the engine as
// they happen, redacted here and numbered in the order they reach this thread.
//
// The process starts with one worker and adds the others (up to `workers`) one at a time, when a run
// arrives while every worker has one in flight: a worker costs ~26 MB before it runs anything, and
// a console whose runs come one at a time never needs a second.
//
// Test-mode runs (the request has mocks: the test endpoints, the code generator's attempts) run on a
// worker of their own, started for the first of them. They run code of a caller's choosing, and a
// guest that only computes holds its worker's thread for its whole CPU limit: twenty of them held
// an agent's run for 50 s when they shared the pool (design-decisions.md § Test mode).
//
// A worker that ran a burst of runs and then stayed idle for a while is replaced by a fresh one:
// the burst's instances are garbage V8 has no reason to collect while nothing runs, and their
// memory (~0.3 MB each) would stay resident until the next burst.
import { createHash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { RunLogEntry } from '../../../shared/domain.ts';
import type { CompileResult } from '../compile.ts';
import { LiveTransport, serverLookup, systemLookup } from '../egress/http.ts';
import { AllowedHostsError, compilePolicy, type EgressPolicy } from '../egress/policy.ts';
import { DEFAULT_LIMITS, formatBytes, formatMs, resolveLimits } from '../limits.ts';
import { CONTROL, type MainToWorker, type RunConfig, type SandboxProcessOptions, type SandboxToHost, type WorkerOutcome, type WorkerRunSpec, type WorkerToMain } from '../protocol.ts';
import { Redactor, redactEntry, redactOutcome } from '../redact.ts';
import type { RunOutcome, RunRequest, SandboxLimits } from '../types.ts';
import { Batcher } from '../batch.ts';
import { availableIntegrations, IntegrationHub } from '../integrations/index.ts';
import { Broker } from './broker.ts';
import { Compiler } from './compiler.ts';
import { callEndpoint } from './endpoint.ts';
import type { QuickJSWasm } from './wasm.ts';
import { startWorker, type StartedWorker } from './worker-start.ts';

const COMPILE_CACHE_SIZE = 256;
const WATCHDOG_INTERVAL_MS = 200;
/** The longest a run's wall clock may be; longer timeouts are clamped. */
const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A worker that ran this many runs and then none for RECYCLE_IDLE_MS is replaced by a fresh one. */
const RECYCLE_AFTER_RUNS = 64;
const RECYCLE_IDLE_MS = 10_000;

interface WorkerSlot {
  worker: Worker;
  /** Messages to the worker, delivered together once per event-loop turn. */
  outbox: Batcher<MainToWorker>;
  control: Int32Array;
  epoch: number;
  runs: Set<number>;
  /** Runs it was given since it started. */
  ran: number;
  /** Date.now() when its last run ended. */
  idleSince: number;
  /** Terminated on purpose (watchdog, shutdown): its exit is not a crash. */
  retired: boolean;
  /** The test-mode worker, outside the pool of `workers`. */
  tests: boolean;
}

interface RunState {
  id: number;
  slot: WorkerSlot;
  redactor: Redactor;
  limits: SandboxLimits;
  timeoutMs: number;
  wallDeadline: number;
  cancelledAt: number | null;
  startedAt: number;
}

export class Supervisor {
  private readonly options: SandboxProcessOptions;
  private readonly send: (message: SandboxToHost) => void;
  private readonly wasm: QuickJSWasm;
  private readonly live: LiveTransport;
  private readonly broker: Broker;
  private readonly integrations: IntegrationHub;
  private slots: WorkerSlot[] = [];
  private readonly runs = new Map<number, RunState>();
  private readonly compiled = new Map<string, CompileResult>();
  private readonly compiler = new Compiler();
  private readonly watchdog: ReturnType<typeof setInterval>;
  private closed = false;
  private crashes = 0;
  private readonly backlog: Array<{ state: Omit<RunState, 'slot'>; spec: WorkerRunSpec; tests: boolean }> = [];
  /** http_endpoint runs in flight: they need no worker, only the broker. */
  private readonly endpointRuns = new Map<number, { redactor: Redactor; startedAt: number }>();
  /** Journaled runs: their redactor and the next journal entry's number. */
  private readonly journals = new Map<number, { redactor: Redactor; next: number }>();

  /** `first`: a worker the process's entry started before this existed (worker-start.ts). */
  constructor(options: SandboxProcessOptions, send: (message: SandboxToHost) => void, wasm: QuickJSWasm, first: StartedWorker) {
    this.options = options;
    this.send = send;
    this.wasm = wasm;
    this.live = new LiveTransport(options.dnsServers.length > 0 ? serverLookup(options.dnsServers) : systemLookup(), options.dialLoopbackOnly);
    this.broker = new Broker(this.live);
    this.integrations = new IntegrationHub(this.broker);
    this.slots.push(this.adopt(first, false));
    this.watchdog = setInterval(() => this.checkWorkers(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  private spawn(tests: boolean): WorkerSlot {
    return this.adopt(startWorker(this.wasm), tests);
  }

  private adopt(started: StartedWorker, tests: boolean): WorkerSlot {
    const { worker } = started;
    const slot: WorkerSlot = {
      worker,
      outbox: new Batcher<MainToWorker>((messages) => worker.postMessage(messages)),
      control: started.control,
      epoch: started.epoch,
      runs: new Set(),
      ran: 0,
      idleSince: Date.now(),
      retired: false,
      tests,
    };
    started.attach(
      (messages) => {
        for (const message of messages) this.onWorkerMessage(slot, message);
      },
      () => this.onWorkerGone(slot),
    );
    return slot;
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────

  run(id: number, request: RunRequest, journal: boolean): void {
    const startedAt = performance.now();
    let redactor = new Redactor([]);
    try {
      redactor = new Redactor([...Object.values(request.secrets ?? {}), ...integrationSecrets(request)]);
      const limits = resolveLimits(request.limits);
      const timeoutMs = clampTimeout(request.timeoutMs);
      if (this.closed) return this.reject(id, redactor, startedAt, 'the sandbox is shutting down');
      if (journal) this.journals.set(id, { redactor, next: 0 });
      if (request.endpoint) return this.runEndpoint(id, request, redactor, limits, timeoutMs, startedAt);
      if (typeof request.code !== 'string') return this.reject(id, redactor, startedAt, 'the workflow has no code');
      if (Buffer.byteLength(request.code) > limits.sourceBytes) {
        return this.reject(id, redactor, startedAt, `source larger than ${formatBytes(limits.sourceBytes)}`);
      }
      const compiled = this.compile(request.code);
      if (!compiled.ok) return this.reject(id, redactor, startedAt, compiled.error);
      const policy = this.policyFor(id, request, redactor, startedAt);
      if (!policy) return;
      const config: RunConfig = {
        indicator: request.input?.indicator ?? null,
        alert: request.input?.alert ?? null,
        input: request.input?.context ?? null,
        run: {
          id: request.runId,
          workflow: request.workflow,
          trigger: request.trigger,
          test: request.mocks !== undefined && request.mocks !== null,
          scheduled_for: request.scheduledFor ?? null,
        },
        integrations: availableIntegrations(request.integrations),
      };
      try {
        this.integrations.open(id, request.integrations, config.run.test);
      } catch (error) {
        return this.reject(id, redactor, startedAt, `integrations: ${(error as Error).message}`);
      }
      const state: Omit<RunState, 'slot'> = { id, redactor, limits, timeoutMs, wallDeadline: Date.now() + timeoutMs, cancelledAt: null, startedAt };
      this.broker.open(id, { policy, redactor, limits, deadline: performance.now() + timeoutMs + 1000, mocks: request.mocks ?? null, journal: this.journalFor(id) });
      const spec: WorkerRunSpec = {
        seq: id,
        script: compiled.script,
        config: JSON.stringify(config),
        secrets: { ...request.secrets },
        declaredSecrets: [...(request.declaredSecrets ?? [])],
        limits,
        timeoutMs,
        journal,
      };
      this.dispatch(state, spec, config.run.test);
    } catch (error) {
      this.runs.delete(id);
      this.broker.close(id);
      this.integrations.close(id);
      this.reject(id, redactor, startedAt, `the sandbox could not start the run: ${(error as Error).message}`);
    }
  }

  /** The run's egress policy, or null once the run is rejected for an unusable allowed_hosts entry. */
  private policyFor(id: number, request: RunRequest, redactor: Redactor, startedAt: number): EgressPolicy | null {
    try {
      return compilePolicy(request.allowedHosts ?? []);
    } catch (error) {
      if (!(error instanceof AllowedHostsError)) throw error;
      this.reject(id, redactor, startedAt, error.message);
      return null;
    }
  }

  private runEndpoint(id: number, request: RunRequest, redactor: Redactor, limits: SandboxLimits, timeoutMs: number, startedAt: number): void {
    const policy = this.policyFor(id, request, redactor, startedAt);
    if (!policy) return;
    // As for script runs, the broker's deadline trails the run's, so the request's own timeout (the
    // endpoint's) is the one that ends it and the message names it.
    this.broker.open(id, { policy, redactor, limits, deadline: performance.now() + timeoutMs + 1000, mocks: request.mocks ?? null, journal: this.journalFor(id) });
    this.endpointRuns.set(id, { redactor, startedAt });
    const endpoint = request.endpoint!;
    void callEndpoint(this.broker, id, endpoint, { ...request.secrets }, timeoutMs)
      .catch((error: unknown): WorkerOutcome => {
        const message = `the sandbox could not call the endpoint: ${(error as Error).message}`;
        return { status: 'failed', result: null, error: message, logs: [errorEntry(message)], durationMs: Math.round(performance.now() - startedAt) };
      })
      .then((outcome) => this.finishEndpoint(id, outcome));
  }

  /** Ends an endpoint run once; a cancel or shutdown that came first wins. */
  private finishEndpoint(id: number, outcome: WorkerOutcome): void {
    const state = this.endpointRuns.get(id);
    if (!state) return;
    this.endpointRuns.delete(id);
    this.emit(id, state.redactor, outcome, this.broker.close(id));
  }

  private dispatch(partial: Omit<RunState, 'slot'>, spec: WorkerRunSpec, tests: boolean): void {
    this.growIfBusy(tests);
    const slot = this.pickSlot(tests);
    if (!slot) {
      this.backlog.push({ state: partial, spec, tests });
      return;
    }
    const state: RunState = { ...partial, slot };
    this.runs.set(state.id, state);
    slot.runs.add(state.id);
    slot.ran++;
    slot.outbox.push({ t: 'start', run: spec });
  }

  cancel(id: number): void {
    const endpointRun = this.endpointRuns.get(id);
    if (endpointRun) {
      this.finishEndpoint(id, { status: 'cancelled', result: null, error: 'cancelled', logs: [errorEntry('cancelled')], durationMs: Math.round(performance.now() - endpointRun.startedAt) });
      return;
    }
    const queued = this.backlog.findIndex((pending) => pending.state.id === id);
    if (queued >= 0) {
      const [pending] = this.backlog.splice(queued, 1);
      this.broker.close(id);
      this.integrations.close(id);
      const { redactor, startedAt } = pending!.state;
      this.emit(id, redactor, { status: 'cancelled', result: null, error: 'cancelled', logs: [errorEntry('cancelled')], durationMs: Math.round(performance.now() - startedAt) }, []);
      return;
    }
    const state = this.runs.get(id);
    if (!state || state.cancelledAt !== null) return;
    state.cancelledAt = Date.now();
    // The shared slot reaches a guest that is executing right now; the message reaches one that waits.
    Atomics.store(state.slot.control, CONTROL.CANCEL, id);
    state.slot.outbox.push({ t: 'cancel', seq: id });
  }

  /** Compiles a workflow's code into the cache before its first run asks (host.prepare). */
  prepare(code: string): void {
    if (this.closed || typeof code !== 'string' || Buffer.byteLength(code) > DEFAULT_LIMITS.sourceBytes) return;
    this.compile(code);
  }

  private compile(code: string): CompileResult {
    const key = createHash('sha256').update(code).digest('base64');
    const hit = this.compiled.get(key);
    if (hit) {
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    const result = this.compiler.compile(code);
    this.compiled.set(key, result);
    if (this.compiled.size > COMPILE_CACHE_SIZE) this.compiled.delete(this.compiled.keys().next().value!);
    return result;
  }

  /**
   * One more worker when every worker of the pool has a run in flight and the pool is below its
   * size, or the test-mode worker for the first test run. The new one is the least loaded at once:
   * runs given to it wait in its port until it has started. None while a crashed pool waits to be
   * started again: its runs wait in the backlog.
   */
  private growIfBusy(tests: boolean): void {
    if (this.closed || this.slots.length === 0) return;
    let size = 0;
    let busy = 0;
    for (const slot of this.slots) {
      if (slot.tests !== tests) continue;
      size++;
      if (slot.runs.size > 0) busy++;
    }
    if (tests ? size === 0 : size > 0 && busy === size && size < Math.max(1, this.options.workers)) this.slots.push(this.spawn(tests));
  }

  private pickSlot(tests: boolean): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) if (slot.tests === tests && (!best || slot.runs.size < best.runs.size)) best = slot;
    return best;
  }

  private reject(id: number, redactor: Redactor, startedAt: number, error: string): void {
    this.emit(id, redactor, { status: 'failed', result: null, error, logs: [errorEntry(error)], durationMs: Math.round(performance.now() - startedAt) }, []);
  }

  private emit(id: number, redactor: Redactor, outcome: WorkerOutcome, httpCalls: RunOutcome['httpCalls']): void {
    this.journals.delete(id);
    this.send({ t: 'outcome', id, outcome: redactOutcome({ ...outcome, httpCalls }, redactor) });
  }

  /** Where the broker journals a run's HTTP calls; null when the run is not journaled. */
  private journalFor(id: number): ((entry: RunLogEntry) => void) | null {
    return this.journals.has(id) ? (entry) => this.journal(id, entry) : null;
  }

  private journal(id: number, entry: RunLogEntry): void {
    const journal = this.journals.get(id);
    if (!journal) return;
    this.send({ t: 'journal', id, entry: redactEntry({ ...entry, seq: journal.next++ }, journal.redactor) });
  }

  private finishRun(id: number, outcome: WorkerOutcome): void {
    const state = this.runs.get(id);
    if (!state) return;
    this.runs.delete(id);
    state.slot.runs.delete(id);
    if (state.slot.runs.size === 0) state.slot.idleSince = Date.now();
    if (Atomics.load(state.slot.control, CONTROL.CANCEL) === id) Atomics.store(state.slot.control, CONTROL.CANCEL, 0);
    const httpCalls = this.broker.close(id);
    this.integrations.close(id);
    this.emit(id, state.redactor, outcome, httpCalls);
  }

  // ── workers ─────────────────────────────────────────────────────────────────────────────

  private onWorkerMessage(slot: WorkerSlot, message: WorkerToMain): void {
    if (slot.retired) return;
    switch (message.t) {
      case 'http':
        void this.broker.call(message.seq, message.request).then((result) => {
          if (!slot.retired && this.runs.has(message.seq)) slot.outbox.push({ t: 'http', seq: message.seq, callId: message.callId, result });
        });
        break;
      case 'integration':
        void this.integrations.call(message.seq, message.call).then((result) => {
          if (!slot.retired && this.runs.has(message.seq)) slot.outbox.push({ t: 'integration', seq: message.seq, callId: message.callId, result });
        });
        break;
      case 'log':
        this.journal(message.seq, message.entry);
        break;
      case 'done':
        this.finishRun(message.seq, message.outcome);
        break;
      case 'ready':
        this.crashes = 0;
        break;
    }
  }

  private checkWorkers(): void {
    const now = Date.now();
    const idle = this.slots.find((slot) => slot.runs.size === 0 && slot.ran >= RECYCLE_AFTER_RUNS && now - slot.idleSince > RECYCLE_IDLE_MS);
    if (idle && !this.closed) {
      idle.retired = true;
      void idle.worker.terminate();
      this.slots = this.slots.map((slot) => (slot === idle ? this.spawn(idle.tests) : slot));
    }
    for (const slot of this.slots) {
      const running = Atomics.load(slot.control, CONTROL.RUNNING);
      if (running === 0) continue;
      let mustEnd = slot.epoch + Atomics.load(slot.control, CONTROL.MUST_END_BY);
      const state = this.runs.get(running);
      if (state?.cancelledAt !== null && state?.cancelledAt !== undefined) mustEnd = Math.min(mustEnd, state.cancelledAt);
      if (now > mustEnd + this.options.watchdogGraceMs) this.replaceWorker(slot, running);
    }
  }

  /** Terminates a worker whose guest will not stop; its runs end, a fresh worker takes its place. */
  private replaceWorker(slot: WorkerSlot, culprit: number): void {
    slot.retired = true;
    void slot.worker.terminate();
    this.slots = this.slots.filter((s) => s !== slot);
    if (!this.closed) this.slots.push(this.spawn(slot.tests));
    for (const id of [...slot.runs]) {
      const state = this.runs.get(id);
      if (!state) continue;
      let status: RunOutcome['status'] = 'failed';
      let error = 'interrupted: the sandbox worker hosting this run was restarted because another run did not stop at its deadline';
      if (id === culprit) {
        if (state.cancelledAt !== null) [status, error] = ['cancelled', 'cancelled'];
        else if (Date.now() >= state.wallDeadline) [status, error] = ['timed_out', `timed out after ${formatMs(state.timeoutMs)} (the workflow's timeout)`];
        else [status, error] = ['timed_out', `CPU limit of ${formatMs(state.limits.cpuMs)} exceeded`];
      }
      this.finishRun(id, { status, result: null, error, logs: [errorEntry(error)], durationMs: Math.round(performance.now() - state.startedAt) });
    }
  }

  private onWorkerGone(slot: WorkerSlot): void {
    if (slot.retired) return;
    slot.retired = true;
    this.slots = this.slots.filter((s) => s !== slot);
    for (const id of [...slot.runs]) {
      const state = this.runs.get(id);
      if (!state) continue;
      const error = 'sandbox crashed';
      this.finishRun(id, { status: 'failed', result: null, error, logs: [errorEntry(error)], durationMs: Math.round(performance.now() - state.startedAt) });
    }
    if (this.closed) return;
    // A worker that cannot even start must not be respawned in a tight loop; runs arriving
    // meanwhile wait in the backlog.
    this.crashes++;
    const delay = Math.min(5_000, this.crashes > 1 ? 100 * 2 ** (this.crashes - 2) : 0);
    const respawn = () => {
      if (this.closed) return;
      this.slots.push(this.spawn(slot.tests));
      for (const pending of this.backlog.splice(0)) this.dispatch(pending.state, pending.spec, pending.tests);
    };
    if (delay === 0) respawn();
    else setTimeout(respawn, delay).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const pending of this.backlog.splice(0)) {
      this.broker.close(pending.state.id);
      this.integrations.close(pending.state.id);
      this.emit(pending.state.id, pending.state.redactor, { status: 'failed', result: null, error: 'the sandbox is shutting down', logs: [errorEntry('the sandbox is shutting down')], durationMs: 0 }, []);
    }
    for (const [id, state] of [...this.endpointRuns]) {
      this.finishEndpoint(id, { status: 'failed', result: null, error: 'the sandbox is shutting down', logs: [errorEntry('the sandbox is shutting down')], durationMs: Math.round(performance.now() - state.startedAt) });
    }
    for (const id of [...this.runs.keys()]) {
      const state = this.runs.get(id)!;
      this.finishRun(id, { status: 'failed', result: null, error: 'the sandbox is shutting down', logs: [errorEntry('the sandbox is shutting down')], durationMs: Math.round(performance.now() - state.startedAt) });
    }
    await Promise.allSettled(
      this.slots.map((slot) => {
        slot.retired = true;
        return slot.worker.terminate();
      }),
    );
    this.slots = [];
    this.compiler.close();
    await this.live.close();
  }
}

/** Integration credentials are redacted from everything the run leaves behind, like its secrets. */
function integrationSecrets(request: RunRequest): string[] {
  const values: string[] = [];
  if (request.integrations?.okta) values.push(request.integrations.okta.api_token);
  if (request.integrations?.entra) values.push(request.integrations.entra.client_secret);
  return values;
}

function clampTimeout(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.round(timeoutMs)));
}

function errorEntry(message: string): RunLogEntry {
  return { seq: 0, ts: new Date().toISOString(), level: 'error', message, fields: null, step: null, http: null };
}
