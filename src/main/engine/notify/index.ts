/**
 * The notifications room: Slack, Teams and the desktop port, each a Notifier (notifier.ts) behind
 * one notification service. Import from here, not from the files behind it.
 */
export {
  NotificationService,
  NotifierNotConfiguredError,
  notifierView,
  sendTestMessage,
  type InteractionOutcome,
  type NotificationDeps,
  type NotifierView,
  type NotifyOptions,
  type TestResult,
} from './service.ts';
export {
  CREDENTIALS,
  DEFAULT_NOTIFIER_SETTINGS,
  DEFAULT_SLACK_API_URL,
  NOTIFIER_CHANNELS,
  NotifierConfigError,
  NotifierConfigStore,
  NotifierSettingsUpdate,
  SLACK_MODES,
  schemaProblems,
  type ConfigProblem,
  type NotifierChannel,
  type NotifierConfig,
  type NotifierSettings,
} from './config.ts';
export { logDesktopNotifier, type DesktopNotifier } from './desktop.ts';
export type { NotifierInfoEntry } from './notifier.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
export { slackSignature, verifySlackSignature, SLACK_SIGNATURE_WINDOW_SECONDS } from './signature.ts';
export { ACTION_APPROVE, ACTION_OPEN, ACTION_REJECT, type SlackInteraction, type SocketStatus } from './slack.ts';
