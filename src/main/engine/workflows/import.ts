// Importing a folder of workflow files (src/shared/workflow-files.ts), for `vigil import` and
// `POST /v1/workflows/import` alike. Every file is checked before anything changes: the fields of
// each `.vigil.json`, the code with the linter, an endpoint configuration with the endpoint rules,
// the mocks as a test takes them and a schedule with its rules. One problem refuses the whole
// import, each problem naming its file and line. Then each workflow is matched (built-in key, uuid,
// then name) and planned: created, updated (saving a new version when the code or what a run may
// do changes) or unchanged. Activation changes only when asked to.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  APPROVAL_MODES,
  INDICATOR_TYPES,
  RISK_LEVELS,
  SECRET_NAME,
  WORKFLOW_KINDS,
  WORKFLOW_TYPES,
  type ApprovalMode,
  type IndicatorType,
  type RiskLevel,
  type WorkflowType,
} from '../../../shared/domain.ts';
import { formatEndpoint, parseEndpointText, validateEndpoint } from '../../../shared/endpoint.ts';
import { CATCH_UP_MODES, checkSchedule, OVERLAP_MODES, type ScheduleInput } from '../../../shared/schedule.ts';
import {
  fromFiles,
  jsonErrorOffset,
  lineAt,
  stableJson,
  type DefinitionFiles,
  type FileProblem,
  type WorkflowDefinition,
} from '../../../shared/workflow-files.ts';
import type { ApiKey, Store, Workflow, WorkflowFields } from '../db/index.ts';
import { DomainError } from '../errors.ts';
import { lintWorkflowCode } from './code-check-thread.ts';
import { checkMocks } from './mocks.ts';
import type { PreparedSave, WorkflowChanges, WorkflowService } from './service.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Largest code (or endpoint configuration) file, as for a workflow saved through the API. */
const MAX_CODE_BYTES = 1024 * 1024;
/** A file name in an import: a flat folder, as `vigil export` writes it. */
const FILE_NAME = /^[^/\\]+$/;

/** The fields a definition sets besides its code, compared in this order for the plan. */
const COMPARED = [
  'name',
  'workflow_type',
  'indicator_types',
  'approval_mode',
  'approval_timeout_seconds',
  'risk_level',
  'timeout_seconds',
  'secrets',
  'allowed_hosts',
  'tags',
  'documentation',
  'schedule',
] as const;
type Compared = (typeof COMPARED)[number] | 'code';
/** A change to any of these saves a new version (a schedule is part of one, as is what a run may do). */
const VERSIONED = new Set<Compared>(['code', 'secrets', 'allowed_hosts', 'timeout_seconds', 'schedule']);
/** What an import may change on a built-in workflow: how it is gated and its tags; Vigil owns the rest. */
const BUILTIN_EDITABLE = new Set<Compared>(['approval_mode', 'approval_timeout_seconds', 'tags']);

export interface ImportOptions {
  /** Plan only: nothing changes. */
  dryRun?: boolean;
  /** Every imported workflow ends active; without it, activation never changes (new ones are drafts). */
  activate?: boolean;
}

export interface ImportPlanItem {
  /** The workflow's `.vigil.json`. */
  file: string;
  name: string;
  kind: 'script' | 'http_endpoint';
  /** The workflow's id after the import; null for a creation whose id is not decided until it runs. */
  uuid: string | null;
  action: 'create' | 'update' | 'unchanged';
  /** How it was matched to a workflow already there; null when created. */
  matched_by: 'builtin' | 'uuid' | 'name' | null;
  /** Fields that change (`code`, `tags`, …, and `mocks`); empty for a creation. */
  changes: string[];
  /** Whether the import saves a new version of the workflow (always for a creation). */
  new_version: boolean;
  /** Whether the import activates it (only with `activate`). */
  activate: boolean;
  /** Something the reader should know: a file's uuid that could not be kept, fields a built-in keeps. */
  notes: string[];
}

export interface ImportPlan {
  dry_run: boolean;
  /** Whether the changes were made (false for a dry run). */
  applied: boolean;
  items: ImportPlanItem[];
  /** Files that are not a workflow's (a README, a CI job): left alone. */
  ignored: string[];
  summary: { create: number; update: number; unchanged: number; activate: number };
}

export interface WorkflowImportDeps {
  store: Pick<Store, 'workflows' | 'transaction'>;
  workflows: Pick<WorkflowService, 'prepareCreate' | 'prepareUpdate' | 'mocks' | 'saveMocks'>;
}

interface Planned {
  item: ImportPlanItem;
  definition: WorkflowDefinition;
  target: Workflow | null;
  mocksChange: boolean;
}

export class WorkflowImportService {
  private readonly deps: WorkflowImportDeps;

  constructor(deps: WorkflowImportDeps) {
    this.deps = deps;
  }

  /**
   * Plans an import of `files` (name → content) and, unless it is a dry run, carries it out. Any
   * invalid file refuses the whole import (`IMPORT_INVALID`, every problem with its file and line)
   * before anything changes.
   */
  async import(caller: ApiKey, files: Map<string, string>, options: ImportOptions = {}): Promise<ImportPlan> {
    const problems: FileProblem[] = [];
    for (const name of files.keys()) {
      if (!FILE_NAME.test(name)) problems.push({ file: name, message: 'give file names without folders (an export is one flat folder)' });
    }
    const read = fromFiles(files);
    problems.push(...read.problems);
    for (let i = 0; i < read.definitions.length; i++) {
      problems.push(...(await checkDefinition(read.definitions[i]!, read.sources[i]!, files)));
    }
    const planned = problems.length === 0 ? this.plan(read.definitions, read.sources, files, options, problems) : [];
    if (problems.length > 0) throw refusal(problems);
    if (!options.dryRun) await this.apply(caller, planned, options);
    const items = planned.map((entry) => entry.item);
    return {
      dry_run: options.dryRun === true,
      applied: options.dryRun !== true,
      items,
      ignored: read.ignored,
      summary: {
        create: items.filter((item) => item.action === 'create').length,
        update: items.filter((item) => item.action === 'update').length,
        unchanged: items.filter((item) => item.action === 'unchanged').length,
        activate: items.filter((item) => item.activate).length,
      },
    };
  }

  private plan(
    definitions: WorkflowDefinition[],
    sources: DefinitionFiles[],
    files: Map<string, string>,
    options: ImportOptions,
    problems: FileProblem[],
  ): Planned[] {
    const text = (file: string) => files.get(file) ?? '';
    const planned: Planned[] = [];
    const claimed = new Map<number, string>();
    const uuids = new Map<string, string>();
    const names = new Map<string, string>();
    for (let i = 0; i < definitions.length; i++) {
      const definition = definitions[i]!;
      const file = sources[i]!.meta;
      if (definition.uuid && uuids.has(definition.uuid)) {
        problems.push({ file, line: lineOfKey(text(file), 'uuid'), message: `the same uuid as ${uuids.get(definition.uuid)}` });
        continue;
      }
      if (names.has(definition.name)) {
        problems.push({ file, line: lineOfKey(text(file), 'name'), message: `the same name as ${names.get(definition.name)}` });
        continue;
      }
      if (definition.uuid) uuids.set(definition.uuid, file);
      names.set(definition.name, file);
      const match = this.match(definition, file, problems);
      if (match === undefined) continue;
      if (match && claimed.has(match.workflow.id)) {
        problems.push({ file, message: `matches the same workflow ("${match.workflow.name}") as ${claimed.get(match.workflow.id)}` });
        continue;
      }
      if (match) claimed.set(match.workflow.id, file);
      planned.push(this.planOne(definition, file, match, options));
      if (match && match.workflow.kind !== definition.kind) {
        problems.push({
          file,
          line: lineOfKey(text(file), 'kind'),
          message: `"${match.workflow.name}" is a ${match.workflow.kind} workflow; its kind cannot change (create a new workflow)`,
        });
      }
    }
    return planned;
  }

  /** The workflow a definition updates: by built-in key, uuid, then name; null creates one, undefined is a problem. */
  private match(definition: WorkflowDefinition, file: string, problems: FileProblem[]): { workflow: Workflow; by: 'builtin' | 'uuid' | 'name' } | null | undefined {
    const { workflows } = this.deps.store;
    if (definition.builtin) {
      const builtin = workflows.getByBuiltinKey(definition.builtin);
      if (!builtin) {
        problems.push({ file, message: `this Vigil has no built-in workflow ${definition.builtin}` });
        return undefined;
      }
      return { workflow: builtin, by: 'builtin' };
    }
    const byUuid = definition.uuid ? workflows.get(definition.uuid) : undefined;
    if (byUuid) return { workflow: byUuid, by: 'uuid' };
    const named = workflows
      .list({ q: definition.name, sort: 'name', descending: false, limit: 500, offset: 0 })
      .items.filter((workflow) => workflow.name === definition.name);
    if (named.length > 1) {
      problems.push({ file, message: `${named.length} workflows are named "${definition.name}"; give the uuid of the one to update` });
      return undefined;
    }
    return named[0] ? { workflow: named[0], by: 'name' } : null;
  }

  private planOne(
    definition: WorkflowDefinition,
    file: string,
    match: { workflow: Workflow; by: 'builtin' | 'uuid' | 'name' } | null,
    options: ImportOptions,
  ): Planned {
    const notes: string[] = [];
    const newMocks = definition.mocks ?? null;
    if (!match) {
      let uuid: string | null = definition.uuid;
      if (uuid && this.deps.store.workflows.idOf(uuid) !== undefined) {
        notes.push(`uuid ${uuid} belonged to a deleted workflow; the new one gets its own`);
        uuid = null;
      }
      return {
        item: { file, name: definition.name, kind: definition.kind, uuid, action: 'create', matched_by: null, changes: [], new_version: true, activate: options.activate === true, notes },
        definition: { ...definition, uuid },
        target: null,
        mocksChange: newMocks !== null,
      };
    }
    const { workflow } = match;
    let changes = changedFields(workflow, definition);
    if (workflow.is_system) {
      const kept = changes.filter((field) => !BUILTIN_EDITABLE.has(field));
      if (kept.length > 0) notes.push(`a built-in workflow keeps this Vigil's ${kept.join(', ')}`);
      changes = changes.filter((field) => BUILTIN_EDITABLE.has(field));
    }
    const stored = this.deps.workflows.mocks(workflow.uuid).mocks;
    const mocksChange = stableJson(stored) !== stableJson(newMocks);
    const listed: string[] = mocksChange ? [...changes, 'mocks'] : [...changes];
    if (definition.uuid && definition.uuid !== workflow.uuid && match.by === 'name') {
      notes.push(`matched by name; it keeps its uuid ${workflow.uuid}`);
    }
    return {
      item: {
        file,
        name: definition.name,
        kind: definition.kind,
        uuid: workflow.uuid,
        action: listed.length > 0 ? 'update' : 'unchanged',
        matched_by: match.by,
        changes: listed,
        new_version: changes.some((field) => VERSIONED.has(field)),
        activate: options.activate === true && workflow.state !== 'active',
        notes,
      },
      definition,
      target: workflow,
      mocksChange,
    };
  }

  /**
   * Saves every planned workflow, or none: each save is checked first (the service's own checks,
   * as a save through the API makes them), then all are written in one transaction, and only once
   * it has committed is the rest of Vigil told. A failure while writing leaves the store as it was.
   */
  private async apply(caller: ApiKey, planned: Planned[], options: ImportOptions): Promise<void> {
    const { store, workflows } = this.deps;
    const saves: Array<{ planned: Planned; save: PreparedSave | null }> = [];
    for (const entry of planned) saves.push({ planned: entry, save: await this.prepare(caller, entry, options) });
    const written = store.transaction(() =>
      saves.map(({ planned: { item, definition, mocksChange }, save }) => {
        const workflow = save?.write() ?? null;
        if (workflow) item.uuid = workflow.uuid;
        if (mocksChange) workflows.saveMocks(caller, item.uuid!, definition.mocks ?? null);
        return workflow;
      }),
    );
    saves.forEach(({ save }, i) => {
      const workflow = written[i];
      if (save && workflow) save.announce(workflow);
    });
  }

  /** The create or update a planned workflow needs (null when only its mocks change, or nothing). */
  private async prepare(caller: ApiKey, { item, definition, target }: Planned, options: ImportOptions): Promise<PreparedSave | null> {
    const { workflows } = this.deps;
    if (!target) {
      return workflows.prepareCreate(caller, { ...fieldsOf(definition), state: options.activate ? 'active' : 'draft' }, definition.uuid ? { uuid: definition.uuid } : {});
    }
    const all = fieldsOf(definition) as Record<string, unknown>;
    const changes: Record<string, unknown> = {};
    for (const field of item.changes) if (field !== 'mocks') changes[field] = all[field];
    if (item.activate) changes.state = 'active';
    return Object.keys(changes).length > 0 ? workflows.prepareUpdate(caller, target.uuid, changes as WorkflowChanges) : null;
  }
}

/** What a create or update sets from a definition. */
function fieldsOf(definition: WorkflowDefinition): Omit<WorkflowFields, 'state' | 'schedule'> & { schedule: ScheduleInput | null } {
  return {
    name: definition.name,
    kind: definition.kind,
    code: definition.code,
    workflow_type: definition.workflow_type as WorkflowType | null,
    indicator_types: definition.indicator_types as IndicatorType[],
    approval_mode: definition.approval_mode as ApprovalMode,
    approval_timeout_seconds: definition.approval_timeout_seconds,
    risk_level: definition.risk_level as RiskLevel,
    timeout_seconds: definition.timeout_seconds,
    secrets: definition.secrets,
    allowed_hosts: definition.allowed_hosts,
    tags: definition.tags,
    documentation: definition.documentation,
    schedule: definition.schedule as ScheduleInput | null,
  };
}

function changedFields(workflow: Workflow, definition: WorkflowDefinition): Compared[] {
  const changes: Compared[] = [];
  if (!sameCode(workflow, definition.code)) changes.push('code');
  for (const field of COMPARED) {
    if (stableJson(workflow[field]) !== stableJson(definition[field])) changes.push(field);
  }
  return changes.sort((a, b) => order(a) - order(b));
}

const order = (field: Compared) => (field === 'code' ? -1 : COMPARED.indexOf(field));

/**
 * An export ends every file with a newline, and an endpoint configuration is saved in its canonical
 * form: neither difference is a change.
 */
function sameCode(workflow: Workflow, code: string): boolean {
  if (workflow.kind === 'http_endpoint') {
    const checked = validateEndpoint(parseEndpointText(code), workflow.secrets);
    return checked.ok && formatEndpoint({ ...checked.config, timeout_seconds: workflow.timeout_seconds }) === workflow.code;
  }
  return code === workflow.code || code === `${workflow.code}\n`;
}

function refusal(problems: FileProblem[]): DomainError {
  const files = new Set(problems.map((problem) => problem.file));
  const first = problems[0]!;
  return new DomainError(
    'invalid',
    'IMPORT_INVALID',
    `Nothing was imported: ${problems.length} problem(s) in ${files.size} file(s), the first in ${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}`,
    { problems },
  );
}

// ---- Checking each workflow's files --------------------------------------------------------------

const enumOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] });
const META_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    uuid: { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: enumOf(WORKFLOW_KINDS),
    workflow_type: { anyOf: [enumOf(WORKFLOW_TYPES), { type: 'null' }] },
    indicator_types: { type: 'array', items: enumOf(INDICATOR_TYPES), uniqueItems: true },
    approval_mode: enumOf(APPROVAL_MODES),
    approval_timeout_seconds: { type: 'integer', minimum: 60, maximum: 7 * 24 * 3600 },
    risk_level: enumOf(RISK_LEVELS),
    timeout_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
    secrets: { type: 'array', items: { type: 'string', pattern: SECRET_NAME.source }, uniqueItems: true, maxItems: 50 },
    allowed_hosts: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:*\\-\\[\\]/]+$' },
      uniqueItems: true,
      maxItems: 100,
    },
    tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[^,]+$' }, uniqueItems: true, maxItems: 20 },
    documentation: { type: 'string', maxLength: 64 * 1024 },
    schedule: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['cron', 'timezone'],
          properties: {
            cron: { type: 'string', minLength: 1, maxLength: 200 },
            timezone: { type: 'string', minLength: 1, maxLength: 100 },
            context: {},
            catch_up: enumOf(CATCH_UP_MODES),
            overlap: enumOf(OVERLAP_MODES),
          },
        },
        { type: 'null' },
      ],
    },
    builtin: { type: 'string', minLength: 1, maxLength: 100 },
  },
};
// Compiled on the first import, not when the engine loads: compiling it (and ajv's meta-schema
// before it) was a quarter of `vigil serve`'s module evaluation.
let validateMeta: ValidateFunction | null = null;

/** Every problem with one workflow's files, each with its file and (where it has one) line. */
async function checkDefinition(definition: WorkflowDefinition, sources: DefinitionFiles, files: Map<string, string>): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const metaText = files.get(sources.meta)!;
  validateMeta ??= addFormats(new Ajv({ allErrors: true, strict: false })).compile(META_SCHEMA);
  if (!validateMeta(JSON.parse(metaText))) {
    for (const error of validateMeta.errors ?? []) problems.push({ file: sources.meta, line: lineOfKey(metaText, keyOfError(error)), message: messageOf(error) });
    // Field types are not what the checks below expect: they would only add noise.
    return problems;
  }
  const schedule = definition.schedule as { cron: string; timezone: string } | null;
  if (schedule) {
    for (const problem of checkSchedule(schedule)) problems.push({ file: sources.meta, line: lineOfKey(metaText, problem.field), message: `schedule.${problem.field}: ${problem.message}` });
  }
  const code = definition.code;
  if (Buffer.byteLength(code) > MAX_CODE_BYTES) problems.push({ file: sources.code, message: `is larger than ${MAX_CODE_BYTES} bytes (the limit of a workflow's code)` });
  else if (code.trim() === '') problems.push({ file: sources.code, line: 1, message: 'is empty' });
  else if (definition.kind === 'http_endpoint') problems.push(...checkEndpoint(definition, sources.code));
  else {
    for (const problem of await lintWorkflowCode(code, { declaredSecrets: definition.secrets })) {
      if (problem.severity === 'error') problems.push({ file: sources.code, line: problem.line, message: `${problem.message} (${problem.rule})` });
    }
  }
  if (sources.mocks && definition.mocks !== null) {
    try {
      checkMocks(definition.mocks, 'mocks');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const details = error.details as { problems?: Array<{ message: string }> } | null;
      for (const problem of details?.problems ?? [{ message: error.message }]) problems.push({ file: sources.mocks, message: problem.message });
    }
  }
  return problems;
}

function checkEndpoint(definition: WorkflowDefinition, file: string): FileProblem[] {
  const text = definition.code;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return [{ file, line: lineAt(text, jsonErrorOffset(text)), message: `not valid JSON: ${(error as Error).message}` }];
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [{ file, line: 1, message: 'must be the endpoint configuration as a JSON object' }];
  const own = (raw as Record<string, unknown>).timeout_seconds;
  if (own !== undefined && own !== definition.timeout_seconds) {
    return [{ file, line: lineOfKey(text, 'timeout_seconds'), message: `timeout_seconds (${String(own)}) differs from the .vigil.json's (${definition.timeout_seconds}); they are one setting` }];
  }
  const checked = validateEndpoint({ ...raw, timeout_seconds: definition.timeout_seconds }, definition.secrets);
  if (checked.ok) return [];
  return checked.problems.map((problem) => ({ file, line: lineOfKey(text, problem.field.split('.').at(-1) ?? ''), message: `${problem.field}: ${problem.message}` }));
}

function keyOfError(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return String((error.params as { additionalProperty: string }).additionalProperty);
  const keys = error.instancePath.split('/').filter((part) => part !== '' && !/^\d+$/.test(part));
  return keys.at(-1) ?? '';
}

function messageOf(error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') return `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  if (error.keyword === 'enum') return `${where}: must be one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}`;
  return `${where || 'the file'} ${error.message ?? 'is not valid'}`;
}

/** The line of the first `"key":` in a JSON text; line 1 when it is not there (a missing field). */
function lineOfKey(text: string, key: string): number {
  if (!key) return 1;
  const at = text.indexOf(`${JSON.stringify(key)}`);
  return at < 0 ? 1 : lineAt(text, at);
}
