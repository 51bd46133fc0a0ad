import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine.ts';
import { SettingsPatch } from '../schemas.ts';

const tags = ['settings'];

export function settingsRoutes(engine: Engine) {
  return async function settings(app: FastifyInstance) {
    app.get(
      '/v1/settings',
      {
        config: { scopes: ['workflows:read'] },
        schema: { tags, summary: 'Read settings', description: 'keychain: whether the OS keychain can be used (as in GET /v1/secrets meta.keychain).' },
      },
      async () => ({ data: { ...engine.settings.get(), data_dir: engine.dataDir, keychain: engine.keychain.status }, meta: {} }),
    );

    app.patch<{ Body: SettingsPatch }>(
      '/v1/settings',
      { config: { scopes: ['admin'] }, schema: { tags, summary: 'Change settings', body: SettingsPatch } },
      async (request) => ({ data: { ...engine.settings.update(request.body), data_dir: engine.dataDir, keychain: engine.keychain.status }, meta: {} }),
    );
  };
}
