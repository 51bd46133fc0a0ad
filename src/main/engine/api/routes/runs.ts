import type { FastifyInstance } from 'fastify';
import type { RunStatus } from '../../../../shared/domain.ts';
import type { Engine } from '../../engine.ts';
import { getWorkflow } from '../../workflows/index.ts';
import { iso, timestampMs } from '../../util/time.ts';
import { DomainError } from '../../errors.ts';
import type { ApiKey } from '../../db/index.ts';
import { callerLabel, mayAccess, ownerFilter } from '../../keys/access.ts';
import { RunListQuery, UuidParams, WorkflowRunListQuery, type RunListQuery as RunQuery } from '../schemas.ts';
import { pageMeta, pageWindow, runView } from '../views.ts';

const read = { scopes: ['workflows:read'] };
const tags = ['runs'];

export function runRoutes(engine: Engine) {
  function listRuns(caller: ApiKey, query: RunQuery, workflowId: number | undefined) {
    const { page, pageSize, limit, offset } = pageWindow(query);
    const { items, total } = engine.store.runs.list({
      workflow_id: workflowId,
      trigger_key_id: ownerFilter(caller),
      status: query.status?.split(',') as RunStatus[] | undefined,
      trigger_type: query.trigger_type,
      from: query.from && iso(timestampMs(query.from)),
      to: query.to && iso(timestampMs(query.to)),
      limit,
      offset,
    });
    return { data: items.map((run) => runView(run)), meta: pageMeta(total, page, pageSize) };
  }

  /** Another agent's run is answered like a missing one: its existence is not this caller's business. */
  function findRun(caller: ApiKey, uuid: string) {
    const run = engine.store.runs.get(uuid);
    if (!run || !mayAccess(caller, run.trigger_key_id)) throw new DomainError('not_found', 'RUN_NOT_FOUND', `No run with id ${uuid}.`);
    return run;
  }

  return async function runs(app: FastifyInstance) {
    app.get<{ Querystring: RunQuery }>(
      '/v1/workflow-runs',
      { config: read, schema: { tags, summary: 'List runs, newest first', querystring: RunListQuery } },
      async (request) => {
        const workflowId = request.query.workflow_uuid
          ? (engine.store.workflows.idOf(request.query.workflow_uuid) ?? -1)
          : undefined;
        return listRuns(request.caller, request.query, workflowId);
      },
    );

    app.get<{ Params: { uuid: string }; Querystring: RunQuery }>(
      '/v1/workflows/:uuid/runs',
      {
        config: read,
        schema: { tags, summary: 'List the runs of one workflow, newest first', params: UuidParams, querystring: WorkflowRunListQuery },
      },
      async (request) => listRuns(request.caller, request.query, getWorkflow(engine, request.params.uuid).id),
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/workflow-runs/:uuid',
      { config: read, schema: { tags, summary: 'Get a run with its steps and logs', params: UuidParams } },
      async (request) => {
        const run = findRun(request.caller, request.params.uuid);
        return { data: runView(run, { logs: engine.store.runs.logs(run.id), steps: engine.store.runs.steps(run.id) }), meta: {} };
      },
    );

    app.post<{ Params: { uuid: string } }>(
      '/v1/workflow-runs/:uuid/cancel',
      {
        config: { scopes: ['workflows:execute'] },
        schema: { tags, summary: 'Cancel a queued or running run', params: UuidParams },
      },
      async (request, reply) => {
        const run = findRun(request.caller, request.params.uuid);
        if (!engine.scheduler.cancel(run.id, callerLabel(request.caller))) {
          throw new DomainError('conflict', 'RUN_ALREADY_FINISHED', `The run already ended with status ${run.status}.`, {
            status: run.status,
          });
        }
        return reply.code(202).send({ data: runView(findRun(request.caller, run.uuid)), meta: {} });
      },
    );
  };
}
