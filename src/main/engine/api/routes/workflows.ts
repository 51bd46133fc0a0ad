import type { FastifyInstance } from 'fastify';
import type { WorkflowService } from '../../workflows/index.ts';
import { pageAnswer } from '../answers.ts';
import { UuidParams, VersionParams, WorkflowCreate, WorkflowListQuery, WorkflowPatch } from '../schemas.ts';

const read = { scopes: ['workflows:read'] };
const write = { scopes: ['workflows:write'] };
const tags = ['workflows'];

export function workflowRoutes(workflows: WorkflowService) {
  return async function workflowsPlugin(app: FastifyInstance) {
    app.post<{ Body: WorkflowCreate }>(
      '/v1/workflows',
      { config: write, schema: { tags, summary: 'Create a workflow', body: WorkflowCreate } },
      async (request, reply) => {
        const { workflow, lint_warnings } = await workflows.create(request.caller, request.body);
        return reply.code(201).send({ data: workflow, meta: { lint_warnings } });
      },
    );

    app.get<{ Querystring: WorkflowListQuery }>(
      '/v1/workflows',
      { config: read, schema: { tags, summary: 'List workflows', querystring: WorkflowListQuery } },
      async (request) => pageAnswer(workflows.list(request.query)),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      { config: read, schema: { tags, summary: 'Get a workflow with its code', params: UuidParams } },
      async (request) => ({ data: workflows.show(request.params.uuid), meta: {} }),
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
      async (request) => ({ data: await workflows.lint(workflows.find(request.params.uuid)), meta: {} }),
    );

    app.patch<{ Params: { uuid: string }; Body: WorkflowPatch }>(
      '/v1/workflows/:uuid',
      {
        config: write,
        schema: { tags, summary: 'Change a workflow (a code change saves a new version)', params: UuidParams, body: WorkflowPatch },
      },
      async (request) => {
        const { workflow, lint_warnings } = await workflows.update(request.caller, request.params.uuid, request.body);
        return { data: workflow, meta: { lint_warnings } };
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      { config: write, schema: { tags, summary: 'Delete a workflow (its runs stay browsable)', params: UuidParams } },
      async (request, reply) => {
        workflows.delete(request.caller, request.params.uuid);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/duplicate',
      { config: write, schema: { tags, summary: 'Copy a workflow into a new draft', params: UuidParams } },
      async (request, reply) => reply.code(201).send({ data: await workflows.duplicate(request.caller, request.params.uuid), meta: {} }),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/versions',
      { config: read, schema: { tags, summary: 'List the saved versions of a workflow, newest first', params: UuidParams } },
      async (request) => {
        const versions = workflows.versions(request.params.uuid);
        return { data: versions, meta: { total: versions.length } };
      },
    );

    app.get<{ Params: { uuid: string; version: number } }>(
      '/v1/workflows/:uuid/versions/:version',
      {
        config: read,
        schema: { tags, summary: 'Get one saved version with its code', params: VersionParams },
      },
      async (request) => ({ data: workflows.version(request.params.uuid, request.params.version), meta: {} }),
    );
  };
}
