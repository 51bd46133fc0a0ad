import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine.ts';
import { DomainError, invalid } from '../../errors.ts';
import { SecretParams, SecretPut } from '../schemas.ts';
import { iso } from '../../util/time.ts';

const tags = ['secrets'];

/** Values go to the OS keychain; SQLite and responses only ever see names. */
export function secretRoutes(engine: Engine) {
  const { store } = engine;

  function withKeychain<T>(work: () => Promise<T>): Promise<T> {
    return engine.keychain.observe(work()).catch((error: Error & { code?: string }) => {
      if (error.code === 'SECRET_INVALID') throw invalid([{ field: 'body.value', message: error.message }], error.message);
      throw error;
    });
  }

  return async function secrets(app: FastifyInstance) {
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
        },
      },
      async () => {
        const names = new Set(store.secretNames.list().map((secret) => secret.name));
        const rows = store.secretNames.list().map((secret) => ({
          ...secret,
          set: true,
          used_by: store.workflows.usingSecret(secret.name),
        }));
        // Secrets a workflow declares but nobody has set yet: the analyst needs to see those too.
        const declared = store.workflows.declaredSecretNames().filter((name) => !names.has(name));
        const missing = declared.map((name) => ({
          name,
          created_at: null,
          updated_at: null,
          set: false,
          used_by: store.workflows.usingSecret(name),
        }));
        const data = [...rows, ...missing].sort((a, b) => a.name.localeCompare(b.name));
        return { data, meta: { total: data.length, keychain: engine.keychain.status } };
      },
    );

    app.put<{ Params: { name: string }; Body: { value: string } }>(
      '/v1/secrets/:name',
      {
        config: { scopes: ['workflows:write'] },
        schema: { tags, summary: 'Set or replace a secret (stored in the OS keychain)', params: SecretParams, body: SecretPut },
      },
      async (request) => {
        const { name } = request.params;
        await withKeychain(() => engine.secrets.set(name, request.body.value));
        store.secretNames.record(name, iso(engine.clock.now()));
        return { data: { name, set: true, used_by: store.workflows.usingSecret(name) }, meta: {} };
      },
    );

    app.delete<{ Params: { name: string } }>(
      '/v1/secrets/:name',
      {
        config: { scopes: ['workflows:write'] },
        schema: { tags, summary: 'Delete a secret', params: SecretParams },
      },
      async (request, reply) => {
        const { name } = request.params;
        const known = store.secretNames.has(name);
        const removed = await withKeychain(() => engine.secrets.delete(name));
        if (!known && !removed) throw new DomainError('not_found', 'SECRET_NOT_FOUND', `No secret named ${name}.`);
        store.secretNames.delete(name);
        return reply.code(200).send({ data: { name, deleted: true, used_by: store.workflows.usingSecret(name) }, meta: {} });
      },
    );
  };
}
