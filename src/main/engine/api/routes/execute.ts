import type { FastifyInstance } from 'fastify';
import type { ExecutionService, Reservation } from '../../runs/index.ts';
import { Answer, ExecuteAccepted, ExecuteBody, ExecuteMeta, ExecutePlan, UuidParams, errorResponses } from '../../../../shared/api/index.ts';

const EXECUTE_FIELDS = new Set(Object.keys(ExecuteBody.properties));

export function executeRoutes(execution: ExecutionService) {
  const reservations = new WeakMap<object, Reservation>();
  return async function execute(app: FastifyInstance) {
    app.post<{ Params: { uuid: string }; Body: ExecuteBody; Headers: { 'idempotency-key'?: string } }>(
      '/v1/workflows/:uuid/execute',
      {
        // Agents' first call after a start: its checks are compiled before it comes.
        config: { scopes: ['workflows:execute'], compileAfterListen: true },
        // After the key check (the server's onRequest), before the body is parsed and validated.
        preParsing: async (request, reply, payload) => {
          if (request.headers['idempotency-key'] !== undefined) return payload;
          // Whatever ends the exchange (an answer, an error, a closed connection) ends its wait, and
          // gives back a place it waited for and did not turn into a run.
          const whenClosed = (then: () => void) => (reply.raw.closed ? then() : reply.raw.once('close', then));
          const admitted = await execution.admitBeforeBody(request.caller, (request.params as { uuid: string }).uuid, whenClosed);
          if ('refusal' in admitted) throw admitted.refusal;
          const { reservation } = admitted;
          if (reservation) {
            reservations.set(request, reservation);
            whenClosed(() => reservation.cancel());
          }
          return payload;
        },
        schema: {
          tags: ['execution'],
          summary: 'Execute a workflow (202: queued, or pending approval)',
          description:
            'The trigger source is the calling key\'s type. Agent keys must send reason and confidence. ' +
            'indicator_type and indicator_value are required unless the workflow\'s type is scheduled. ' +
            'Send an Idempotency-Key header to make retries safe for 24 hours. `input` is accepted as another name for ' +
            '`context`; fields the endpoint does not know are listed in `meta.ignored_fields`.',
          params: UuidParams,
          body: ExecuteBody,
          response: {
            200: Answer(ExecutePlan, ExecuteMeta, 'A dry run: what would happen, nothing stored.'),
            202: Answer(ExecuteAccepted, ExecuteMeta, 'Queued, or waiting for an approval.'),
            ...errorResponses(409, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        const { outcome, answer } = await execution.execute(request.caller, request.params.uuid, request.body, {
          idempotencyKey: Array.isArray(header) ? header[0] : header,
          reservation: reservations.get(request),
        });
        // Fields another API would act on (Truthlocks' `parameters`, say) are named, not dropped unseen.
        const ignored = Object.keys(request.body).filter((field) => !EXECUTE_FIELDS.has(field));
        const meta = ignored.length > 0 ? { ...answer.meta, ignored_fields: ignored } : answer.meta;
        // A dry run's plan is an answer (200); anything else was accepted for later (202).
        return reply.code(outcome === 'planned' ? 200 : 202).send({ ...answer, meta });
      },
    );
  };
}
