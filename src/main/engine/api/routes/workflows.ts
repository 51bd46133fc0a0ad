import type { FastifyInstance } from 'fastify';
import type { WorkflowSort } from '../../db/index.ts';
import type { Engine } from '../../engine.ts';
import { createWorkflow, deleteWorkflow, duplicateWorkflow, getWorkflow, lintReport, patchWorkflow, secretWarnings } from '../../workflows/index.ts';
import { DomainError } from '../../errors.ts';
import {
  UuidParams,
  VersionParams,
  WorkflowCreate,
  WorkflowListQuery,
  WorkflowPatch,
} from '../schemas.ts';
import { configuredIntegrations } from '../../integrations/index.ts';
import { pageMeta, pageWindow, workflowListItemView, workflowView as view } from '../views.ts';

const read = { scopes: ['workflows:read'] };
const write = { scopes: ['workflows:write'] };
const tags = ['workflows'];

export function workflowRoutes(engine: Engine) {
  const workflowView = (workflow: Parameters<typeof view>[0]) =>
    view(workflow, configuredIntegrations(engine.store.settings), secretWarnings(engine, workflow.secrets, 'workflow'));
  return async function workflows(app: FastifyInstance) {
    app.post<{ Body: WorkflowCreate }>(
      '/v1/workflows',
      { config: write, schema: { tags, summary: 'Create a workflow', body: WorkflowCreate } },
      async (request, reply) => {
        const { workflow, warnings } = await createWorkflow(engine, request.caller, request.body);
        return reply.code(201).send({ data: workflowView(workflow), meta: { lint_warnings: warnings } });
      },
    );

    app.get<{ Querystring: WorkflowListQuery }>(
      '/v1/workflows',
      { config: read, schema: { tags, summary: 'List workflows', querystring: WorkflowListQuery } },
      async (request) => {
        const { page, pageSize, limit, offset } = pageWindow(request.query);
        const sort = request.query.sort ?? '-updated_at';
        const { items, total } = engine.store.workflows.list({
          state: request.query.state,
          risk_level: request.query.risk_level,
          workflow_type: request.query.workflow_type,
          tag: request.query.tag,
          q: request.query.q,
          sort: sort.replace(/^-/, '') as WorkflowSort,
          descending: sort.startsWith('-'),
          limit,
          offset,
        });
        const configured = configuredIntegrations(engine.store.settings);
        return {
          data: items.map((item) => workflowListItemView(item, configured, secretWarnings(engine, item.secrets, 'workflow'))),
          meta: pageMeta(total, page, pageSize),
        };
      },
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      { config: read, schema: { tags, summary: 'Get a workflow with its code', params: UuidParams } },
      async (request) => ({ data: workflowView(getWorkflow(engine, request.params.uuid)), meta: {} }),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/lint',
      {
        config: read,
        schema: {
          tags,
          summary: 'Check the current version: lint problems and type errors, as a dry run reports them',
          description:
            'Answers {ok, problems}: ok is false when the linter finds errors; type errors are warnings with ' +
            '"source": "typescript" (the console asks before activating a workflow that has some).',
          params: UuidParams,
        },
      },
      async (request) => ({ data: await lintReport(getWorkflow(engine, request.params.uuid)), meta: {} }),
    );

    app.patch<{ Params: { uuid: string }; Body: WorkflowPatch }>(
      '/v1/workflows/:uuid',
      {
        config: write,
        schema: { tags, summary: 'Change a workflow (a code change saves a new version)', params: UuidParams, body: WorkflowPatch },
      },
      async (request) => {
        const { workflow, warnings } = await patchWorkflow(engine, request.caller, request.params.uuid, request.body);
        return { data: workflowView(workflow), meta: { lint_warnings: warnings } };
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      { config: write, schema: { tags, summary: 'Delete a workflow (its runs stay browsable)', params: UuidParams } },
      async (request, reply) => {
        deleteWorkflow(engine, request.caller, request.params.uuid);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/duplicate',
      { config: write, schema: { tags, summary: 'Copy a workflow into a new draft', params: UuidParams } },
      async (request, reply) => {
        const copy = await duplicateWorkflow(engine, request.caller, request.params.uuid);
        return reply.code(201).send({ data: workflowView(copy), meta: {} });
      },
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/versions',
      { config: read, schema: { tags, summary: 'List the saved versions of a workflow, newest first', params: UuidParams } },
      async (request) => {
        const workflow = getWorkflow(engine, request.params.uuid);
        const versions = engine.store.workflows.versions(workflow.id).map(({ code, ...version }) => ({
          ...version,
          code_bytes: Buffer.byteLength(code),
          current: version.version === workflow.code_version,
        }));
        return { data: versions, meta: { total: versions.length } };
      },
    );

    app.get<{ Params: { uuid: string; version: number } }>(
      '/v1/workflows/:uuid/versions/:version',
      {
        config: read,
        schema: { tags, summary: 'Get one saved version with its code', params: VersionParams },
      },
      async (request) => {
        const workflow = getWorkflow(engine, request.params.uuid);
        const version = engine.store.workflows.version(workflow.id, request.params.version);
        if (!version) {
          throw new DomainError('not_found', 'VERSION_NOT_FOUND', `The workflow has no version ${request.params.version}.`, {
            latest_version: workflow.code_version,
          });
        }
        return { data: { ...version, workflow_uuid: workflow.uuid, current: version.version === workflow.code_version }, meta: {} };
      },
    );
  };
}

