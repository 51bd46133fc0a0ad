/**
 * Slack: Block Kit messages posted with the bot token (`chat.postMessage`, later `chat.update`)
 * or through an incoming webhook, and the Socket Mode connection that brings button clicks back.
 * The app dials out to Slack, so nothing on the workstation has to listen publicly.
 */
import { createHash } from 'node:crypto';
import type { SocketModeClient } from '@slack/socket-mode';
import type { ErrorCode, LogLevel, Logger, WebAPICallResult, WebClient } from '@slack/web-api';
import type { Approval, Run } from '../db/index.ts';
import { requestedBy } from '../approvals/views.ts';
import { shownIndicator } from '../../../shared/domain.ts';
import { endpointProblem, type NotifierConfig, type NotifierSettings } from './config.ts';
import { postJson, type HttpAnswer } from './http.ts';
import { requestEntry, type Delivery, type Notifier, type NotifierContext, type NotifierInfoEntry } from './notifier.ts';
import { DeliveryError, requireValue, shorten } from './retry.ts';
import { failureReason, formatConfidence, oneLine, slackCode, slackDate, slackEscape, truncate } from './text.ts';

export const ACTION_APPROVE = 'vigil_approve';
export const ACTION_REJECT = 'vigil_reject';
/** The "Review in browser" link button: Slack reports its clicks too; they need an ack and nothing else. */
export const ACTION_OPEN = 'vigil_open';

type Block = Record<string, unknown>;

export interface SlackMessage {
  /** Fallback text for notifications and clients that cannot show blocks. */
  text: string;
  blocks: Block[];
}

/** Where a bot-mode message was posted; what `chat.update` needs (kept on the approval's notifier info). */
export type SlackMessageRef = NonNullable<NotifierInfoEntry['slack_message']>;

/** The parts of a `block_actions` payload Vigil reads. */
export interface SlackInteraction {
  type?: unknown;
  user?: { id?: unknown; username?: unknown; name?: unknown };
  actions?: Array<{ action_id?: unknown; value?: unknown }>;
  response_url?: unknown;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

function detailBlocks(approval: Approval, heading: string): Block[] {
  const indicator = shownIndicator(approval.input);
  const fields: Array<[string, string]> = [
    ['Workflow', `${slackEscape(truncate(approval.workflow_name, 200))} (version ${approval.workflow_version})`],
    ['Risk', slackEscape(approval.risk_level)],
    ['Indicator', `${slackEscape(indicator.type)} ${slackCode(truncate(indicator.value, 500))}`],
    ['Confidence', formatConfidence(approval.confidence)],
    ['Requested by', slackEscape(truncate(requestedBy(approval), 250))],
    ['Requested', slackDate(approval.created_at)],
    ['Expires', slackDate(approval.expires_at)],
  ];
  const reason = approval.reason === null ? '_none given_' : slackEscape(truncate(approval.reason, 2500));
  return [
    { type: 'header', text: { type: 'plain_text', text: truncate(oneLine(heading), 150), emoji: false } },
    { type: 'section', fields: fields.map(([label, value]) => mrkdwn(`*${label}*\n${value}`)) },
    { type: 'section', text: mrkdwn(`*Agent's reason*\n${reason}`) },
  ];
}

function outcome(approval: Approval): string {
  const by = approval.responder ? ` by ${slackEscape(approval.responder)}` : '';
  const at = approval.decided_at ? ` ${slackDate(approval.decided_at)}` : '';
  const why = approval.decision_reason ? `\n>${slackEscape(truncate(approval.decision_reason, 1000))}` : '';
  switch (approval.status) {
    case 'approved':
      return `:white_check_mark: *Approved*${by}${at}; the run is queued${approval.run_uuid ? ` (run ${approval.run_uuid})` : ''}.${why}`;
    case 'rejected':
      return `:no_entry: *Rejected*${by}${at}; nothing was run.${why}`;
    case 'expired':
      return `:hourglass: *Expired* unanswered ${slackDate(approval.expires_at)}; nothing was run.`;
    case 'cancelled':
      return `:heavy_minus_sign: *Cancelled*${by}${at}; nothing was run.`;
    default:
      return '';
  }
}

/** The request with Approve / Reject buttons while pending; once closed, the same details and who decided. */
export function approvalMessage(approval: Approval, decideUrl: string | null): SlackMessage {
  const indicator = shownIndicator(approval.input);
  const what = `"${oneLine(approval.workflow_name)}" (${approval.risk_level} risk) for ${indicator.type} ${oneLine(indicator.value)}`;
  if (approval.status !== 'pending') {
    return {
      text: slackEscape(truncate(`${approval.status === 'expired' ? 'Expired' : `${capitalise(approval.status)}`}: ${what}`, 2000)),
      blocks: [
        ...detailBlocks(approval, `${capitalise(approval.status)}: ${approval.workflow_name}`),
        { type: 'context', elements: [mrkdwn(outcome(approval))] },
      ],
    };
  }
  const buttons: Block[] = [
    {
      type: 'button',
      action_id: ACTION_APPROVE,
      text: { type: 'plain_text', text: 'Approve', emoji: false },
      style: 'primary',
      value: approval.uuid,
      confirm: {
        title: { type: 'plain_text', text: 'Run this workflow?' },
        text: mrkdwn(`Approving runs *${slackEscape(truncate(approval.workflow_name, 200))}* for ${slackCode(truncate(indicator.value, 200))}.`),
        confirm: { type: 'plain_text', text: 'Approve' },
        deny: { type: 'plain_text', text: 'Cancel' },
      },
    },
    {
      type: 'button',
      action_id: ACTION_REJECT,
      text: { type: 'plain_text', text: 'Reject', emoji: false },
      style: 'danger',
      value: approval.uuid,
    },
  ];
  if (decideUrl) {
    buttons.push({ type: 'button', action_id: ACTION_OPEN, text: { type: 'plain_text', text: 'Review in browser', emoji: false }, url: decideUrl });
  }
  return {
    text: slackEscape(truncate(`Approval needed: ${what}`, 2000)),
    blocks: [
      ...detailBlocks(approval, `Approval needed: ${approval.workflow_name}`),
      { type: 'actions', block_id: `vigil_approval`, elements: buttons },
    ],
  };
}

export function runFailedMessage(run: Run): SlackMessage {
  const verb = run.status === 'timed_out' ? 'timed out' : 'failed';
  const why = failureReason(run);
  const fields: Array<[string, string]> = [
    ['Workflow', `${slackEscape(truncate(run.workflow_name, 200))} (version ${run.workflow_version})`],
    ['Indicator', `${slackEscape(shownIndicator(run.input).type)} ${slackCode(truncate(shownIndicator(run.input).value, 500))}`],
    ['Run', run.uuid],
    ['Trigger', `${run.trigger_type}${run.trigger_key ? ` (${slackEscape(run.trigger_key.name)})` : ''}`],
  ];
  return {
    text: slackEscape(truncate(`Run ${verb}: "${oneLine(run.workflow_name)}"${why ? `: ${oneLine(why)}` : ''}`, 2000)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(oneLine(`Run ${verb}: ${run.workflow_name}`), 150), emoji: false } },
      { type: 'section', fields: fields.map(([label, value]) => mrkdwn(`*${label}*\n${value}`)) },
      ...(why ? [{ type: 'section', text: mrkdwn(`*Error*\n${slackEscape(truncate(why, 2500))}`) }] : []),
    ],
  };
}

export function testMessage(): SlackMessage {
  const text = 'Vigil test message: approval requests will arrive here.';
  return { text, blocks: [{ type: 'section', text: mrkdwn(`:white_check_mark: ${text}`) }] };
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** The channel a workflow's messages go to in bot mode: its own, else the default. */
export function channelFor(config: NotifierConfig, workflowUuid: string): string | null {
  const { slack } = config.settings;
  return slack.workflow_channels[workflowUuid] ?? slack.default_channel;
}

/** Slack error codes worth another try; everything else (channel_not_found, invalid_auth, …) is final. */
const RETRYABLE_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

let sdk: Promise<typeof import('./slack-sdk.ts')> | null = null;
const loadSdk = () => (sdk ??= import('./slack-sdk.ts'));

// The Web API client's error codes (its ErrorCode enum's values, checked against it by type).
const PLATFORM_ERROR: `${ErrorCode.PlatformError}` = 'slack_webapi_platform_error';
const RATE_LIMITED_ERROR: `${ErrorCode.RateLimitedError}` = 'slack_webapi_rate_limited_error';
const HTTP_ERROR: `${ErrorCode.HTTPError}` = 'slack_webapi_http_error';
const REQUEST_ERROR: `${ErrorCode.RequestError}` = 'slack_webapi_request_error';

function toDeliveryError(error: unknown, what: string): DeliveryError {
  const coded = error as { code?: string; data?: { error?: string }; statusCode?: number; body?: unknown; retryAfter?: number; original?: Error };
  switch (coded.code) {
    case PLATFORM_ERROR: {
      const code = coded.data?.error ?? 'unknown_error';
      return new DeliveryError(`Slack refused ${what}: ${code}`, { retryable: RETRYABLE_SLACK_ERRORS.has(code), status: 200, answer: code, cause: error });
    }
    case RATE_LIMITED_ERROR:
      return new DeliveryError(`Slack rate-limited ${what} (retry after ${coded.retryAfter} s)`, {
        retryable: true,
        retryAfterMs: (coded.retryAfter ?? 1) * 1000,
        status: 429,
        cause: error,
      });
    case HTTP_ERROR: {
      const status = coded.statusCode ?? 0;
      const body = typeof coded.body === 'string' ? shorten(coded.body) : null;
      return new DeliveryError(`Slack answered HTTP ${status} to ${what}${body ? `: ${body}` : ''}`, {
        retryable: status >= 500 || status === 408,
        status,
        answer: body,
        cause: error,
      });
    }
    case REQUEST_ERROR: {
      const cause = (coded.original as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      const detail = cause?.code ?? cause?.message ?? coded.original?.message ?? 'request failed';
      return new DeliveryError(`could not reach Slack for ${what}: ${detail}`, { retryable: true, cause: error });
    }
    default:
      return new DeliveryError(`${what} failed: ${(error as Error).message ?? String(error)}`, { retryable: true, cause: error });
  }
}

/** A logger for the Slack libraries: their warnings and errors go to the engine log, chatter nowhere. */
export function slackLogger(log: { info(message: string): void; error(message: string): void }, name: string): Logger {
  let level = 'info' as LogLevel;
  const text = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' ');
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...parts: unknown[]) => log.info(`${name}: ${text(parts)}`),
    error: (...parts: unknown[]) => log.error(`${name}: ${text(parts)}`),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

const silentLogger = slackLogger({ info: () => undefined, error: () => undefined }, 'slack');

/**
 * One try per call: retries are the notification service's business (bounded, recorded on the
 * approval), so the Web API client's own retry and rate-limit waiting are turned off.
 */
export class SlackApi {
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal;

  constructor(options: { timeoutMs: number; signal: AbortSignal }) {
    this.timeoutMs = options.timeoutMs;
    this.signal = options.signal;
  }

  private async client(config: NotifierConfig): Promise<WebClient> {
    const token = config.credentials.slack_bot_token;
    if (!token) throw new DeliveryError('no Slack bot token is set', { retryable: false });
    const signal = this.signal;
    const { WebClient } = await loadSdk();
    return new WebClient(token, {
      slackApiUrl: config.settings.slack.api_url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: this.timeoutMs,
      // A method name is never an absolute URL here; refusing them keeps the token on api_url.
      allowAbsoluteUrls: false,
      logger: silentLogger,
      fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.any([init?.signal, signal].filter((s) => s !== undefined)) }),
    });
  }

  private async call(config: NotifierConfig, method: string, args: Record<string, unknown>): Promise<WebAPICallResult & Record<string, unknown>> {
    try {
      const client = await this.client(config);
      return (await client.apiCall(method, args)) as WebAPICallResult & Record<string, unknown>;
    } catch (error) {
      throw toDeliveryError(error, method);
    }
  }

  async postMessage(config: NotifierConfig, channel: string, message: SlackMessage): Promise<SlackMessageRef> {
    const result = await this.call(config, 'chat.postMessage', { channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    if (typeof result.ts !== 'string') {
      throw new DeliveryError('Slack accepted chat.postMessage but returned no message ts', { retryable: false });
    }
    return { channel: typeof result.channel === 'string' ? result.channel : channel, ts: result.ts };
  }

  async update(config: NotifierConfig, ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    await this.call(config, 'chat.update', { channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
  }

  async postWebhook(url: string, message: SlackMessage): Promise<HttpAnswer> {
    return postJson(url, { text: message.text, blocks: message.blocks, unfurl_links: false }, { timeoutMs: this.timeoutMs, signal: this.signal, what: 'the Slack webhook' });
  }

  /** Answers through an interaction's response_url (ephemeral notes, or replacing the message). */
  async respond(responseUrl: string, body: Record<string, unknown>): Promise<HttpAnswer> {
    return postJson(responseUrl, body, { timeoutMs: this.timeoutMs, signal: this.signal, what: 'the Slack response_url' });
  }
}

/**
 * A response_url is only used when it points at Slack (or at the configured API's own origin,
 * for GovSlack or a local relay); a forged one must not make Vigil post elsewhere.
 */
export function responseUrlAllowed(value: unknown, apiUrl: string): value is string {
  if (typeof value !== 'string' || endpointProblem(value) !== null) return false;
  const url = new URL(value);
  if (url.protocol === 'https:' && (url.hostname === 'hooks.slack.com' || url.hostname === 'hooks.slack-gov.com')) return true;
  try {
    return url.origin === new URL(apiUrl).origin;
  } catch {
    return false;
  }
}

export type SocketState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface SocketStatus {
  state: SocketState;
  error: string | null;
  since: string;
}

/**
 * The Socket Mode connection. `ensure` is idempotent: called with the same API URL and app token it
 * does nothing, with others it replaces the connection, with no token it closes it.
 */
export class SlackSocket {
  private client: SocketModeClient | null = null;
  private abort: AbortController | null = null;
  private key: string | null = null;
  private current: SocketStatus = { state: 'off', error: null, since: new Date().toISOString() };
  private readonly log: { info(message: string): void; error(message: string): void };
  private readonly onInteraction: (payload: SlackInteraction) => void;

  constructor(options: { log: { info(message: string): void; error(message: string): void }; onInteraction: (payload: SlackInteraction) => void }) {
    this.log = options.log;
    this.onInteraction = options.onInteraction;
  }

  status(): SocketStatus {
    return { ...this.current };
  }

  private set(state: SocketState, error: string | null = null): void {
    if (state === this.current.state && error === this.current.error) return;
    this.current = { state, error, since: new Date().toISOString() };
  }

  async ensure(apiUrl: string, appToken: string | null): Promise<void> {
    // The key is a hash so the token itself is not kept around longer than the client needs it.
    const key = appToken ? createHash('sha256').update(`${apiUrl}\n${appToken}`).digest('hex') : null;
    if (key === this.key) return;
    await this.stop();
    if (!appToken || !key) return;
    this.key = key;
    const abort = new AbortController();
    this.abort = abort;
    const { SocketModeClient } = await loadSdk();
    // Another ensure() or stop() came while the libraries loaded: that call decides.
    if (this.abort !== abort) return;
    const client: SocketModeClient = new SocketModeClient({
      appToken,
      logger: slackLogger(this.log, 'Slack Socket Mode'),
      autoReconnectEnabled: true,
      clientOptions: {
        slackApiUrl: apiUrl,
        retryConfig: { retries: 4, factor: 2, minTimeout: 1000, maxTimeout: 30_000 },
        timeout: 10_000,
        // Lets stop() cut an apps.connections.open that is still retrying.
        fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.any([init?.signal, abort.signal].filter((s) => s !== undefined)) }),
      },
    });
    this.client = client;
    client.on('connecting', () => this.set('connecting'));
    client.on('reconnecting', () => this.set('reconnecting'));
    // The socket dropped; the client reconnects by itself after a pause.
    client.on('close', () => {
      if (this.client === client && this.current.state === 'connected') this.set('reconnecting');
    });
    client.on('connected', () => {
      // A connection that completes after stop() (the URL was already fetched) is closed again.
      if (this.client !== client) {
        void client.disconnect();
        return;
      }
      if (this.current.state !== 'connected') this.log.info('Slack Socket Mode: connected; button clicks reach Vigil.');
      this.set('connected');
    });
    client.on('interactive', async ({ ack, body }: { ack: () => Promise<void>; body: SlackInteraction }) => {
      // Slack wants the envelope acknowledged within 3 s, whatever the click leads to.
      try {
        await ack();
      } catch (error) {
        this.log.error(`Slack Socket Mode: could not acknowledge an interaction: ${(error as Error).message}`);
      }
      if (this.client === client) this.onInteraction(body);
    });
    this.set('connecting');
    client.start().catch((error: unknown) => {
      if (this.client !== client) return;
      const message = toDeliveryError(error, 'apps.connections.open').message;
      this.set('failed', message);
      this.log.error(`Slack Socket Mode: could not connect: ${message}`);
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.key = null;
    this.abort?.abort();
    this.abort = null;
    this.set('off');
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.disconnect().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 3000);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** response_urls kept for updating webhook-mode messages; Slack's own limit is 30 minutes. */
const MAX_RESPONSE_URLS = 1000;

/**
 * Slack: new requests with Approve and Reject buttons, and their end shown in the same place: the
 * bot edits its message; in webhook mode the click's response_url replaces it, or a short
 * follow-up says how it ended. Clicks come back through the notification service.
 */
export class SlackNotifier implements Notifier {
  readonly channel = 'slack';
  private readonly context: NotifierContext;
  private readonly api: SlackApi;
  /** Per approval, the response_url of the click that decided it (webhook messages are replaced through it). */
  private readonly responseUrls = new Map<string, string>();

  constructor(context: NotifierContext, api: SlackApi) {
    this.context = context;
    this.api = api;
  }

  announces(settings: NotifierSettings): boolean {
    return settings.slack.enabled;
  }

  reportsFailedRuns(settings: NotifierSettings): boolean {
    return settings.slack.enabled && settings.slack.notify_run_failed;
  }

  request(created: Approval, decideUrl: string | null): Delivery {
    const { slack } = this.context.settings();
    // Built at each try from the row as it is then: a request decided meanwhile is posted as decided.
    const message = () => approvalMessage(this.context.approval(created.uuid) ?? created, decideUrl);
    if (slack.mode === 'bot') {
      const channel = slack.workflow_channels[created.workflow_uuid] ?? slack.default_channel;
      if (!channel) return { skipped: 'no Slack channel is set for this workflow and there is no default channel' };
      return {
        attempt: async () => this.api.postMessage(await this.context.config(), channel, message()),
        detail: (ref) => ({ slack_message: ref as SlackMessageRef }),
      };
    }
    return { attempt: () => this.postWebhook(message()) };
  }

  closed(approval: Approval): Delivery | null {
    const responseUrl = this.responseUrls.get(approval.uuid) ?? null;
    this.responseUrls.delete(approval.uuid);
    if (!this.context.settings().slack.enabled) return null;
    const request = requestEntry(approval, 'slack');
    if (request?.status !== 'sent') return null;
    const message = approvalMessage(approval, null);
    const ref = request.slack_message;
    if (ref) return { attempt: async () => this.api.update(await this.context.config(), ref, message) };
    if (responseUrl) return { attempt: () => this.api.respond(responseUrl, { replace_original: true, text: message.text, blocks: message.blocks }) };
    // A webhook message cannot be edited without a click's response_url; a short follow-up says how it ended.
    return { attempt: () => this.postWebhook(message) };
  }

  async runFailed(run: Run): Promise<unknown> {
    const config = await this.context.config();
    if (config.settings.slack.mode === 'webhook') return this.api.postWebhook(requireValue(config.credentials.slack_webhook_url, 'Slack webhook URL'), runFailedMessage(run));
    const channel = channelFor(config, run.workflow_uuid);
    if (!channel) throw new DeliveryError('no Slack channel is set for this workflow', { retryable: false });
    return this.api.postMessage(config, channel, runFailedMessage(run));
  }

  /** A click decided this request: its response_url will replace the message with the outcome. */
  rememberResponseUrl(uuid: string, url: string): void {
    this.responseUrls.delete(uuid);
    this.responseUrls.set(uuid, url);
    // Oldest first: URLs of approvals decided long ago are past Slack's 30-minute limit anyway.
    while (this.responseUrls.size > MAX_RESPONSE_URLS) this.responseUrls.delete(this.responseUrls.keys().next().value!);
  }

  /** A note only the clicking user sees. */
  reply(responseUrl: string, text: string): Promise<HttpAnswer> {
    return this.api.respond(responseUrl, { response_type: 'ephemeral', replace_original: false, text });
  }

  forgetResponseUrl(uuid: string): void {
    this.responseUrls.delete(uuid);
  }

  clear(): void {
    this.responseUrls.clear();
  }

  private async postWebhook(message: SlackMessage): Promise<void> {
    const config = await this.context.config();
    await this.api.postWebhook(requireValue(config.credentials.slack_webhook_url, 'Slack webhook URL'), message);
  }
}
