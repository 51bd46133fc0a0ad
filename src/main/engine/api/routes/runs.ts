import type { FastifyInstance } from 'fastify';
import type { RunQuery, RunService } from '../../runs/index.ts';
import { pageAnswer } from '../answers.ts';
import { One, PageOf, Run, RunDetail, RunListQuery, UuidParams, WorkflowRunListQuery, errorResponses } from '../../../../shared/api/index.ts';

const read = { scopes: ['workflows:read'] };
const tags = ['runs'];

export function runRoutes(runs: RunService) {
  return async function runsPlugin(app: FastifyInstance) {
    app.get<{ Querystring: RunQuery }>(
      '/v1/workflow-runs',
      { config: read, schema: { tags, summary: 'List runs, newest first', querystring: RunListQuery, response: { 200: PageOf(Run), ...errorResponses() } } },
      async (request) => pageAnswer(runs.list(request.caller, request.query)),
    );

    app.get<{ Params: { uuid: string }; Querystring: RunQuery }>(
      '/v1/workflows/:uuid/runs',
      {
        config: read,
        schema: {
          tags,
          summary: 'List the runs of one workflow, newest first',
          params: UuidParams,
          querystring: WorkflowRunListQuery,
          response: { 200: PageOf(Run), ...errorResponses() },
        },
      },
      async (request) => pageAnswer(runs.listOf(request.caller, request.params.uuid, request.query)),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflow-runs/:uuid',
      { config: read, schema: { tags, summary: 'Get a run with its steps and logs', params: UuidParams, response: { 200: One(RunDetail), ...errorResponses() } } },
      async (request) => ({ data: runs.show(request.caller, request.params.uuid), meta: {} }),
    );

    app.post<{ Params: { uuid: string } }>(
      '/v1/workflow-runs/:uuid/cancel',
      {
        config: { scopes: ['workflows:execute'] },
        schema: { tags, summary: 'Cancel a queued or running run', params: UuidParams, response: { 202: One(Run), ...errorResponses(409) } },
      },
      async (request, reply) => reply.code(202).send({ data: runs.cancel(request.caller, request.params.uuid), meta: {} }),
    );
  };
}
