// The engine's own settings (src/main/engine/api/routes/settings.ts). Notifier, integration and
// code generation settings have their own files.
import { Type, type Static } from 'typebox';
import { KeychainStatus } from './secrets.ts';

const settingsFields = {
  execute_rate_limit_per_minute: Type.Integer({ minimum: 0, maximum: 100_000, description: '0 turns the limit off.' }),
  run_concurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
  execution_paused: Type.Boolean(),
  max_queued_runs: Type.Integer({
    minimum: 10,
    maximum: 1_000_000,
    description: 'Runs that may wait; past it execute answers 503 QUEUE_FULL. One key may hold half.',
  }),
  max_pending_approvals_per_key: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: "A key's requests that may wait for approval at once; past it execute answers 429 APPROVALS_PENDING_LIMIT.",
  }),
};

export const SettingsPatch = Type.Partial(Type.Object(settingsFields), { additionalProperties: false, minProperties: 1 });
export type SettingsPatch = Static<typeof SettingsPatch>;

export const Settings = Type.Object({
  ...settingsFields,
  data_dir: Type.String({ description: 'The folder Vigil keeps its database in.' }),
  keychain: KeychainStatus,
});
export type Settings = Static<typeof Settings>;
