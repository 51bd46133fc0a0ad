// The workflows service: saving (with the linter and the endpoint rules), reading, listing and
// versions, for REST, MCP and the execution service alike.
import { WORKFLOW_DEFAULTS, type RiskLevel, type WorkflowState, type WorkflowType } from '../../../shared/domain.ts';
import { parseEndpointText, validateEndpoint } from '../../../shared/endpoint.ts';
import { hasErrors, type LintProblem } from '../../../shared/lint/types.ts';
import { checkSchedule, nextOccurrence, normalizeSchedule, type Schedule, type ScheduleInput } from '../../../shared/schedule.ts';
import type { ApiKey, Store, Workflow, WorkflowFields, WorkflowSort, WorkflowWithLastRun } from '../db/index.ts';
import { DomainError, invalid, notFound } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { builtinIntegration, configuredIntegrations } from '../integrations/index.ts';
import { callerLabel } from '../keys/access.ts';
import type { SecretService } from '../secrets/index.ts';
import { checkJsonBounds, MAX_INPUT_FIELD_BYTES } from '../util/json-bounds.ts';
import { pageWindow, type Page, type PageQuery } from '../util/page.ts';
import { PerKeyLimit } from '../util/per-key-limit.ts';
import { iso, type Clock } from '../util/time.ts';
import { resolveEndpoint } from './endpoint.ts';
import { checkMocks } from './mocks.ts';
import { lintWorkflowCode, typecheckWorkflow } from './code-check-thread.ts';
import { versionListItemView, versionView, workflowListItemView, workflowView } from './views.ts';

/** A new workflow: a name, and whichever fields should differ from the defaults. */
export type NewWorkflow = Partial<Omit<WorkflowFields, 'name' | 'schedule'>> & { name: string; endpoint?: unknown; schedule?: ScheduleInput | null };
/** Changes to a workflow; `endpoint` is an http_endpoint's configuration as an object; `schedule: null` removes it. */
export type WorkflowChanges = Partial<Omit<WorkflowFields, 'schedule'>> & { endpoint?: unknown; schedule?: ScheduleInput | null };

export interface WorkflowQuery extends PageQuery {
  state?: WorkflowState;
  risk_level?: RiskLevel;
  workflow_type?: WorkflowType;
  tag?: string;
  q?: string;
  /** A field of WORKFLOW_SORTS; a leading "-" sorts descending. */
  sort?: string;
}

export type WorkflowView = ReturnType<typeof workflowView>;

/** A workflow's stored test mocks (the shape the test endpoints accept) and when they were saved. */
export interface WorkflowMocks {
  mocks: unknown;
  updated_at: string | null;
}

/** A saved workflow and what the linter and the type checker still say about it. */
/** A save that passed its checks: `write` makes it (a transaction, or a savepoint inside one), `announce` follows the commit. */
export interface PreparedSave {
  warnings: LintProblem[];
  write(): Workflow;
  announce(workflow: Workflow): void;
}

export interface Saved {
  workflow: WorkflowView;
  lint_warnings: LintProblem[];
}

/** What a system workflow lets the analyst change: its state and how it is gated, not its code. */
const SYSTEM_EDITABLE = new Set(['state', 'approval_mode', 'approval_timeout_seconds', 'tags']);

export interface WorkflowServiceDeps {
  store: Pick<Store, 'workflows' | 'settings' | 'transaction'>;
  bus: EventBus;
  clock: Clock;
  secrets: Pick<SecretService, 'warnings'>;
  /** Pending requests of a workflow that stops being executable are cancelled. */
  approvals: { cancelPending(workflowId: number, responder: string, reason: string): number };
  /**
   * Compiles a script's code for running while the save checks it (the sandbox's compile, on
   * another process, overlaps the type check), so that its first run does not wait for it.
   */
  prepareCode?(code: string): void;
}

/**
 * Saves of script code a key may have in progress. Their lint and type check run on one thread,
 * one at a time, for up to 10 s each (code-check-thread.ts): six saves of code made to be slow to
 * type-check held an analyst's save for a minute. Four, not fewer: the console's activation
 * switches check again, and an analyst may flip a few at once.
 */
const CHECKED_SAVES_PER_KEY = 4;

export class WorkflowService {
  private readonly deps: WorkflowServiceDeps;
  private readonly checks = new PerKeyLimit(CHECKED_SAVES_PER_KEY, { code: 'SAVES_BUSY', what: 'saves whose code is being checked', retryAfterSeconds: 1 });

  constructor(deps: WorkflowServiceDeps) {
    this.deps = deps;
  }

  find(uuid: string): Workflow {
    const workflow = this.lookup(uuid);
    if (!workflow) throw notFound('workflow', uuid, `No workflow with id ${uuid}.`);
    return workflow;
  }

  /** The workflow, or undefined when there is none (for callers that decide what absence means). */
  lookup(uuid: string): Workflow | undefined {
    return this.deps.store.workflows.get(uuid);
  }

  show(uuid: string): WorkflowView {
    return this.view(this.find(uuid));
  }

  view(workflow: Workflow): WorkflowView {
    return workflowView(workflow, configuredIntegrations(this.deps.store.settings), this.deps.secrets.warnings(workflow.secrets, 'workflow'));
  }

  list(query: WorkflowQuery): Page<ReturnType<typeof workflowListItemView>> {
    const { page, pageSize, limit, offset } = pageWindow(query);
    const sort = query.sort ?? '-updated_at';
    const { items, total } = this.deps.store.workflows.list({
      state: query.state,
      risk_level: query.risk_level,
      workflow_type: query.workflow_type,
      tag: query.tag,
      q: query.q,
      sort: sort.replace(/^-/, '') as WorkflowSort,
      descending: sort.startsWith('-'),
      limit,
      offset,
    });
    const configured = configuredIntegrations(this.deps.store.settings);
    return {
      items: items.map((item) => workflowListItemView(item, configured, this.deps.secrets.warnings(item.secrets, 'workflow'))),
      total,
      page,
      page_size: pageSize,
    };
  }

  /**
   * The active workflows an agent can execute now, by name, optionally matching words: a built-in
   * whose integration is not configured would only be refused.
   */
  executable(text?: string): WorkflowWithLastRun[] {
    const configured = configuredIntegrations(this.deps.store.settings);
    const { items } = this.deps.store.workflows.list({ state: 'active', q: text, sort: 'name', descending: false, limit: 500, offset: 0 });
    return items.filter((workflow) => {
      const integration = builtinIntegration(workflow);
      return !integration || configured[integration];
    });
  }

  /**
   * What is wrong with a saved workflow's current version, as a dry run reports it: lint problems and
   * type errors (warnings) of its code, or the problems of an http_endpoint configuration.
   */
  async lint(workflow: Workflow): Promise<{ ok: boolean; problems: unknown[] }> {
    if (workflow.kind === 'http_endpoint') {
      const checked = validateEndpoint(parseEndpointText(workflow.code), workflow.secrets);
      return { ok: checked.ok, problems: checked.ok ? [] : checked.problems };
    }
    const problems: LintProblem[] = await lintWorkflowCode(workflow.code, { declaredSecrets: workflow.secrets });
    // Code the linter refuses is not type-checked: a syntax error would only be repeated.
    if (!hasErrors(problems)) problems.push(...(await typecheckWorkflow(workflow.code)));
    return { ok: !hasErrors(problems), problems };
  }

  /** `options.uuid` keeps the id a workflow has elsewhere (an import); by default a new one is made. */
  async create(caller: ApiKey, input: NewWorkflow, options: { uuid?: string } = {}): Promise<Saved> {
    const { workflow, warnings } = await this.insert(caller, input, options.uuid);
    return { workflow: this.view(workflow), lint_warnings: warnings };
  }

  async update(caller: ApiKey, uuid: string, changes: WorkflowChanges): Promise<Saved> {
    const prepared = await this.prepareUpdate(caller, uuid, changes);
    const workflow = this.deps.store.transaction(prepared.write);
    prepared.announce(workflow);
    return { workflow: this.view(workflow), lint_warnings: prepared.warnings };
  }

  /**
   * A create checked (fields, code lint and type check) but not yet written: `write` saves it, in
   * the caller's transaction if one is open (an import writes all its workflows in one), and
   * `announce` tells the rest of Vigil once that has committed.
   */
  async prepareCreate(caller: ApiKey, input: NewWorkflow, options: { uuid?: string } = {}): Promise<PreparedSave> {
    const { endpoint, code, schedule, ...rest } = input;
    const fields: WorkflowFields = { ...WORKFLOW_DEFAULTS, ...rest, code: '', schedule: null };
    fields.schedule = resolveSchedule(schedule, fields.workflow_type, null) ?? null;
    let warnings: LintProblem[] = [];
    if (fields.kind === 'http_endpoint') {
      // The configuration is the version's content; its timeout is the workflow's.
      const resolved = resolveEndpoint({ endpoint, code, timeout_seconds: input.timeout_seconds }, fields.secrets);
      fields.code = resolved.code;
      fields.timeout_seconds = resolved.config.timeout_seconds;
    } else {
      if (endpoint !== undefined) throw endpointOnScript();
      if (code === undefined) throw invalid([{ field: 'body.code', message: 'code is required for script workflows' }], 'A script workflow needs its code.');
      fields.code = code;
      warnings = await this.checks.run(caller.id, () => {
        this.deps.prepareCode?.(code);
        return checkCode(code, fields.secrets, caller.id);
      });
    }
    const { store, clock, bus } = this.deps;
    return {
      warnings,
      write: () => store.transaction(() => this.timeSchedule(store.workflows.create(fields, { now: iso(clock.now()), author: callerLabel(caller), uuid: options.uuid }), true)),
      announce: (workflow) => bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'created' }),
    };
  }

  /** An update checked but not yet written; see prepareCreate. */
  async prepareUpdate(caller: ApiKey, uuid: string, changes: WorkflowChanges): Promise<PreparedSave> {
    const { store, bus, clock, approvals } = this.deps;
    const current = this.find(uuid);
    if (current.is_system) {
      const refused = Object.keys(changes).filter((field) => !SYSTEM_EDITABLE.has(field));
      if (refused.length > 0) {
        throw new DomainError(
          'forbidden',
          'SYSTEM_WORKFLOW_READ_ONLY',
          `Built-in workflows can only change ${[...SYSTEM_EDITABLE].join(', ')}; duplicate it to edit ${refused.join(', ')}.`,
          { fields: refused },
        );
      }
    }
    if (changes.kind !== undefined && changes.kind !== current.kind) {
      throw new DomainError('rejected', 'WORKFLOW_KIND_IMMUTABLE', `This workflow is a ${current.kind} workflow; create a new workflow to change its kind.`);
    }
    const { endpoint, schedule, ...rest } = changes;
    const fields: Partial<WorkflowFields> = rest;
    const resolved = resolveSchedule(schedule, changes.workflow_type !== undefined ? changes.workflow_type : current.workflow_type, current.schedule);
    if (resolved !== undefined) fields.schedule = resolved;
    const secrets = changes.secrets ?? current.secrets;
    const activating = changes.state === 'active' && current.state !== 'active';
    let warnings: LintProblem[] = [];
    if (current.kind === 'http_endpoint') {
      // Checked again whenever it, what it may read or its timeout changes, and on activation.
      if (endpoint !== undefined || changes.code !== undefined || changes.secrets !== undefined || changes.timeout_seconds !== undefined || activating) {
        const resolved = resolveEndpoint({ endpoint, code: changes.code, timeout_seconds: changes.timeout_seconds }, secrets, current.code);
        fields.code = resolved.code;
        fields.timeout_seconds = resolved.config.timeout_seconds;
      }
    } else {
      if (endpoint !== undefined) throw endpointOnScript();
      // The code is linted whenever it or what it may read changes, and on activation.
      const relint = changes.code !== undefined || changes.secrets !== undefined || activating;
      if (relint && !current.is_system) {
        warnings = await this.checks.run(caller.id, () => {
          if (changes.code !== undefined) this.deps.prepareCode?.(changes.code);
          return checkCode(changes.code ?? current.code, secrets, caller.id);
        });
      }
    }
    return {
      warnings,
      write: () =>
        store.transaction(() => {
          const updated = store.workflows.update(current.id, fields, { now: iso(clock.now()), author: callerLabel(caller) });
          const scheduleChanged = JSON.stringify(updated.schedule) !== JSON.stringify(current.schedule) || updated.state !== current.state;
          return this.timeSchedule(updated, scheduleChanged);
        }),
      announce: (workflow) => {
        bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'updated' });
        if (workflow.state !== 'active') approvals.cancelPending(workflow.id, callerLabel(caller), `the workflow was set to ${workflow.state}`);
      },
    };
  }

  delete(caller: ApiKey, uuid: string): void {
    const { store, bus, clock, approvals } = this.deps;
    const workflow = this.find(uuid);
    if (workflow.is_system) {
      throw new DomainError('forbidden', 'SYSTEM_WORKFLOW', 'Built-in workflows cannot be deleted; deactivate it instead.');
    }
    store.workflows.delete(workflow.id, iso(clock.now()));
    bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'deleted' });
    approvals.cancelPending(workflow.id, callerLabel(caller), 'the workflow was deleted');
  }

  /** A draft copy the analyst owns (the way to edit a built-in workflow). */
  async duplicate(caller: ApiKey, uuid: string): Promise<WorkflowView> {
    const source = this.find(uuid);
    const { workflow } = await this.insert(caller, {
      name: `${source.name} (copy)`.slice(0, 200),
      kind: source.kind,
      code: source.code,
      workflow_type: source.workflow_type,
      indicator_types: source.indicator_types,
      approval_mode: source.approval_mode,
      approval_timeout_seconds: source.approval_timeout_seconds,
      risk_level: source.risk_level,
      timeout_seconds: source.timeout_seconds,
      secrets: source.secrets,
      allowed_hosts: source.allowed_hosts,
      documentation: source.documentation,
      tags: source.tags,
      schedule: source.schedule,
      state: 'draft',
    });
    return this.view(workflow);
  }

  /** The saved versions, newest first, without their code. */
  versions(uuid: string) {
    const workflow = this.find(uuid);
    return this.deps.store.workflows.versions(workflow.id).map((version) => versionListItemView(version, workflow.code_version));
  }

  version(uuid: string, number: number) {
    const workflow = this.find(uuid);
    const version = this.deps.store.workflows.version(workflow.id, number);
    if (!version) {
      throw notFound('workflow_version', number, `The workflow has no version ${number}.`, { latest_version: workflow.code_version });
    }
    return versionView(version, workflow);
  }

  /** The workflow's test mocks, as saved; null when it has none. */
  mocks(uuid: string): WorkflowMocks {
    const saved = this.deps.store.workflows.mocks(this.find(uuid).id);
    return saved ? { mocks: JSON.parse(saved.mocks) as unknown, updated_at: saved.updated_at } : { mocks: null, updated_at: null };
  }

  /**
   * Saves the workflow's test mocks (null removes them), checked as a test checks them. They are
   * not part of a version: changing them changes what a test answers, never what a run may do.
   */
  saveMocks(caller: Pick<ApiKey, 'name' | 'prefix'>, uuid: string, mocks: unknown): WorkflowMocks {
    const workflow = this.find(uuid);
    if (mocks !== null) checkMocks(mocks, 'body.mocks');
    const now = iso(this.deps.clock.now());
    this.deps.store.workflows.setMocks(workflow.id, mocks === null ? null : JSON.stringify(mocks), { now, author: callerLabel(caller) });
    return mocks === null ? { mocks: null, updated_at: null } : { mocks, updated_at: now };
  }

  private async insert(caller: ApiKey, input: NewWorkflow, uuid?: string): Promise<{ workflow: Workflow; warnings: LintProblem[] }> {
    const prepared = await this.prepareCreate(caller, input, { uuid });
    const workflow = prepared.write();
    prepared.announce(workflow);
    return { workflow, warnings: prepared.warnings };
  }

  /**
   * When the schedule fires next: only an active workflow with a schedule has a next run. It is
   * computed from now when the schedule or the state changed (an inactive spell is not "missed");
   * otherwise a due occurrence stays due, for the schedules service to handle.
   */
  private timeSchedule(workflow: Workflow, changed: boolean): Workflow {
    const { store, clock } = this.deps;
    const wanted = workflow.state === 'active' && workflow.schedule !== null;
    if (!changed && wanted === (workflow.next_run_at !== null)) return workflow;
    const next = wanted ? nextOccurrence(workflow.schedule!, new Date(clock.now())) : null;
    store.workflows.setScheduleTimes(workflow.id, { next_run_at: next ? iso(next.getTime()) : null });
    return store.workflows.getById(workflow.id)!;
  }
}

/**
 * A schedule as sent, checked and with its defaults: undefined when unchanged, null when removed.
 * Only scheduled workflows have one; a bad expression or zone names its field and the reason.
 */
function resolveSchedule(input: ScheduleInput | null | undefined, workflowType: string | null, current: Schedule | null): Schedule | null | undefined {
  if (input === undefined) {
    if (current !== null && workflowType !== 'scheduled') {
      throw invalid(
        [{ field: 'body.workflow_type', message: 'only scheduled workflows have a schedule; send schedule: null with the new type to remove it' }],
        'Only scheduled workflows have a schedule.',
      );
    }
    return undefined;
  }
  if (input === null) return null;
  if (workflowType !== 'scheduled') {
    throw invalid(
      [{ field: 'body.schedule', message: 'only scheduled workflows have a schedule; set workflow_type to "scheduled"' }],
      'Only scheduled workflows have a schedule: set workflow_type to "scheduled".',
    );
  }
  const schedule = normalizeSchedule(input);
  const problems = [
    ...checkSchedule(schedule).map((problem) => ({ field: `body.schedule.${problem.field}`, message: problem.message })),
    ...checkJsonBounds({ 'body.schedule.context': { value: schedule.context, maxBytes: MAX_INPUT_FIELD_BYTES } }),
  ];
  if (problems.length > 0) throw invalid(problems, `The schedule is not valid: ${problems.map((problem) => problem.message).join('; ')}.`);
  return schedule;
}

function endpointOnScript(): DomainError {
  return invalid([{ field: 'body.endpoint', message: 'only http_endpoint workflows have an endpoint' }], 'endpoint is only for http_endpoint workflows.');
}

/**
 * Lints code against the workflow's declared secrets. Errors refuse the save with every problem
 * listed; warnings, and the type errors the editor underlines (as warnings with `source:
 * "typescript"`), are returned for the caller to show.
 */
async function checkCode(code: string, secrets: string[], caller: number): Promise<LintProblem[]> {
  const problems = await lintWorkflowCode(code, { declaredSecrets: secrets }, { caller });
  if (hasErrors(problems)) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    throw new DomainError(
      'rejected',
      'WORKFLOW_CODE_INVALID',
      `The workflow code has ${errors.length} problem(s) that the sandbox would refuse. Fix them and save again.`,
      { problems },
    );
  }
  return [...problems, ...(await typecheckWorkflow(code, undefined, { caller }))];
}
