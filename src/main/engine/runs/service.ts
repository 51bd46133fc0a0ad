// The runs service: what a caller may see of runs and how it cancels one, for REST and MCP. Agent
// keys see only the runs they triggered (keys/access.ts); another agent's run is answered like a
// missing one, because its existence is not this caller's business.
import { FINAL_RUN_STATUSES, type RunStatus, type TriggerType } from '../../../shared/domain.ts';
import type { ApiKey, Run, Store, Workflow } from '../db/index.ts';
import { DomainError, notFound } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { callerLabel, mayAccess, ownerFilter } from '../keys/access.ts';
import { pageWindow, type Page, type PageQuery } from '../util/page.ts';
import { iso, timestampMs } from '../util/time.ts';
import { agentRunView, runView } from './views.ts';

export interface RunQuery extends PageQuery {
  /** Only this workflow's runs (an unknown uuid matches none). */
  workflow_uuid?: string;
  /** One status or several separated by commas. */
  status?: string;
  trigger_type?: TriggerType;
  from?: string;
  to?: string;
}

export interface RunServiceDeps {
  store: Pick<Store, 'runs' | 'workflows'>;
  bus: EventBus;
  workflows: { find(uuid: string): Workflow };
  /** Cancels a queued or running run; false when it had already finished. */
  cancel(runId: number, by: string): boolean;
}

export class RunService {
  private readonly deps: RunServiceDeps;

  constructor(deps: RunServiceDeps) {
    this.deps = deps;
  }

  /** Newest first; agents get only their own. */
  list(caller: ApiKey, query: RunQuery): Page<ReturnType<typeof runView>> {
    const { store } = this.deps;
    const workflowId = query.workflow_uuid ? (store.workflows.idOf(query.workflow_uuid) ?? -1) : undefined;
    return this.page(caller, query, workflowId);
  }

  /** One workflow's runs (the workflow must exist; its runs are filtered like any list). */
  listOf(caller: ApiKey, workflowUuid: string, query: RunQuery): Page<ReturnType<typeof runView>> {
    return this.page(caller, query, this.deps.workflows.find(workflowUuid).id);
  }

  /** One run with its steps and log. */
  show(caller: ApiKey, uuid: string) {
    const run = this.find(caller, uuid);
    return runView(run, this.details(run));
  }

  /** What an agent reads of a run (MCP's get_run). */
  summary(caller: ApiKey, uuid: string) {
    const run = this.find(caller, uuid);
    return agentRunView(run, this.details(run));
  }

  /** A queued run is cancelled at once; a running one is aborted and ends `cancelled`. */
  cancel(caller: ApiKey, uuid: string): ReturnType<typeof runView> {
    const run = this.find(caller, uuid);
    if (!this.deps.cancel(run.id, callerLabel(caller))) {
      throw new DomainError('conflict', 'RUN_ALREADY_FINISHED', `The run already ended with status ${run.status}.`, { status: run.status });
    }
    return runView(this.find(caller, run.uuid));
  }

  /** Resolves with the run's summary when it ends, or as it stands when the time is up. */
  waitForEnd(caller: ApiKey, uuid: string, timeoutMs: number): Promise<{ done: boolean; run: ReturnType<typeof agentRunView> }> {
    const { store, bus } = this.deps;
    const first = this.find(caller, uuid);
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      // Called from the bus and a timer, where a database that refuses must reach the waiting
      // request (as 503), not the event loop.
      const look = (final: boolean) => {
        try {
          const run = store.runs.get(first.uuid)!;
          if (!final && !FINAL_RUN_STATUSES.includes(run.status)) return;
          stop();
          resolve({ done: FINAL_RUN_STATUSES.includes(run.status), run: agentRunView(run, this.details(run)) });
        } catch (error) {
          stop();
          reject(error as Error);
        }
      };
      const unsubscribe = bus.subscribe((event) => {
        if (event.type === 'run.finished' && event.data.run_uuid === uuid) look(false);
      });
      const timer = setTimeout(() => look(true), timeoutMs);
      look(false);
    });
  }

  private find(caller: ApiKey, uuid: string): Run {
    const run = this.deps.store.runs.get(uuid);
    if (!run || !mayAccess(caller, run.trigger_key_id)) throw notFound('run', uuid, `No run with id ${uuid}.`);
    return run;
  }

  private details(run: Run) {
    return { logs: this.deps.store.runs.logs(run.id), steps: this.deps.store.runs.steps(run.id) };
  }

  private page(caller: ApiKey, query: RunQuery, workflowId: number | undefined): Page<ReturnType<typeof runView>> {
    const { page, pageSize, limit, offset } = pageWindow(query);
    const { items, total } = this.deps.store.runs.list({
      workflow_id: workflowId,
      trigger_key_id: ownerFilter(caller),
      status: query.status?.split(',') as RunStatus[] | undefined,
      trigger_type: query.trigger_type,
      from: query.from && iso(timestampMs(query.from)),
      to: query.to && iso(timestampMs(query.to)),
      limit,
      offset,
    });
    return { items: items.map((run) => runView(run)), total, page, page_size: pageSize };
  }
}
