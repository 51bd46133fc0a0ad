// One way approvals and failed runs reach people: Slack, Teams or the desktop. Each notifier says
// what it sends and when; the notification service around them does the rest the same for all
// (one queue per approval and notifier, retries with backoff, the delivery recorded on the approval).
import type { Approval, Run } from '../db/index.ts';
import type { NotifierChannel, NotifierConfig, NotifierSettings } from './config.ts';

/** How an approval request ended, as the events say it. */
export type ApprovalEnd = 'approval.decided' | 'approval.expired' | 'approval.cancelled';

/** One entry of an approval's `notifier_info`: where one notifier's delivery stands. */
export interface NotifierInfoEntry {
  notifier: NotifierChannel;
  /** `request`: the notification of the new approval; `update`: telling that it was decided or expired. */
  action: 'request' | 'update';
  status: 'sending' | 'retrying' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  max_attempts: number;
  error: string | null;
  updated_at: string;
  /** Bot mode: where the Slack message is (channel and ts), so it can be updated after the decision. */
  slack_message?: { channel: string; ts: string };
}

/**
 * One message to send: `attempt` is called again for every try (so it can build the message from
 * the row as it is then), and `detail` adds what the answer tells to the recorded entry. A message
 * that cannot be sent at all (no channel to send it to) is `skipped`, with the reason.
 */
export type Delivery = { attempt(): Promise<unknown>; detail?(answer: unknown): Partial<NotifierInfoEntry> } | { skipped: string };

/** What every notifier may read: the settings, the configuration with its secrets, an approval as it is now. */
export interface NotifierContext {
  settings(): NotifierSettings;
  /** Settings and credentials (the keychain is read, briefly cached). */
  config(): Promise<NotifierConfig>;
  approval(uuid: string): Approval | undefined;
  /** Limits for one request to Slack or Teams. */
  http: { timeoutMs: number; signal: AbortSignal };
}

export interface Notifier {
  readonly channel: NotifierChannel;
  /** Whether it announces approval requests under these settings. */
  announces(settings: NotifierSettings): boolean;
  /** How a new request is announced. */
  request(approval: Approval, decideUrl: string | null): Delivery;
  /** How the end of a request is told, if this notifier tells it; null: nothing to send. */
  closed(approval: Approval, end: ApprovalEnd): Delivery | null;
  /** Whether it reports runs that failed or timed out under these settings. */
  reportsFailedRuns(settings: NotifierSettings): boolean;
  runFailed(run: Run): Promise<unknown>;
}

/** The one notice a notifier sends per request: the entry of its announcement on the approval. */
export function requestEntry(approval: Approval, notifier: NotifierChannel): NotifierInfoEntry | undefined {
  return (approval.notifier_info as NotifierInfoEntry[]).find((entry) => entry?.notifier === notifier && entry.action === 'request');
}
