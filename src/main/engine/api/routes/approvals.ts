import type { FastifyInstance } from 'fastify';
import type { ApprovalQuery, ApprovalService } from '../../approvals/index.ts';
import { callerLabel } from '../../keys/access.ts';
import { pageAnswer } from '../answers.ts';
import { Approval, ApprovalListQuery, DecisionBody, One, PageOf, UuidParams, errorResponses } from '../../../../shared/api/index.ts';

const tags = ['approvals'];

export function approvalRoutes(approvals: ApprovalService) {
  return async function approvalsPlugin(app: FastifyInstance) {
    app.get<{ Querystring: ApprovalQuery }>(
      '/v1/workflow-approvals',
      {
        config: { scopes: ['workflows:read'] },
        schema: {
          tags,
          summary: 'List approval requests: pending first, then decided ones',
          querystring: ApprovalListQuery,
          response: { 200: PageOf(Approval), ...errorResponses() },
        },
      },
      async (request) => pageAnswer(approvals.list(request.caller, request.query)),
    );

    // Also open to the key that asked for it (scope workflows:execute), so an agent can wait for
    // its outcome without being able to read anyone else's requests.
    app.get<{ Params: { uuid: string } }>(
      '/v1/workflow-approvals/:uuid',
      {
        config: { scopes: [] },
        schema: { tags, summary: 'Get an approval request and, once approved, its run', params: UuidParams, response: { 200: One(Approval), ...errorResponses() } },
      },
      async (request) => ({ data: approvals.view(approvals.getFor(request.caller, request.params.uuid)), meta: {} }),
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
            response: { 200: One(Approval), ...errorResponses(409) },
          },
        },
        async (request) => {
          const approval = approvals.decide(request.params.uuid, decision, callerLabel(request.caller), request.body?.reason ?? null);
          return { data: approvals.view(approval), meta: {} };
        },
      );
    }
  };
}
