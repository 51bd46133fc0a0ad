import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { NotJson, errorResponses } from '../../../../shared/api/index.ts';
import { EVENT_TYPES } from '../../../../shared/domain.ts';
import type { EngineEvent, EventBus } from '../../events/bus.ts';
import type { ApiKey } from '../../db/index.ts';
import type { KeyService } from '../../keys/index.ts';
import { hasScopes, seesEverything } from '../../keys/access.ts';
import { EVENT_STREAM_HEADERS, openEventStream } from '../sse.ts';

/**
 * Human keys that may read workflows hear everything. An agent key hears only about the runs and
 * approvals it triggered (and, with read scope, that the workflow list changed), so one agent never
 * learns another's run ids, statuses or approvals.
 */
function visible(event: EngineEvent, caller: ApiKey): boolean {
  if (event.type === 'workflow.changed') return hasScopes(caller, ['workflows:read']);
  if (seesEverything(caller)) return hasScopes(caller, ['workflows:read']);
  return event.owner === caller.id;
}

/**
 * `GET /v1/events`: Server-Sent Events for the console, the tray and notifications. Each event has
 * an id; a client reconnecting with Last-Event-ID first receives what it missed (from a bounded
 * in-memory history) and then the live stream.
 */
export function eventRoutes(bus: EventBus, keys: Pick<KeyService, 'watch'>) {
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
          response: {
            200: NotJson('text/event-stream', `Events, each with an id: ${EVENT_TYPES.join(', ')}.`),
            ...errorResponses(),
          },
        },
      },
      (request, reply) => {
        // HEAD gets the stream's headers and an end: a HEAD answer never carries the events, and
        // one left open never even sent its headers while it held a subscription.
        if (request.method === 'HEAD') {
          void reply.code(200).headers(EVENT_STREAM_HEADERS).send();
          return;
        }
        const caller = request.caller;
        const lastId = Number(request.headers['last-event-id'] ?? request.query.last_event_id ?? 0) || 0;
        const stream = openEventStream(reply, 'retry: 2000\n: connected\n\n');
        const send = (event: EngineEvent) => {
          if (visible(event, caller)) stream.send(event.type, { ...event.data, at: event.at }, event.id);
        };
        for (const event of bus.since(lastId)) send(event);
        const unsubscribe = bus.subscribe(send);
        // A revoked or expired key stops hearing events within seconds; reconnecting then gets a 401.
        const unwatch = keys.watch(caller.id, () => stream.end());
        stream.onClose(() => {
          unsubscribe();
          unwatch();
        });
      },
    );
  };
}
