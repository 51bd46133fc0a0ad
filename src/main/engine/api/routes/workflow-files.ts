// Workflows as files and their test mocks: the stored mocks of a workflow (what the console's Test
// panel loads and saves) and importing a folder of workflow files (what `vigil import --url` and the
// console's Import send). Their schemas are src/shared/api/workflow-files.ts.
import type { FastifyInstance } from 'fastify';
import {
  errorResponses,
  IMPORT_BODY_LIMIT,
  ImportBody,
  ImportPlan,
  MocksPut,
  One,
  UuidParams,
  WorkflowMocks,
} from '../../../../shared/api/index.ts';
import type { WorkflowImportService, WorkflowService } from '../../workflows/index.ts';

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
          response: { 200: One(WorkflowMocks), ...errorResponses() },
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
          response: { 200: One(WorkflowMocks), ...errorResponses(422) },
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
          response: { 200: One(ImportPlan), ...errorResponses(413, 422) },
        },
      },
      async (request) => {
        const { files, dry_run, activate } = request.body;
        return { data: await imports.import(request.caller, new Map(Object.entries(files)), { dryRun: dry_run, activate }), meta: {} };
      },
    );
  };
}
