// Workflows as files (src/main/engine/api/routes/workflow-files.ts): a workflow's stored test mocks,
// and importing a folder as `vigil export` writes it.
import { Type, type Static } from 'typebox';
import { WORKFLOW_KINDS } from '../domain.ts';
import { Closed, DateTime, Enum, Nullable, Uuid } from './common.ts';

/** An import carries a whole folder: larger than other requests, still bounded. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

export const MocksPut = Type.Object(
  {
    mocks: Type.Unknown({
      description:
        'The mocks a test of this workflow answers HTTP calls with, in the shape the test endpoints accept ' +
        '({responses: [...], default?}, or a bare list); null removes them. At most 1 MB as JSON, 64 levels deep.',
    }),
  },
  { additionalProperties: false, required: ['mocks'] },
);
export type MocksPut = Static<typeof MocksPut>;

/** GET/PUT /v1/workflows/{uuid}/mocks: the test mocks stored with a workflow (not part of a version). */
export const WorkflowMocks = Type.Object({
  mocks: Type.Unknown({ description: 'The stored mocks, or null when none are stored.' }),
  updated_at: Nullable(DateTime()),
});
export type WorkflowMocks = Static<typeof WorkflowMocks>;

export const ImportBody = Closed({
  files: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 1024 * 1024 + 1 }), {
    maxProperties: 3000,
    description:
      'The folder as `vigil export` writes it: file name → content (`<slug>.ts` or `<slug>.endpoint.json`, ' +
      '`<slug>.vigil.json`, `<slug>.mocks.json`). Other files are listed as ignored.',
  }),
  dry_run: Type.Optional(Type.Boolean({ description: 'Answer the plan and change nothing.' })),
  activate: Type.Optional(Type.Boolean({ description: 'Activate every imported workflow; without it activation never changes and new workflows are drafts.' })),
});
export type ImportBody = Static<typeof ImportBody>;

/** One workflow in an import's plan. */
export const ImportPlanItem = Type.Object({
  file: Type.String(),
  name: Type.String(),
  kind: Enum(WORKFLOW_KINDS),
  uuid: Nullable(Uuid),
  action: Enum(['create', 'update', 'unchanged'] as const),
  matched_by: Nullable(Enum(['builtin', 'uuid', 'name'] as const)),
  changes: Type.Array(Type.String()),
  new_version: Type.Boolean(),
  activate: Type.Boolean(),
  notes: Type.Array(Type.String()),
});
export type ImportPlanItem = Static<typeof ImportPlanItem>;

export const ImportPlan = Type.Object({
  dry_run: Type.Boolean(),
  applied: Type.Boolean(),
  items: Type.Array(ImportPlanItem),
  ignored: Type.Array(Type.String()),
  summary: Type.Object({ create: Type.Integer(), update: Type.Integer(), unchanged: Type.Integer(), activate: Type.Integer() }),
});
export type ImportPlan = Static<typeof ImportPlan>;

/** A problem that refused an import (422 IMPORT_INVALID, in details.problems): the file, its line when it has one. */
export const ImportProblem = Type.Object({ file: Type.String(), line: Type.Optional(Type.Integer()), message: Type.String() });
export type ImportProblem = Static<typeof ImportProblem>;
