import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine.ts';
import { KeyCreate, UuidParams } from '../schemas.ts';
import { keyView } from '../views.ts';

const admin = { scopes: ['admin'] };
const tags = ['api keys'];

export function keyRoutes(engine: Engine) {
  return async function keys(app: FastifyInstance) {
    app.get(
      '/v1/api-keys',
      { config: admin, schema: { tags, summary: 'List API keys (never their secrets)' } },
      async () => {
        const keys = engine.store.keys.list().map(keyView);
        return { data: keys, meta: { total: keys.length } };
      },
    );

    app.post<{ Body: KeyCreate }>(
      '/v1/api-keys',
      { config: admin, schema: { tags, summary: 'Create an API key; the key is in this response only', body: KeyCreate } },
      async (request, reply) => {
        const { key, secret } = engine.keys.create(request.body);
        return reply.code(201).send({ data: { ...keyView(key), key: secret }, meta: {} });
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/api-keys/:uuid',
      { config: admin, schema: { tags, summary: 'Revoke an API key', params: UuidParams } },
      async (request) => ({ data: keyView(engine.keys.revoke(request.params.uuid)), meta: {} }),
    );
  };
}
