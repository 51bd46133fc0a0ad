import type { FastifyInstance } from 'fastify';
import type { KeyService } from '../../keys/index.ts';
import { keyView } from '../../keys/views.ts';
import { Type } from 'typebox';
import { Answer, ApiKey, CountMeta, CreatedApiKey, KeyCreate, One, UuidParams, errorResponses } from '../../../../shared/api/index.ts';

const admin = { scopes: ['admin'] };
const tags = ['api keys'];

export function keyRoutes(keys: KeyService) {
  return async function keysPlugin(app: FastifyInstance) {
    app.get(
      '/v1/api-keys',
      { config: admin, schema: { tags, summary: 'List API keys (never their secrets)', response: { 200: Answer(Type.Array(ApiKey), CountMeta), ...errorResponses() } } },
      async () => {
        const list = keys.list().map(keyView);
        return { data: list, meta: { total: list.length } };
      },
    );

    // Any valid key may ask who it is: a client given a key (the desktop app connecting to a team
    // server) checks what it was given, and the answer holds nothing a caller did not already have.
    app.get(
      '/v1/api-keys/current',
      {
        config: { scopes: [] },
        schema: { tags, summary: 'The key this request is made with (never its secret)', response: { 200: One(ApiKey), ...errorResponses() } },
      },
      async (request) => ({ data: keyView(request.caller), meta: {} }),
    );

    app.post<{ Body: KeyCreate }>(
      '/v1/api-keys',
      {
        config: admin,
        schema: { tags, summary: 'Create an API key; the key is in this response only', body: KeyCreate, response: { 201: One(CreatedApiKey), ...errorResponses() } },
      },
      async (request, reply) => {
        const { key, secret } = keys.create(request.body);
        return reply.code(201).send({ data: { ...keyView(key), key: secret }, meta: {} });
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/api-keys/:uuid',
      { config: admin, schema: { tags, summary: 'Revoke an API key', params: UuidParams, response: { 200: One(ApiKey), ...errorResponses() } } },
      async (request) => ({ data: keyView(keys.revoke(request.params.uuid)), meta: {} }),
    );
  };
}
