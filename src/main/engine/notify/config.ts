/**
 * Notifier configuration: non-secret settings in the settings table (keys `notifiers.*`), tokens
 * and webhook URLs in Vigil's credential store (the OS keychain). The API route and the `vigil
 * notifiers` command both change it through `NotifierConfigStore`, so both apply the same rules.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { NotifierSettingsUpdate, SLACK_MODES, type SlackMode } from '../../../shared/api/notifiers.ts';
import type { SettingsRepository } from '../db/misc.ts';
import type { SecretStore } from '../secrets/index.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const NOTIFIER_CHANNELS = ['slack', 'teams', 'desktop'] as const;
export type NotifierChannel = (typeof NOTIFIER_CHANNELS)[number];

export { SLACK_MODES, type SlackMode };

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export interface SlackSettings {
  enabled: boolean;
  /** `bot`: chat.postMessage with the bot token (messages can be updated); `webhook`: an incoming webhook. */
  mode: SlackMode;
  /** Channel for workflows without their own entry in `workflow_channels` (bot mode). */
  default_channel: string | null;
  /** Workflow uuid → channel (bot mode). */
  workflow_channels: Record<string, string>;
  /** Slack user ids allowed to press Approve / Reject. Empty: nobody may decide from Slack. */
  approvers: string[];
  /** Receive button clicks over Socket Mode (needs the app-level token). */
  socket_mode: boolean;
  /** Also post a message when a run fails or times out. */
  notify_run_failed: boolean;
  /** Slack's Web API base URL: slack.com, or GovSlack's slack-gov.com. */
  api_url: string;
}

export interface TeamsSettings {
  enabled: boolean;
  notify_run_failed: boolean;
}

export interface DesktopSettings {
  enabled: boolean;
  /** Also notify when a run fails or times out. */
  run_failed: boolean;
}

export interface NotifierSettings {
  slack: SlackSettings;
  teams: TeamsSettings;
  desktop: DesktopSettings;
}

export const DEFAULT_NOTIFIER_SETTINGS: NotifierSettings = {
  slack: {
    enabled: false,
    mode: 'bot',
    default_channel: null,
    workflow_channels: {},
    approvers: [],
    socket_mode: false,
    notify_run_failed: false,
    api_url: DEFAULT_SLACK_API_URL,
  },
  teams: { enabled: false, notify_run_failed: false },
  desktop: { enabled: true, run_failed: true },
};

/**
 * Names under which the secrets live in the credential store. Webhook URLs are credentials too:
 * anyone holding one can post into the channel.
 */
export const CREDENTIALS = {
  slack_bot_token: 'NOTIFIER_SLACK_BOT_TOKEN',
  slack_app_token: 'NOTIFIER_SLACK_APP_TOKEN',
  slack_signing_secret: 'NOTIFIER_SLACK_SIGNING_SECRET',
  slack_webhook_url: 'NOTIFIER_SLACK_WEBHOOK_URL',
  teams_webhook_url: 'NOTIFIER_TEAMS_WEBHOOK_URL',
} as const;
type CredentialKey = keyof typeof CREDENTIALS;

export interface NotifierCredentials {
  slack_bot_token: string | null;
  slack_app_token: string | null;
  slack_signing_secret: string | null;
  slack_webhook_url: string | null;
  teams_webhook_url: string | null;
}

/** Everything a notifier needs to send: settings plus secret values. Never leaves the engine. */
export interface NotifierConfig {
  settings: NotifierSettings;
  credentials: NotifierCredentials;
}

const SETTINGS_KEYS: Record<NotifierChannel, string> = {
  slack: 'notifiers.slack',
  teams: 'notifiers.teams',
  desktop: 'notifiers.desktop',
};

// The update body (PUT /v1/settings/notifiers, `vigil notifiers set-*`) is part of the API contract.
export { NotifierSettingsUpdate };

export interface ConfigProblem {
  field: string;
  message: string;
}

/** The update breaks a rule; every problem is listed. */
export class NotifierConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`The notifier settings are not valid: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
    this.name = 'NotifierConfigError';
    this.problems = problems;
  }
}

let compiled: ReturnType<Ajv['compile']> | null = null;

/**
 * Schema check for callers that do not go through the API's validator (the CLI). The API validates
 * the same schema itself and answers 422 in its usual shape.
 */
export function schemaProblems(update: unknown): ConfigProblem[] {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(NotifierSettingsUpdate);
  }
  if (compiled(update)) return [];
  return (compiled.errors ?? []).map((error) => ({
    field: error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)',
    message: error.keyword === 'additionalProperties' ? `unknown field ${String(error.params.additionalProperty)}` : (error.message ?? error.keyword),
  }));
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Notification endpoints must be https; plain http only to this machine (a local relay or a test
 * receiver), so a token or a decide link never crosses a network unencrypted.
 */
export function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return 'must be an https:// URL (http:// only to 127.0.0.1 or localhost)';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick<T extends object>(defaults: T, stored: unknown): T {
  if (!isObject(stored)) return { ...defaults };
  const result = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const value = stored[key as string];
    // A stored value of the wrong type (a hand-edited row) falls back to the default.
    if (value !== undefined && typeof value === typeof defaults[key]) result[key] = value as T[keyof T];
    else if (value !== undefined && defaults[key] === null && typeof value === 'string') result[key] = value as T[keyof T];
  }
  return result;
}

/** Reads and changes the notifier configuration; shared by the engine and the CLI. */
export class NotifierConfigStore {
  private readonly settingsRepo: SettingsRepository;
  private readonly credentialStore: SecretStore;

  constructor(settings: SettingsRepository, credentials: SecretStore) {
    this.settingsRepo = settings;
    this.credentialStore = credentials;
  }

  settings(): NotifierSettings {
    const stored = this.settingsRepo.read();
    const slack = pick(DEFAULT_NOTIFIER_SETTINGS.slack, stored[SETTINGS_KEYS.slack]);
    slack.approvers = Array.isArray(slack.approvers) ? slack.approvers.filter((id) => typeof id === 'string') : [];
    slack.workflow_channels = isObject(slack.workflow_channels)
      ? Object.fromEntries(Object.entries(slack.workflow_channels).filter(([, channel]) => typeof channel === 'string'))
      : {};
    return {
      slack,
      teams: pick(DEFAULT_NOTIFIER_SETTINGS.teams, stored[SETTINGS_KEYS.teams]),
      desktop: pick(DEFAULT_NOTIFIER_SETTINGS.desktop, stored[SETTINGS_KEYS.desktop]),
    };
  }

  /** Secret values from the credential store; rejects when the keychain cannot be used. */
  async credentials(): Promise<NotifierCredentials> {
    const keys = Object.keys(CREDENTIALS) as CredentialKey[];
    const values = await Promise.all(keys.map((key) => this.credentialStore.get(CREDENTIALS[key])));
    return Object.fromEntries(keys.map((key, i) => [key, values[i] ?? null])) as unknown as NotifierCredentials;
  }

  async load(): Promise<NotifierConfig> {
    return { settings: this.settings(), credentials: await this.credentials() };
  }

  /**
   * Applies a partial update: fields left out keep their value; a secret given as null is removed.
   * The result must be usable (an enabled notifier has what it needs to send), otherwise nothing
   * is changed and every problem is reported. Secrets are written before settings, so a keychain
   * failure leaves the settings as they were.
   */
  async update(update: NotifierSettingsUpdate): Promise<NotifierConfig> {
    const schema = schemaProblems(update);
    if (schema.length > 0) throw new NotifierConfigError(schema);
    const current = await this.load();
    const { slack = {}, teams = {}, desktop = {} } = update;
    const { bot_token, app_token, signing_secret, webhook_url: slackWebhook, ...slackSettings } = slack;
    const { webhook_url: teamsWebhook, ...teamsSettings } = teams;

    const next: NotifierSettings = {
      slack: { ...current.settings.slack, ...slackSettings },
      teams: { ...current.settings.teams, ...teamsSettings },
      desktop: { ...current.settings.desktop, ...desktop },
    };
    if (next.slack.api_url && !next.slack.api_url.endsWith('/')) next.slack.api_url += '/';
    const secretChanges: Partial<Record<CredentialKey, string | null>> = {};
    if (bot_token !== undefined) secretChanges.slack_bot_token = bot_token;
    if (app_token !== undefined) secretChanges.slack_app_token = app_token;
    if (signing_secret !== undefined) secretChanges.slack_signing_secret = signing_secret;
    if (slackWebhook !== undefined) secretChanges.slack_webhook_url = slackWebhook;
    if (teamsWebhook !== undefined) secretChanges.teams_webhook_url = teamsWebhook;
    const credentials: NotifierCredentials = { ...current.credentials, ...secretChanges };

    const problems = usabilityProblems(next, credentials);
    if (problems.length > 0) throw new NotifierConfigError(problems);

    for (const [key, value] of Object.entries(secretChanges) as Array<[CredentialKey, string | null]>) {
      if (value === null) await this.credentialStore.delete(CREDENTIALS[key]);
      else await this.credentialStore.set(CREDENTIALS[key], value);
    }
    const writes: Record<string, unknown> = {};
    if (update.slack) writes[SETTINGS_KEYS.slack] = next.slack;
    if (update.teams) writes[SETTINGS_KEYS.teams] = next.teams;
    if (update.desktop) writes[SETTINGS_KEYS.desktop] = next.desktop;
    this.settingsRepo.write(writes);
    return { settings: next, credentials };
  }
}

/** What an enabled notifier lacks, field by field (paths as in the update body). */
export function usabilityProblems(settings: NotifierSettings, credentials: NotifierCredentials): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const urlProblem = (field: string, value: string | null) => {
    const problem = value === null ? null : endpointProblem(value);
    if (problem) problems.push({ field, message: problem });
  };
  urlProblem('slack.api_url', settings.slack.api_url);
  urlProblem('slack.webhook_url', credentials.slack_webhook_url);
  urlProblem('teams.webhook_url', credentials.teams_webhook_url);
  const { slack, teams } = settings;
  if (slack.enabled) {
    if (slack.mode === 'bot' && !credentials.slack_bot_token) {
      problems.push({ field: 'slack.bot_token', message: 'is required to post with chat.postMessage (mode bot)' });
    }
    if (slack.mode === 'bot' && !slack.default_channel && Object.keys(slack.workflow_channels).length === 0) {
      problems.push({ field: 'slack.default_channel', message: 'is required in mode bot (or give workflow_channels)' });
    }
    if (slack.mode === 'webhook' && !credentials.slack_webhook_url) {
      problems.push({ field: 'slack.webhook_url', message: 'is required in mode webhook' });
    }
    if (slack.socket_mode && !credentials.slack_app_token) {
      problems.push({ field: 'slack.app_token', message: 'is required for Socket Mode (an app-level token, xapp-…)' });
    }
  }
  if (teams.enabled && !credentials.teams_webhook_url) {
    problems.push({ field: 'teams.webhook_url', message: 'is required to post to Teams' });
  }
  return problems;
}

/** Advice shown with the settings: configurations that work but will not do what one expects. */
export function configWarnings(settings: NotifierSettings, credentials: NotifierCredentials): string[] {
  const warnings: string[] = [];
  const { slack } = settings;
  if (slack.enabled) {
    if (slack.approvers.length === 0) {
      warnings.push('Slack: no approver user ids are set, so every Approve/Reject click in Slack is refused.');
    }
    if (!slack.socket_mode && !credentials.slack_signing_secret) {
      warnings.push(
        'Slack: neither Socket Mode nor a signing secret (HTTP callback) is set, so button clicks cannot reach Vigil; only the browser link works.',
      );
    }
    if (slack.mode === 'webhook' && Object.keys(slack.workflow_channels).length > 0) {
      warnings.push('Slack: workflow_channels apply to mode bot only; an incoming webhook always posts to its own channel.');
    }
  }
  return warnings;
}
