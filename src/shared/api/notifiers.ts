// Notifier settings (src/main/engine/api/routes/notifiers.ts): secrets go in, only "set or not"
// comes out. The update body is also what `vigil notifiers set-*` checks (engine/notify/config.ts).
import { Type, type Static } from 'typebox';
import { Closed, DateTime, Enum, Nullable } from './common.ts';

export const SLACK_MODES = ['bot', 'webhook'] as const;
export type SlackMode = (typeof SLACK_MODES)[number];

// ─── requests ───────────────────────────────────────────────────────────────────────────────

/** A channel id (C0123ABCD) or name (#soc-alerts). */
const Channel = Type.String({
  minLength: 1,
  maxLength: 81,
  pattern: '^#?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$',
  description: 'A channel id (C0123ABCD) or name (#soc-alerts).',
});
const SlackUserId = Type.String({ pattern: '^[UW][A-Z0-9]{2,30}$', description: 'A Slack user id (U0123ABCD).' });
const Url = Type.String({ format: 'uri', maxLength: 2000 });
const orNull = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const WorkflowChannels = Type.Unsafe<Record<string, string>>({
  type: 'object',
  propertyNames: { format: 'uuid' },
  additionalProperties: Channel,
  maxProperties: 1000,
  description: 'Workflow uuid → channel. Replaces the whole map.',
});

export const NotifierSettingsUpdate = Type.Object(
  {
    slack: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          mode: Type.Optional(Enum(SLACK_MODES)),
          default_channel: Type.Optional(orNull(Channel)),
          workflow_channels: Type.Optional(WorkflowChannels),
          approvers: Type.Optional(Type.Array(SlackUserId, { uniqueItems: true, maxItems: 200 })),
          socket_mode: Type.Optional(Type.Boolean()),
          notify_run_failed: Type.Optional(Type.Boolean()),
          api_url: Type.Optional(Url),
          bot_token: Type.Optional(
            orNull(Type.String({ pattern: '^xoxb-[A-Za-z0-9-]{8,250}$', description: 'Bot token (xoxb-…); null removes it.' })),
          ),
          app_token: Type.Optional(
            orNull(Type.String({ pattern: '^xapp-[A-Za-z0-9-]{8,250}$', description: 'App-level token for Socket Mode (xapp-…); null removes it.' })),
          ),
          signing_secret: Type.Optional(
            orNull(Type.String({ pattern: '^[A-Za-z0-9]{16,128}$', description: 'Signing secret for the HTTP callback; null removes it.' })),
          ),
          webhook_url: Type.Optional(orNull(Url)),
        },
        { additionalProperties: false },
      ),
    ),
    teams: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          notify_run_failed: Type.Optional(Type.Boolean()),
          webhook_url: Type.Optional(orNull(Url)),
        },
        { additionalProperties: false },
      ),
    ),
    desktop: Type.Optional(
      Type.Object(
        { enabled: Type.Optional(Type.Boolean()), run_failed: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type NotifierSettingsUpdate = Static<typeof NotifierSettingsUpdate>;

export const NotifierTestBody = Closed({ channel: Enum(['slack', 'teams'] as const) });
export type NotifierTestBody = Static<typeof NotifierTestBody>;

// ─── answers ────────────────────────────────────────────────────────────────────────────────

/** Whether each secret is stored; null while the OS keychain, where they live, cannot be read. */
const IsSet = Nullable(Type.Boolean());

export const SlackSocketStatus = Type.Object({
  state: Enum(['off', 'connecting', 'connected', 'reconnecting', 'failed'] as const),
  error: Nullable(Type.String()),
  since: DateTime(),
});

export const NotifierView = Type.Object({
  slack: Type.Object({
    enabled: Type.Boolean(),
    mode: Enum(SLACK_MODES),
    default_channel: Nullable(Type.String()),
    workflow_channels: Type.Record(Type.String(), Type.String(), { description: 'Workflow uuid → channel.' }),
    approvers: Type.Array(Type.String()),
    socket_mode: Type.Boolean(),
    notify_run_failed: Type.Boolean(),
    api_url: Type.String(),
    credentials: Type.Object({ bot_token: IsSet, app_token: IsSet, signing_secret: IsSet, webhook_url: IsSet }),
    socket: Type.Optional(SlackSocketStatus),
  }),
  teams: Type.Object({ enabled: Type.Boolean(), notify_run_failed: Type.Boolean(), credentials: Type.Object({ webhook_url: IsSet }) }),
  desktop: Type.Object({ enabled: Type.Boolean(), run_failed: Type.Boolean(), adapter: Type.Optional(Enum(['shell', 'log'] as const)) }),
  warnings: Type.Array(Type.String()),
});
export type NotifierView = Static<typeof NotifierView>;

export const NotifierTestResult = Type.Object({
  channel: Enum(['slack', 'teams'] as const),
  delivered: Type.Boolean(),
  target: Type.String({ description: 'Where it went: a Slack channel, or "webhook".' }),
  status: Nullable(Type.Integer(), { description: 'The HTTP status of the receiver\'s answer.' }),
  answer: Nullable(Type.String(), { description: 'Slack\'s message ts or error code, the webhook\'s body text.' }),
  error: Nullable(Type.String()),
  socket: Type.Optional(SlackSocketStatus),
});
export type NotifierTestResult = Static<typeof NotifierTestResult>;
