import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine.ts';
import { executeWorkflow } from '../../runs/execute.ts';
import { ExecuteBody, UuidParams } from '../schemas.ts';

export function executeRoutes(engine: Engine) {
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
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        const { statusCode, body } = await executeWorkflow(
          engine,
          request.caller,
          request.params.uuid,
          request.body,
          Array.isArray(header) ? header[0] : header,
        );
        return reply.code(statusCode).send(body);
      },
    );
  };
}
