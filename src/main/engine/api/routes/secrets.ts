import type { FastifyInstance } from 'fastify';
import type { SecretService } from '../../secrets/index.ts';
import { Type } from 'typebox';
import { Answer, One, Secret, SecretDeleted, SecretListMeta, SecretParams, SecretPut, SecretSet, errorResponses } from '../../../../shared/api/index.ts';

const tags = ['secrets'];

/** Values go to the OS keychain; SQLite and responses only ever see names. */
export function secretRoutes(secrets: SecretService) {
  return async function secretsPlugin(app: FastifyInstance) {
    app.get(
      '/v1/secrets',
      {
        config: { scopes: ['workflows:read'] },
        schema: {
          tags,
          summary: 'List secret names and the workflows that use them',
          description:
            'meta.keychain says whether the OS keychain, where the values live, can be used: {state: "available"}, ' +
            '{state: "checking"} just after start, or {state: "unavailable", reason, why, fix}.',
          response: { 200: Answer(Type.Array(Secret), SecretListMeta), ...errorResponses() },
        },
      },
      async () => {
        const data = secrets.list();
        return { data, meta: { total: data.length, keychain: secrets.keychainStatus } };
      },
    );

    app.put<{ Params: { name: string }; Body: { value: string } }>(
      '/v1/secrets/:name',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags,
          summary: 'Set or replace a secret (stored in the OS keychain)',
          params: SecretParams,
          body: SecretPut,
          response: { 200: One(SecretSet), ...errorResponses(502, 503) },
        },
      },
      async (request) => ({ data: await secrets.set(request.params.name, request.body.value), meta: {} }),
    );

    app.delete<{ Params: { name: string } }>(
      '/v1/secrets/:name',
      {
        config: { scopes: ['workflows:write'] },
        schema: { tags, summary: 'Delete a secret', params: SecretParams, response: { 200: One(SecretDeleted), ...errorResponses(502, 503) } },
      },
      async (request, reply) => reply.code(200).send({ data: await secrets.delete(request.params.name), meta: {} }),
    );
  };
}
