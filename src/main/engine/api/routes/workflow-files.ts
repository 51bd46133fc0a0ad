// Workflows as files and their test mocks: the stored mocks of a workflow (what the console's Test
// panel loads and saves) and importing a folder of workflow files (what `vigil import --url` and the
// console's Import send). The schemas live here beside their routes.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { WorkflowImportService, WorkflowService } from '../../workflows/index.ts';
import { UuidParams } from '../schemas.ts';

/** An import carries a whole folder: larger than other requests, still bounded. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const MocksPut = Type.Object(
  {
    mocks: Type.Unknown({
      description:
        'The mocks a test of this workflow answers HTTP calls with, in the shape the test endpoints accept ' +
        '({responses: [...], default?}, or a bare list); null removes them. At most 1 MB as JSON, 64 levels deep.',
    }),
  },
  { additionalProperties: false, required: ['mocks'] },
);
type MocksPut = Static<typeof MocksPut>;

const ImportBody = Type.Object(
  {
    files: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 1024 * 1024 + 1 }), {
      maxProperties: 3000,
      description:
        'The folder as `vigil export` writes it: file name → content (`<slug>.ts` or `<slug>.endpoint.json`, ' +
        '`<slug>.vigil.json`, `<slug>.mocks.json`). Other files are listed as ignored.',
    }),
    dry_run: Type.Optional(Type.Boolean({ description: 'Answer the plan and change nothing.' })),
    activate: Type.Optional(Type.Boolean({ description: 'Activate every imported workflow; without it activation never changes and new workflows are drafts.' })),
  },
  { additionalProperties: false },
);
type ImportBody = Static<typeof ImportBody>;

const tags = ['workflows'];

export function workflowFileRoutes(workflows: WorkflowService, imports: WorkflowImportService) {
  return async function workflowFilesPlugin(app: FastifyInstance) {
    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/mocks',
      {
        config: { scopes: ['workflows:read'] },
        schema: {
          tags,
          summary: "Get a workflow's stored test mocks",
          description: 'Answers {mocks, updated_at}; mocks is null when none are stored. Mocks are not part of a version.',
          params: UuidParams,
        },
      },
      async (request) => ({ data: workflows.mocks(request.params.uuid), meta: {} }),
    );

    app.put<{ Params: { uuid: string }; Body: MocksPut }>(
      '/v1/workflows/:uuid/mocks',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags,
          summary: "Store a workflow's test mocks (checked as a test checks them; not a new version)",
          params: UuidParams,
          body: MocksPut,
        },
      },
      async (request) => ({ data: workflows.saveMocks(request.caller, request.params.uuid, request.body.mocks ?? null), meta: {} }),
    );

    app.post<{ Body: ImportBody }>(
      '/v1/workflows/import',
      {
        config: { scopes: ['workflows:write'] },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Import workflow files: plan (create / update → new version / unchanged), then apply unless dry_run',
          description:
            'Workflows are matched by built-in key, uuid, then name. Every file is checked first (fields, the linter, ' +
            'endpoint rules, mocks, schedules); any problem refuses the whole import with 422 IMPORT_INVALID and ' +
            'details.problems [{file, line?, message}], and nothing changes. Activation changes only with activate.',
          body: ImportBody,
        },
      },
      async (request) => {
        const { files, dry_run, activate } = request.body;
        return { data: await imports.import(request.caller, new Map(Object.entries(files)), { dryRun: dry_run, activate }), meta: {} };
      },
    );
  };
}
