import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { EngineEvent } from '../../events/bus.ts';
import type { Engine } from '../../engine.ts';
import { hasScopes } from '../auth.ts';

const HEARTBEAT_MS = 15_000;

/** Approval events carry workflow names etc. only to keys that may read approvals; agents see their own. */
function visible(event: EngineEvent, caller: { id: number; scopes: string[] }, engine: Engine): boolean {
  if (hasScopes(caller as never, ['workflows:read'])) return true;
  const approvalUuid = event.data.approval_uuid;
  if (typeof approvalUuid === 'string') {
    return engine.store.approvals.get(approvalUuid)?.trigger_key_id === caller.id;
  }
  return false;
}

/**
 * `GET /v1/events`: Server-Sent Events for the console, the tray and notifications. Each event has
 * an id; a client reconnecting with Last-Event-ID first receives what it missed (from a bounded
 * in-memory history) and then the live stream.
 */
export function eventRoutes(engine: Engine) {
  return async function events(app: FastifyInstance) {
    app.get<{ Headers: { 'last-event-id'?: string }; Querystring: { last_event_id?: number } }>(
      '/v1/events',
      {
        config: { scopes: [] },
        schema: {
          tags: ['events'],
          summary: 'Live run and approval events (text/event-stream)',
          querystring: Type.Object(
            { last_event_id: Type.Optional(Type.Integer({ minimum: 0, description: 'Same as the Last-Event-ID header.' })) },
            { additionalProperties: false },
          ),
        },
      },
      (request, reply) => {
        const caller = request.caller;
        const lastId = Number(request.headers['last-event-id'] ?? request.query.last_event_id ?? 0) || 0;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        const send = (event: EngineEvent) => {
          if (!visible(event, caller, engine)) return;
          res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event.data, at: event.at })}\n\n`);
        };
        res.write(`retry: 2000\n: connected\n\n`);
        for (const event of engine.bus.since(lastId)) send(event);
        const unsubscribe = engine.bus.subscribe(send);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const close = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        request.raw.on('close', close);
        res.on('error', close);
      },
    );
  };
}
