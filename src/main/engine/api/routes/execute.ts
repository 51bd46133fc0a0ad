import type { FastifyInstance } from 'fastify';
import type { ExecutionService } from '../../runs/index.ts';
import { ExecuteAccepted, ExecuteBody, ExecutePlan, One, UuidParams, errorResponses } from '../../../../shared/api/index.ts';

export function executeRoutes(execution: ExecutionService) {
  return async function execute(app: FastifyInstance) {
    app.post<{ Params: { uuid: string }; Body: ExecuteBody; Headers: { 'idempotency-key'?: string } }>(
      '/v1/workflows/:uuid/execute',
      {
        config: { scopes: ['workflows:execute'] },
        schema: {
          tags: ['execution'],
          summary: 'Execute a workflow (202: queued, or pending approval)',
          description:
            'The trigger source is the calling key\'s type. Agent keys must send reason and confidence. ' +
            'Send an Idempotency-Key header to make retries safe for 24 hours.',
          params: UuidParams,
          body: ExecuteBody,
          response: {
            200: One(ExecutePlan, 'A dry run: what would happen, nothing stored.'),
            202: One(ExecuteAccepted, 'Queued, or waiting for an approval.'),
            ...errorResponses(409, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        const { outcome, answer } = await execution.execute(request.caller, request.params.uuid, request.body, {
          idempotencyKey: Array.isArray(header) ? header[0] : header,
        });
        // A dry run's plan is an answer (200); anything else was accepted for later (202).
        return reply.code(outcome === 'planned' ? 200 : 202).send(answer);
      },
    );
  };
}
