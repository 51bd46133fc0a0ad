import type { RunLogEntry } from '../../../shared/domain.ts';
import type { RunOptions, RunOutcome } from '../../sandbox/index.ts';
import type { Approval, Run, Store, Workflow, WorkflowVersion } from '../db/index.ts';
import type { EventBus } from '../events/bus.ts';
import type { SecretStore } from '../secrets/index.ts';
import type { SettingsService } from '../settings/index.ts';
import { BACKGROUND_RETRY_MS, BackgroundTask } from '../util/background.ts';
import { iso, type Clock } from '../util/time.ts';
import { RunQueue } from './queue.ts';
import { RunJournal } from './journal.ts';
import { buildRunRequest, type RunExecutor } from './request.ts';

export interface SchedulerDeps {
  store: Store;
  executor: RunExecutor;
  secrets: SecretStore;
  /** Vigil's own credentials: the integrations' API token and client secret. */
  credentials: SecretStore;
  bus: EventBus;
  settings: SettingsService;
  clock: Clock;
  log: { error(message: string): void };
  /** On a database other instances share: asks them to cancel a run one of them is running. */
  cancelElsewhere?: (runId: number, by: string) => void;
}

/**
 * The runs table is the queue. The scheduler claims the oldest queued rows up to the concurrency
 * limit, executes each in the sandbox, journals what it does as it goes, and records its end
 * (status, result and logs) in one transaction, shared with the runs that end in the same turn.
 * Nothing is held only in memory for long: a crash leaves rows that start-up recovers, with the
 * journal of what the interrupted runs did.
 */
export class RunScheduler {
  private readonly deps: SchedulerDeps;
  private readonly journal: RunJournal;
  private readonly active = new Map<number, AbortController>();
  private pumpScheduled = false;
  /** The claims, which no request waits for (see BackgroundTask). */
  private readonly claiming: BackgroundTask;
  private stopped = true;
  private idleWaiters: Array<() => void> = [];
  /** Admission and fair order of the queued runs. */
  readonly queue: RunQueue;

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
    this.queue = new RunQueue(deps);
    this.journal = new RunJournal(deps.store, deps.log);
    this.claiming = new BackgroundTask('starting queued runs', deps.log);
    deps.settings.onChange(() => this.notify());
  }

  /** Fails runs a stopped process left running (see `recover`), then starts taking queued runs. */
  start(leaseMs?: number): void {
    this.recover(leaseMs);
    this.queue.resync();
    this.resume();
  }

  /**
   * Fails the runs no process will finish: alone on the database, every run left running; on a
   * shared one, the runs of instances silent for longer than `leaseMs`. Returns how many.
   */
  recover(leaseMs?: number): number {
    const { store, bus, clock } = this.deps;
    const ids = store.runs.failInterrupted(iso(clock.now()), leaseMs);
    for (const id of ids) {
      const run = store.runs.getById(id)!;
      bus.emit('run.finished', { run_uuid: run.uuid, workflow_uuid: run.workflow_uuid, status: run.status }, run.trigger_key_id);
    }
    return ids.length;
  }

  /** A run of this key was committed as queued: count it and start it when its turn comes. */
  enqueued(keyId: number | null): void {
    this.queue.added(keyId);
    this.notify();
  }

  /** Takes queued runs again after drain(). */
  resume(): void {
    this.stopped = false;
    this.notify();
  }

  /** Something was queued (or a slot freed): claim more on the next tick. */
  notify(): void {
    if (this.stopped || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Cancels a run: a queued run is cancelled at once; a running one is aborted in the sandbox and
   * ends `cancelled`. Returns false when the run had already finished.
   */
  cancel(runId: number, by: string): boolean {
    const { store, bus, clock } = this.deps;
    if (store.runs.cancelQueued(runId, `cancelled by ${by}`, iso(clock.now()))) {
      const run = store.runs.getById(runId)!;
      this.queue.removed(run.trigger_key_id);
      bus.emit('run.finished', { run_uuid: run.uuid, workflow_uuid: run.workflow_uuid, status: run.status }, run.trigger_key_id);
      return true;
    }
    if (this.abortHere(runId, by)) return true;
    if (this.deps.cancelElsewhere && store.runs.getById(runId)?.status === 'running') {
      this.deps.cancelElsewhere(runId, by);
      return true;
    }
    return false;
  }

  /** Aborts the run if this instance is running it; false when it is not. */
  abortHere(runId: number, by: string): boolean {
    const controller = this.active.get(runId);
    if (!controller) return false;
    controller.abort(new Error(`cancelled by ${by}`));
    return true;
  }

  /** Stops claiming and waits for the runs in flight to record their end. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    this.claiming.cancel();
    if (this.active.size === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
    // Runs still going keep what they journaled so far, for the next start to show.
    this.journal.flush();
  }

  private pump(): void {
    if (this.stopped) return;
    const { clock, settings } = this.deps;
    const free = settings.get().run_concurrency - this.active.size;
    if (free <= 0) return;
    const now = iso(clock.now());
    // What the claimed runs need is read in the claim's transaction: one lock round instead of one
    // per statement, which on these machines costs more than the reads themselves.
    const claimed = this.claiming.run(() => this.deps.store.transaction(() => this.queue.claim(free, now).map((id) => this.load(id))));
    if (!claimed) {
      // The database refused; the runs stay queued, and the next pump recounts the free slots.
      this.claiming.runIn(BACKGROUND_RETRY_MS, () => this.notify());
      return;
    }
    for (const loaded of claimed) {
      const controller = new AbortController();
      this.active.set(loaded.id, controller);
      void this.execute(loaded, controller.signal);
    }
  }

  /** A claimed run with what its request is built from. */
  private load(id: number): Loaded {
    const { store } = this.deps;
    const run = store.runs.getById(id);
    const workflow = run && store.workflows.getById(run.workflow_id);
    const version = run && workflow && store.workflows.version(workflow.id, run.workflow_version);
    // An endpoint is told which approval let it run; a script has no use for it.
    const approval = workflow?.kind === 'http_endpoint' && run?.approval_uuid ? store.approvals.get(run.approval_uuid) : undefined;
    return { id, run, workflow, version, approval };
  }

  /** Never rejects: whatever goes wrong is recorded on the run or logged, and the slot is freed. */
  private async execute(loaded: Loaded, signal: AbortSignal): Promise<void> {
    const { bus, clock, log } = this.deps;
    const { id } = loaded;
    let finished: { data: Record<string, unknown>; owner: number | null } | null = null;
    try {
      const run = loaded.run!;
      const started = clock.now();
      bus.emit('run.started', { run_uuid: run.uuid, workflow_uuid: run.workflow_uuid }, run.trigger_key_id);
      let outcome: RunOutcome;
      try {
        outcome = await this.runInSandbox(loaded, signal, { journal: (entry) => this.journal.add(id, entry) });
      } catch (error) {
        log.error(`run ${run.uuid} could not be executed: ${(error as Error).stack ?? String(error)}`);
        outcome = failedOutcome(`Vigil could not execute the run: ${(error as Error).message}`, clock.now() - started);
      }
      const status = await this.journal.finishSoon(id, run.uuid, outcome, iso(clock.now()));
      if (status) finished = { data: { run_uuid: run.uuid, workflow_uuid: run.workflow_uuid, status }, owner: run.trigger_key_id };
    } catch (error) {
      log.error(`run ${id}: ${(error as Error).stack ?? String(error)}`);
    }
    this.active.delete(id);
    this.queue.finished();
    try {
      if (finished) bus.emit('run.finished', finished.data, finished.owner);
    } catch (error) {
      log.error(`run ${id}: a run.finished listener failed: ${(error as Error).stack ?? String(error)}`);
    }
    if (this.active.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
    this.notify();
  }

  private async runInSandbox(loaded: Loaded, signal: AbortSignal, options: RunOptions): Promise<RunOutcome> {
    const { store, secrets, credentials, executor, clock } = this.deps;
    const { approval } = loaded;
    const run = loaded.run!;
    const workflow = loaded.workflow!;
    const version = loaded.version;
    if (!version) return failedOutcome(`version ${run.workflow_version} of the workflow no longer exists`, 0);
    const built = await buildRunRequest(
      {
        runId: run.uuid,
        workflow: { uuid: workflow.uuid, name: workflow.name, version: run.workflow_version },
        kind: workflow.kind,
        code: version.code,
        input: run.input,
        trigger: { key_type: run.trigger_type, key_name: run.trigger_key?.name ?? null, reason: run.reason, confidence: run.confidence },
        scheduledFor: run.scheduled_for,
        approval: approval
          ? { uuid: approval.uuid, status: approval.status, decided_by: approval.responder, decided_at: approval.decided_at, reason: approval.decision_reason }
          : null,
        // The pinned version's reach, not today's: an approval approved exactly this.
        declaredSecrets: version.secrets,
        allowedHosts: version.allowed_hosts,
        timeoutSeconds: version.timeout_seconds,
        now: clock.now(),
      },
      { secrets: { keychain: secrets }, integrations: { live: { settings: store.settings, credentials } } },
    );
    if (!built.ok) return failedOutcome(built.error, 0);
    return executor.run(built.request, signal, options);
  }
}

interface Loaded {
  id: number;
  run: Run | undefined;
  workflow: Workflow | undefined;
  version: WorkflowVersion | undefined;
  approval: Approval | undefined;
}

function failedOutcome(error: string, durationMs: number): RunOutcome {
  const log: RunLogEntry = {
    seq: 0,
    ts: new Date().toISOString(),
    level: 'error',
    message: error,
    fields: null,
    step: null,
    http: null,
  };
  return { status: 'failed', result: null, error, logs: [log], httpCalls: [], durationMs };
}
