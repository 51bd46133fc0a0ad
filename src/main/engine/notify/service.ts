import { setTimeout as sleep } from 'node:timers/promises';
import type { Approval, Store } from '../db/index.ts';
import type { ApprovalService } from '../approvals/index.ts';
import { DomainError, invalid } from '../errors.ts';
import type { EngineEvent, EventBus } from '../events/bus.ts';
import type { SecretStore } from '../secrets/index.ts';
import { iso, type Clock } from '../util/time.ts';
import {
  configWarnings,
  NotifierConfigError,
  NotifierConfigStore,
  type NotifierChannel,
  type NotifierConfig,
  type NotifierCredentials,
  type NotifierSettings,
  type NotifierSettingsUpdate,
} from './config.ts';
import { desktopChannel, logDesktopNotifier, type DesktopNotifier } from './desktop.ts';
import type { ApprovalEnd, Delivery, Notifier, NotifierContext, NotifierInfoEntry } from './notifier.ts';
import { DEFAULT_RETRY_POLICY, DeliveryError, withRetry, type RetryPolicy } from './retry.ts';
import {
  ACTION_APPROVE,
  ACTION_REJECT,
  responseUrlAllowed,
  SlackApi,
  SlackNotifier,
  SlackSocket,
  testMessage,
  type SlackInteraction,
  type SocketStatus,
} from './slack.ts';
import { postToTeams, teamsNotifier, testCard } from './teams.ts';
import { oneLine } from './text.ts';

export interface NotifyOptions {
  /** Retry schedule for every delivery (tests shorten it). */
  retry?: Partial<RetryPolicy>;
  /** Limit for one request to Slack or Teams. */
  httpTimeoutMs?: number;
}

interface Log {
  info(message: string): void;
  error(message: string): void;
}

export interface NotificationDeps {
  store: Store;
  bus: EventBus;
  approvals: ApprovalService;
  credentials: SecretStore;
  clock: Clock;
  log: Log;
  /** Where the API listens, once it does; the browser link is built from it. */
  baseUrl: () => string | null;
  /** The Electron shell's OS notifications; headless, a log line. */
  desktop?: DesktopNotifier;
  options?: NotifyOptions;
}

/**
 * The configuration as the API and the CLI show it: secrets only as "set" or not, or `null` (not
 * known) while the OS keychain, where they live, cannot be read.
 */
export interface NotifierView {
  slack: NotifierSettings['slack'] & {
    credentials: { bot_token: boolean | null; app_token: boolean | null; signing_secret: boolean | null; webhook_url: boolean | null };
    socket?: SocketStatus;
  };
  teams: NotifierSettings['teams'] & { credentials: { webhook_url: boolean | null } };
  desktop: NotifierSettings['desktop'] & { adapter?: 'shell' | 'log' };
  warnings: string[];
}

export function notifierView(settings: NotifierSettings, credentials: NotifierCredentials | null): NotifierView {
  const isSet = (value: string | null | undefined) => (credentials ? value !== null : null);
  const warnings = credentials ? configWarnings(settings, credentials) : [];
  if (!credentials && (settings.slack.enabled || settings.teams.enabled)) {
    warnings.push('Slack and Teams cannot post while the OS keychain is unavailable: their tokens and webhook URLs are kept there.');
  }
  return {
    slack: {
      ...settings.slack,
      credentials: {
        bot_token: isSet(credentials?.slack_bot_token),
        app_token: isSet(credentials?.slack_app_token),
        signing_secret: isSet(credentials?.slack_signing_secret),
        webhook_url: isSet(credentials?.slack_webhook_url),
      },
    },
    teams: { ...settings.teams, credentials: { webhook_url: isSet(credentials?.teams_webhook_url) } },
    desktop: { ...settings.desktop },
    warnings,
  };
}

/** The notifier cannot send: what it needs is not configured. */
export class NotifierNotConfiguredError extends DomainError {
  constructor(message: string) {
    super('rejected', 'NOTIFIER_NOT_CONFIGURED', message);
    this.name = 'NotifierNotConfiguredError';
  }
}

export interface TestResult {
  channel: 'slack' | 'teams';
  delivered: boolean;
  /** Where it went: a Slack channel, or "webhook". */
  target: string;
  /** HTTP status of the receiver's answer, when there was one. */
  status: number | null;
  /** The receiver's answer: Slack's message ts or error code, the webhook's body text. */
  answer: string | null;
  error: string | null;
}

/**
 * Sends one test message, once (no retries: the person testing wants the receiver's answer now).
 * Shared by `POST /v1/settings/notifiers/test` and `vigil notifiers test`.
 */
export async function sendTestMessage(
  config: NotifierConfig,
  channel: 'slack' | 'teams',
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<TestResult> {
  const { settings, credentials } = config;
  let target: string;
  let send: () => Promise<{ status: number | null; answer: string | null }>;
  if (channel === 'slack') {
    const slack = new SlackApi(options);
    if (settings.slack.mode === 'bot') {
      const slackChannel = settings.slack.default_channel ?? Object.values(settings.slack.workflow_channels)[0] ?? null;
      if (!credentials.slack_bot_token || !slackChannel) {
        throw new NotifierNotConfiguredError('Slack (mode bot) needs a bot token and a default channel before it can send.');
      }
      target = slackChannel;
      send = async () => {
        const ref = await slack.postMessage(config, slackChannel, testMessage());
        return { status: 200, answer: `ok: message ${ref.ts} in ${ref.channel}` };
      };
    } else {
      const url = credentials.slack_webhook_url;
      if (!url) throw new NotifierNotConfiguredError('Slack (mode webhook) needs a webhook URL before it can send.');
      target = 'webhook';
      send = async () => {
        const answer = await slack.postWebhook(url, testMessage());
        return { status: answer.status, answer: answer.text };
      };
    }
  } else {
    const url = credentials.teams_webhook_url;
    if (!url) throw new NotifierNotConfiguredError('Teams needs a webhook URL before it can send.');
    target = 'webhook';
    send = async () => {
      const answer = await postToTeams(url, testCard(), options);
      return { status: answer.status, answer: answer.text };
    };
  }
  try {
    const { status, answer } = await send();
    return { channel, delivered: true, target, status, answer, error: null };
  } catch (error) {
    const failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message, { retryable: false });
    return { channel, delivered: false, target, status: failure.status, answer: failure.answer, error: failure.message };
  }
}

/** How long a loaded configuration (with its keychain reads) is reused by notifications in a burst. */
const CONFIG_TTL_MS = 1000;
/** How long close() waits for deliveries in flight before giving up on them. */
const CLOSE_GRACE_MS = 5000;

export type InteractionOutcome = 'ignored' | 'disabled' | 'not_allowed' | 'decided' | 'conflict' | 'not_found';

/**
 * Sends approval requests (and their outcome) to Slack, Teams and the desktop, and takes decisions
 * back from Slack. Started by the engine. Every delivery runs after the API call that caused it
 * has answered, is retried with backoff, and is recorded on the approval; a notifier that fails
 * never holds up or breaks anything else.
 */
export class NotificationService {
  readonly config: NotifierConfigStore;
  private readonly deps: NotificationDeps;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly abort = new AbortController();
  private readonly socket: SlackSocket;
  private readonly slack: SlackNotifier;
  /** Slack, Teams and the desktop, in the order they are told. */
  private readonly notifiers: Notifier[];
  /** One promise chain per (notifier, approval): an update never overtakes the request it updates. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly unsubscribe: Array<() => void> = [];
  private cached: { at: number; config: Promise<NotifierConfig> } | null = null;
  private closing = false;

  constructor(deps: NotificationDeps) {
    this.deps = deps;
    this.config = new NotifierConfigStore(deps.store.settings, deps.credentials);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...deps.options?.retry };
    this.timeoutMs = deps.options?.httpTimeoutMs ?? 10_000;
    const context: NotifierContext = {
      settings: () => this.config.settings(),
      config: () => this.loadConfig(),
      approval: (uuid) => deps.store.approvals.get(uuid),
      http: { timeoutMs: this.timeoutMs, signal: this.abort.signal },
    };
    this.slack = new SlackNotifier(context, new SlackApi(context.http));
    this.notifiers = [this.slack, teamsNotifier(context), desktopChannel(context, deps.desktop ?? logDesktopNotifier(deps.log))];
    this.socket = new SlackSocket({
      log: deps.log,
      onInteraction: (payload) => {
        this.handleSlackInteraction(payload).catch((error: unknown) =>
          deps.log.error(`Slack interaction failed: ${(error as Error).stack ?? String(error)}`),
        );
      },
    });
  }

  start(): void {
    this.unsubscribe.push(
      this.deps.approvals.onCreated((approval, token) => this.approvalCreated(approval, token)),
      // The instance where an event happened tells Slack, Teams and the desktop; the others stay quiet.
      this.deps.bus.subscribe((event) => {
        if (!event.remote) this.onEvent(event);
      }),
    );
    this.enqueue('socket', () => this.reconcileSocket());
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.abort.abort();
    await this.socket.stop();
    await Promise.race([Promise.allSettled([...this.chains.values()]), sleep(CLOSE_GRACE_MS, undefined, { ref: false })]);
    this.slack.clear();
  }

  // ---- configuration (API and status) ----

  async view(): Promise<NotifierView> {
    const settings = this.config.settings();
    // Without the keychain the settings still show (and the desktop notifier still works); only
    // whether each secret is set is not known.
    const credentials = await this.config.credentials().catch((error: Error & { code?: string }) => {
      if (error.code === 'KEYCHAIN_UNAVAILABLE') return null;
      throw error;
    });
    const view = notifierView(settings, credentials);
    view.slack.socket = this.socket.status();
    view.desktop.adapter = this.deps.desktop ? 'shell' : 'log';
    return view;
  }

  /** Settings it refuses are problems with the request's fields (`body.slack.mode`, …). */
  async update(update: NotifierSettingsUpdate): Promise<NotifierView> {
    try {
      await this.config.update(update);
    } catch (error) {
      if (error instanceof NotifierConfigError) {
        throw invalid(error.problems.map((problem) => ({ field: `body.${problem.field}`, message: problem.message })));
      }
      throw error;
    }
    this.cached = null;
    await this.reconcileSocket();
    return this.view();
  }

  async test(channel: 'slack' | 'teams'): Promise<TestResult & { socket?: SocketStatus }> {
    const result = await sendTestMessage(await this.config.load(), channel, { timeoutMs: this.timeoutMs, signal: this.abort.signal });
    return channel === 'slack' && this.config.settings().slack.socket_mode ? { ...result, socket: this.socket.status() } : result;
  }

  /** What the HTTP callback needs to verify a request; null secret = cannot verify. */
  async slackCallbackSecret(): Promise<{ enabled: boolean; signingSecret: string | null }> {
    const settings = this.config.settings();
    if (!settings.slack.enabled) return { enabled: false, signingSecret: null };
    return { enabled: true, signingSecret: (await this.loadConfig()).credentials.slack_signing_secret };
  }

  private loadConfig(): Promise<NotifierConfig> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CONFIG_TTL_MS) return this.cached.config;
    const config = this.config.load();
    const entry = { at: now, config };
    this.cached = entry;
    config.catch(() => {
      if (this.cached === entry) this.cached = null;
    });
    return config;
  }

  /** Connects, reconnects or closes Socket Mode to match the settings (API edits, CLI edits noticed later). */
  private async reconcileSocket(): Promise<void> {
    if (this.closing) return;
    const { slack } = this.config.settings();
    let token: string | null = null;
    if (slack.enabled && slack.socket_mode) {
      try {
        token = (await this.loadConfig()).credentials.slack_app_token;
      } catch (error) {
        this.deps.log.error(`Slack Socket Mode: the app-level token could not be read: ${(error as Error).message}`);
        return;
      }
    }
    if (!this.closing) await this.socket.ensure(slack.api_url, token);
  }

  // ---- events ----

  private approvalCreated(approval: Approval, token: string): void {
    const baseUrl = this.deps.baseUrl();
    const decideUrl = baseUrl ? `${baseUrl}/v1/approvals/${approval.uuid}/decide?token=${encodeURIComponent(token)}` : null;
    const settings = this.config.settings();
    // Settings the CLI changed while the server runs are seen here, Socket Mode included.
    this.enqueue('socket', () => this.reconcileSocket());
    for (const notifier of this.notifiers) {
      if (!notifier.announces(settings)) continue;
      this.enqueue(`${notifier.channel}:${approval.uuid}`, () => this.send(approval, notifier.channel, 'request', notifier.request(approval, decideUrl)));
    }
  }

  private onEvent(event: EngineEvent): void {
    if (event.type === 'approval.decided' || event.type === 'approval.expired' || event.type === 'approval.cancelled') {
      const uuid = event.data.approval_uuid;
      if (typeof uuid !== 'string') return;
      for (const notifier of this.notifiers) {
        this.enqueue(`${notifier.channel}:${uuid}`, async () => {
          const approval = this.deps.store.approvals.get(uuid);
          const delivery = approval && notifier.closed(approval, event.type as ApprovalEnd);
          if (delivery) await this.send(approval, notifier.channel, 'update', delivery);
        });
      }
    } else if (event.type === 'run.finished' && (event.data.status === 'failed' || event.data.status === 'timed_out')) {
      const uuid = event.data.run_uuid;
      if (typeof uuid === 'string') this.runFailed(uuid);
    }
  }

  private runFailed(runUuid: string): void {
    const settings = this.config.settings();
    for (const notifier of this.notifiers) {
      if (!notifier.reportsFailedRuns(settings)) continue;
      this.enqueue(`run:${notifier.channel}:${runUuid}`, async () => {
        const run = this.deps.store.runs.get(runUuid);
        if (!run) return;
        const outcome = await withRetry(() => notifier.runFailed(run), this.policy, this.abort.signal);
        if (!outcome.ok) {
          this.deps.log.error(`${label(notifier.channel)}: run-failed notice for run ${runUuid} not delivered after ${tries(outcome.attempts)}: ${outcome.error.message}`);
        }
      });
    }
  }

  // ---- Slack clicks ----

  /**
   * A click on Approve or Reject, from Socket Mode or the HTTP callback. Only users on the approver
   * list may decide; anyone else gets a note only they can see, and nothing changes. The decision
   * goes through the same compare-and-set as every other decider, so racing clicks, REST calls and
   * browser posts produce exactly one decision.
   */
  async handleSlackInteraction(payload: SlackInteraction): Promise<InteractionOutcome> {
    if (payload?.type !== 'block_actions' || !Array.isArray(payload.actions)) return 'ignored';
    const action = payload.actions.find((a) => a?.action_id === ACTION_APPROVE || a?.action_id === ACTION_REJECT);
    if (!action || typeof action.value !== 'string') return 'ignored';
    const uuid = action.value;
    const { slack } = this.config.settings();
    const responseUrl = responseUrlAllowed(payload.response_url, slack.api_url) ? payload.response_url : null;
    const note = (text: string) => {
      if (responseUrl) this.enqueueReply(uuid, responseUrl, text);
    };
    const userId = typeof payload.user?.id === 'string' ? payload.user.id : null;
    const userName = typeof payload.user?.username === 'string' ? payload.user.username : typeof payload.user?.name === 'string' ? payload.user.name : null;
    const who = `${userName ? `@${oneLine(userName)} ` : ''}(${userId ?? 'unknown user'})`;
    if (!slack.enabled) {
      note("Vigil's Slack notifications are turned off, so decisions from Slack are not taken. Use the Vigil console or the browser link.");
      return 'disabled';
    }
    if (!userId || !slack.approvers.includes(userId)) {
      this.deps.log.info(`Slack: ${who} is not on the approver list; their click on approval ${oneLine(uuid)} was refused.`);
      note('You are not on the list of Slack users who may approve Vigil workflows, so nothing was changed. Ask a Vigil admin to add your Slack user id.');
      return 'not_allowed';
    }
    const decision = action.action_id === ACTION_APPROVE ? 'approve' : 'reject';
    if (responseUrl) this.slack.rememberResponseUrl(uuid, responseUrl);
    try {
      const decided = this.deps.approvals.decide(uuid, decision, `Slack ${who}`, null);
      this.deps.log.info(`Slack: ${who} ${decided.status} "${oneLine(decided.workflow_name)}" (approval ${decided.uuid}).`);
      return 'decided';
    } catch (error) {
      this.slack.forgetResponseUrl(uuid);
      if (error instanceof DomainError && error.kind === 'conflict') {
        note(`${error.message} Nothing was changed.`);
        return 'conflict';
      }
      if (error instanceof DomainError && error.kind === 'not_found') {
        note('Vigil has no such approval request (it may belong to another Vigil). Nothing was changed.');
        return 'not_found';
      }
      throw error;
    }
  }

  private enqueueReply(uuid: string, responseUrl: string, text: string): void {
    this.enqueue(`reply:${uuid}`, async () => {
      const outcome = await withRetry(
        () => this.slack.reply(responseUrl, text),
        this.policy,
        this.abort.signal,
      );
      if (!outcome.ok) this.deps.log.error(`Slack: a reply to a click on approval ${oneLine(uuid)} was not delivered: ${outcome.error.message}`);
    });
  }

  // ---- delivery machinery ----

  private enqueue(key: string, task: () => Promise<void>): void {
    if (this.closing) return;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(task)
      .catch((error: unknown) => this.deps.log.error(`notifications (${key}): ${(error as Error).stack ?? String(error)}`))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Tries, retries and records one delivery on the approval as it goes. */
  private async send(approval: Approval, notifier: NotifierChannel, action: 'request' | 'update', delivery: Delivery): Promise<void> {
    if ('skipped' in delivery) {
      this.record(approval, { notifier, action, status: 'skipped', attempts: 0, error: delivery.skipped });
      return;
    }
    this.record(approval, { notifier, action, status: 'sending', attempts: 0, error: null });
    const outcome = await withRetry(delivery.attempt, this.policy, this.abort.signal, (n, error, willRetry) => {
      this.record(approval, { notifier, action, status: willRetry ? 'retrying' : 'failed', attempts: n, error: error.message });
      if (willRetry) this.deps.log.info(`${label(notifier)}: try ${n} of ${this.policy.maxAttempts} for approval ${approval.uuid} failed (${error.message}); trying again.`);
    });
    if (outcome.ok) {
      this.record(approval, { notifier, action, status: 'sent', attempts: outcome.attempts, error: null, ...delivery.detail?.(outcome.value) });
    } else {
      this.record(approval, { notifier, action, status: 'failed', attempts: outcome.attempts, error: outcome.error.message });
      this.deps.log.error(
        `${label(notifier)}: ${action === 'request' ? 'approval request' : 'outcome'} for approval ${approval.uuid} not delivered after ${tries(outcome.attempts)}: ${outcome.error.message}`,
      );
    }
  }

  private record(approval: Approval, entry: Omit<NotifierInfoEntry, 'updated_at' | 'max_attempts'>): void {
    try {
      this.deps.store.approvals.recordNotifier(approval.id, {
        ...entry,
        max_attempts: this.policy.maxAttempts,
        updated_at: iso(this.deps.clock.now()),
      });
    } catch (error) {
      // Only when the database closed under a delivery still finishing at shutdown.
      this.deps.log.error(`notifications: could not record ${entry.notifier} on approval ${approval.uuid}: ${(error as Error).message}`);
    }
  }
}

function label(notifier: NotifierChannel): string {
  return { slack: 'Slack', teams: 'Teams', desktop: 'Desktop notification' }[notifier];
}

function tries(n: number): string {
  return n === 1 ? '1 try' : `${n} tries`;
}
