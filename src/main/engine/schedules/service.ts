// The schedules service: runs each active scheduled workflow when its schedule fires. The
// workflows table is the schedule: `next_run_at` says when a workflow is due, so nothing is held
// only in memory and a restart (or a wake from sleep) finds what it missed there.
//
// Each due workflow is handled in one transaction: the occurrences missed since it was last due
// become one `skipped` entry (never a burst of runs), the latest occurrence is run, gated or
// skipped with its reason, and next_run_at moves past now.
import type { RunInput } from '../../../shared/domain.ts';
import { nextOccurrence, occurrencesBetween, type Schedule } from '../../../shared/schedule.ts';
import type { ApprovalService } from '../approvals/index.ts';
import type { Store, Workflow } from '../db/index.ts';
import type { EventBus } from '../events/bus.ts';
import type { Admission } from '../runs/queue.ts';
import type { SettingsService } from '../settings/index.ts';
import { BackgroundTask } from '../util/background.ts';
import { iso, type Clock } from '../util/time.ts';

export interface ScheduleServiceDeps {
  store: Pick<Store, 'workflows' | 'runs' | 'serialized'>;
  bus: EventBus;
  clock: Clock;
  settings: Pick<SettingsService, 'get'>;
  approvals: Pick<ApprovalService, 'insertPending' | 'announce'>;
  /** The run queue's admission, and the scheduler told of a run committed to it. */
  queue: { admit(keyId: number | null): Admission; enqueued(keyId: number | null): void };
  log: { error(message: string): void };
}

/**
 * Longest the timer sleeps: a timer does not count time the computer slept, and the wall clock may
 * jump, so the table is looked at again at least this often.
 */
export const SCHEDULE_CHECK_INTERVAL_MS = 30_000;
/** An occurrence handled later than this after its time was missed (Vigil was down, or asleep). */
export const MISSED_AFTER_MS = 60_000;
/** Missed occurrences counted one by one; past it the skipped entry says "more than". */
const MISSED_COUNT_LIMIT = 10_000;

/** What happened to one due workflow, for the events sent after the transaction commits. */
interface Handled {
  workflow: Workflow;
  skipped: string[];
  run: string | null;
  approval: ReturnType<ApprovalService['insertPending']> | null;
}

export class ScheduleService {
  private readonly deps: ScheduleServiceDeps;
  private unsubscribe: (() => void) | null = null;
  /** The timer: firing what is due, without a request to answer. */
  private readonly checking: BackgroundTask;

  constructor(deps: ScheduleServiceDeps) {
    this.deps = deps;
    this.checking = new BackgroundTask('firing scheduled workflows', deps.log);
  }

  /** Handles what is due now (what was missed while Vigil was not running) and arms the timer. */
  start(): void {
    // A workflow saved, activated or deleted may change which is due first.
    this.unsubscribe = this.deps.bus.subscribe((event) => {
      if (event.type === 'workflow.changed') this.checking.run(() => this.arm());
    });
    this.check();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.checking.cancel();
  }

  /** Handles every workflow due now, then sleeps until the next one is (or the check interval). */
  check(): number {
    const { store, clock, log } = this.deps;
    let handled = 0;
    for (const workflow of store.workflows.dueSchedules(iso(clock.now()))) {
      try {
        this.fire(workflow);
        handled++;
      } catch (error) {
        // One workflow's failure must not stop the others; it is tried again on the next check.
        log.error(`schedule of workflow ${workflow.uuid}: ${(error as Error).stack ?? String(error)}`);
      }
    }
    if (this.unsubscribe) this.arm();
    return handled;
  }

  private arm(): void {
    const next = this.deps.store.workflows.earliestNextRun();
    const wait = next === undefined ? SCHEDULE_CHECK_INTERVAL_MS : Math.max(0, Date.parse(next) - this.deps.clock.now());
    this.checking.runIn(Math.min(wait, SCHEDULE_CHECK_INTERVAL_MS), () => this.check());
  }

  private fire(workflow: Workflow): void {
    const { store, bus, clock, approvals, queue } = this.deps;
    const schedule = workflow.schedule!;
    const now = clock.now();
    const first = new Date(workflow.next_run_at!);
    const later = occurrencesBetween(schedule, first, new Date(now), MISSED_COUNT_LIMIT);
    const due = [first, ...later.dates];
    const latest = due.at(-1)!;
    const onTime = now - latest.getTime() <= MISSED_AFTER_MS;
    // catch_up `last` runs the latest occurrence however late; `none` only one that is on time.
    const runLatest = onTime || schedule.catch_up === 'last';
    const missed = runLatest ? due.slice(0, -1) : due;
    const base = {
      workflow_id: workflow.id,
      workflow_version: workflow.code_version,
      trigger_type: 'schedule' as const,
      trigger_key_id: null,
      confidence: null,
      input: scheduledInput(schedule),
      approval_id: null,
    };
    const at = iso(now);

    const handled = store.serialized('schedules', (): Handled => {
      const result: Handled = { workflow, skipped: [], run: null, approval: null };
      // Another instance on the same database handled this occurrence while this one waited its turn.
      if (store.workflows.getById(workflow.id)?.next_run_at !== workflow.next_run_at) return result;
      if (missed.length > 0) {
        const count = `${missed.length}${later.more ? '+' : ''}`;
        const span = missed.length === 1 ? iso(missed[0]!.getTime()) : `${iso(missed[0]!.getTime())} to ${iso(missed.at(-1)!.getTime())}`;
        const policy = schedule.catch_up === 'last' ? 'catch_up is last: only the latest occurrence runs' : 'catch_up is none: missed occurrences do not run';
        const skipped = store.runs.insertSkipped(
          {
            ...base,
            reason: `skipped: ${count} occurrence${missed.length === 1 && !later.more ? '' : 's'} missed while Vigil was not running (${span}); ${policy}`,
            scheduled_for: iso(missed.at(-1)!.getTime()),
          },
          at,
        );
        result.skipped.push(skipped.uuid);
      }
      if (runLatest) {
        const occurrence = iso(latest.getTime());
        const why = this.reasonToSkip(workflow);
        if (why) {
          result.skipped.push(store.runs.insertSkipped({ ...base, reason: `skipped: ${why}`, scheduled_for: occurrence }, at).uuid);
        } else if (workflow.approval_mode === 'always' || workflow.approval_mode === 'agent_only') {
          // The gate treats a schedule like an agent: someone approves each occurrence.
          result.approval = approvals.insertPending({
            ...base,
            reason: 'scheduled',
            scheduled_for: occurrence,
            approval_timeout_seconds: workflow.approval_timeout_seconds,
          });
        } else {
          const admission = queue.admit(null);
          if (admission.ok) {
            result.run = store.runs.insertQueued({ ...base, reason: 'scheduled', scheduled_for: occurrence }, at).uuid;
          } else {
            result.skipped.push(store.runs.insertSkipped({ ...base, reason: `skipped: ${admission.message}`, scheduled_for: occurrence }, at).uuid);
          }
        }
      }
      const next = nextOccurrence(schedule, new Date(Math.max(now, latest.getTime())));
      store.workflows.setScheduleTimes(workflow.id, { next_run_at: next ? iso(next.getTime()) : null, last_scheduled_at: iso(latest.getTime()) });
      return result;
    });

    for (const uuid of handled.skipped) bus.emit('run.finished', { run_uuid: uuid, workflow_uuid: workflow.uuid, status: 'skipped' }, null);
    if (handled.approval) approvals.announce(handled.approval);
    if (handled.run) {
      bus.emit('run.queued', { run_uuid: handled.run, workflow_uuid: workflow.uuid }, null);
      queue.enqueued(null);
    }
  }

  /** Why an occurrence due now does not run: agent executions paused, or the previous run still going. */
  private reasonToSkip(workflow: Workflow): string | null {
    if (this.deps.settings.get().execution_paused) return 'paused (agent executions and schedules are paused)';
    if (workflow.schedule!.overlap === 'skip') {
      const previous = this.deps.store.runs.scheduledInFlightOf(workflow.id);
      if (previous) return `the previous scheduled run (${previous.uuid}) is still ${previous.status}; overlap is skip`;
    }
    return null;
  }
}

/** A scheduled run has no indicator: what it works on is the schedule's context (ctx.input). */
export function scheduledInput(schedule: Schedule): RunInput {
  return { indicator: null, alert: null, alert_uuid: null, context: schedule.context };
}
