import type { FastifyInstance } from 'fastify';
import type { ApprovalStatus } from '../../../../shared/domain.ts';
import type { Engine } from '../../engine.ts';
import { callerLabel, ownerFilter } from '../../keys/access.ts';
import { ApprovalListQuery, DecisionBody, UuidParams } from '../schemas.ts';
import { approvalView, pageMeta, pageWindow } from '../views.ts';
import { approvalWarnings } from '../../workflows/index.ts';
import type { Approval } from '../../db/index.ts';

const tags = ['approvals'];

export function approvalRoutes(engine: Engine) {
  const view = (approval: Approval) => approvalView(approval, approvalWarnings(engine, approval));
  return async function approvals(app: FastifyInstance) {
    app.get<{ Querystring: ApprovalListQuery }>(
      '/v1/workflow-approvals',
      {
        config: { scopes: ['workflows:read'] },
        schema: { tags, summary: 'List approval requests: pending first, then decided ones', querystring: ApprovalListQuery },
      },
      async (request) => {
        const { page, pageSize, limit, offset } = pageWindow(request.query);
        const workflowId = request.query.workflow_uuid
          ? (engine.store.workflows.idOf(request.query.workflow_uuid) ?? -1)
          : undefined;
        const { items, total } = engine.store.approvals.list({
          status: request.query.status?.split(',') as ApprovalStatus[] | undefined,
          workflow_id: workflowId,
          trigger_key_id: ownerFilter(request.caller),
          limit,
          offset,
        });
        return { data: items.map(view), meta: pageMeta(total, page, pageSize) };
      },
    );

    // Also open to the key that asked for it (scope workflows:execute), so an agent can wait for
    // its outcome without being able to read anyone else's requests.
    app.get<{ Params: { uuid: string } }>(
      '/v1/workflow-approvals/:uuid',
      {
        config: { scopes: [] },
        schema: { tags, summary: 'Get an approval request and, once approved, its run', params: UuidParams },
      },
      async (request) => ({ data: view(engine.approvals.getFor(request.caller, request.params.uuid)), meta: {} }),
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post<{ Params: { uuid: string }; Body: { reason?: string } | null }>(
        `/v1/workflow-approvals/:uuid/${decision}`,
        {
          config: { scopes: ['approvals:write'] },
          schema: {
            tags,
            summary: decision === 'approve' ? 'Approve: queues one run of the pinned version' : 'Reject (the reason is kept)',
            params: UuidParams,
            body: DecisionBody,
          },
        },
        async (request) => {
          const approval = engine.approvals.decide(
            request.params.uuid,
            decision,
            callerLabel(request.caller),
            request.body?.reason ?? null,
          );
          return { data: view(approval), meta: {} };
        },
      );
    }
  };
}
