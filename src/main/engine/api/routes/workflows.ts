import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  Answer,
  CountMeta,
  errorResponses,
  LintProblem,
  LintReport,
  One,
  PageOf,
  UuidParams,
  VersionParams,
  Workflow,
  WorkflowCreate,
  WorkflowListItem,
  WorkflowListQuery,
  WorkflowPatch,
  WorkflowVersion,
  WorkflowVersionSummary,
} from '../../../../shared/api/index.ts';
import type { WorkflowService } from '../../workflows/index.ts';
import { pageAnswer } from '../answers.ts';

const read = { scopes: ['workflows:read'] };
const write = { scopes: ['workflows:write'] };
const tags = ['workflows'];

/** A saved workflow, and what the linter warns about in its code. */
const Saved = Answer(Workflow, Type.Object({ lint_warnings: Type.Array(LintProblem) }));

export function workflowRoutes(workflows: WorkflowService) {
  return async function workflowsPlugin(app: FastifyInstance) {
    app.post<{ Body: WorkflowCreate }>(
      '/v1/workflows',
      { config: write, schema: { tags, summary: 'Create a workflow', body: WorkflowCreate, response: { 201: Saved, ...errorResponses(409) } } },
      async (request, reply) => {
        const { workflow, lint_warnings } = await workflows.create(request.caller, request.body);
        return reply.code(201).send({ data: workflow, meta: { lint_warnings } });
      },
    );

    app.get<{ Querystring: WorkflowListQuery }>(
      '/v1/workflows',
      { config: read, schema: { tags, summary: 'List workflows', querystring: WorkflowListQuery, response: { 200: PageOf(WorkflowListItem), ...errorResponses() } } },
      async (request) => pageAnswer(workflows.list(request.query)),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      { config: read, schema: { tags, summary: 'Get a workflow with its code', params: UuidParams, response: { 200: One(Workflow), ...errorResponses() } } },
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
          response: { 200: One(LintReport), ...errorResponses() },
        },
      },
      async (request) => ({ data: await workflows.lint(workflows.find(request.params.uuid)), meta: {} }),
    );

    app.patch<{ Params: { uuid: string }; Body: WorkflowPatch }>(
      '/v1/workflows/:uuid',
      {
        config: write,
        schema: {
          tags,
          summary: 'Change a workflow (a code change saves a new version)',
          params: UuidParams,
          body: WorkflowPatch,
          response: { 200: Saved, ...errorResponses(409) },
        },
      },
      async (request) => {
        const { workflow, lint_warnings } = await workflows.update(request.caller, request.params.uuid, request.body);
        return { data: workflow, meta: { lint_warnings } };
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete a workflow (its runs stay browsable)',
          params: UuidParams,
          response: { 204: Type.Null({ description: 'Deleted; no body.' }), ...errorResponses() },
        },
      },
      async (request, reply) => {
        workflows.delete(request.caller, request.params.uuid);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/duplicate',
      { config: write, schema: { tags, summary: 'Copy a workflow into a new draft', params: UuidParams, response: { 201: One(Workflow), ...errorResponses() } } },
      async (request, reply) => reply.code(201).send({ data: await workflows.duplicate(request.caller, request.params.uuid), meta: {} }),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflows/:uuid/versions',
      {
        config: read,
        schema: {
          tags,
          summary: 'List the saved versions of a workflow, newest first',
          params: UuidParams,
          response: { 200: Answer(Type.Array(WorkflowVersionSummary), CountMeta), ...errorResponses() },
        },
      },
      async (request) => {
        const versions = workflows.versions(request.params.uuid);
        return { data: versions, meta: { total: versions.length } };
      },
    );

    app.get<{ Params: { uuid: string; version: number } }>(
      '/v1/workflows/:uuid/versions/:version',
      {
        config: read,
        schema: { tags, summary: 'Get one saved version with its code', params: VersionParams, response: { 200: One(WorkflowVersion), ...errorResponses() } },
      },
      async (request) => ({ data: workflows.version(request.params.uuid, request.params.version), meta: {} }),
    );
  };
}
