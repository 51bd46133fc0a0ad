import type { FastifyInstance } from 'fastify';
import type { SecretService } from '../../secrets/index.ts';
import type { SettingsService } from '../../settings/index.ts';
import { One, Settings, SettingsPatch, errorResponses } from '../../../../shared/api/index.ts';

const tags = ['settings'];

export function settingsRoutes(deps: { settings: SettingsService; secrets: Pick<SecretService, 'keychainStatus'>; dataDir: string }) {
  const { settings, secrets, dataDir } = deps;
  return async function settingsPlugin(app: FastifyInstance) {
    app.get(
      '/v1/settings',
      {
        config: { scopes: ['workflows:read'] },
        schema: {
          tags,
          summary: 'Read settings',
          description: 'keychain: whether the OS keychain can be used (as in GET /v1/secrets meta.keychain).',
          response: { 200: One(Settings), ...errorResponses() },
        },
      },
      async () => ({ data: { ...settings.get(), data_dir: dataDir, keychain: secrets.keychainStatus }, meta: {} }),
    );

    app.patch<{ Body: SettingsPatch }>(
      '/v1/settings',
      { config: { scopes: ['admin'] }, schema: { tags, summary: 'Change settings', body: SettingsPatch, response: { 200: One(Settings), ...errorResponses() } } },
      async (request) => ({ data: { ...settings.update(request.body), data_dir: dataDir, keychain: secrets.keychainStatus }, meta: {} }),
    );
  };
}
