// OS notifications: the shell's implementation of the engine's desktop notifier port. The engine
// decides when to notify (its notifier settings: desktop on/off, failed runs on/off), retries and
// records deliveries; this file decides how a notification looks and what clicking it does:
// a new approval request (Approve / Reject buttons where the OS has them), a failed run, an expired
// request.
import { Notification, type NativeImage, type NotificationConstructorOptions } from 'electron';
import type { ConsoleTarget } from '../../shared/bridge.ts';
import { shownIndicator } from '../../shared/domain.ts';
import type { ServerOptions } from '../engine/index.ts';
import {
  clip,
  formatExpiresIn,
  needsConsoleReview,
  type ApprovalSummary,
  type Decision,
  type RunSummary,
  type ShellEngine,
} from './engine-port.ts';

/** The engine's port, as startServer takes it. */
export type DesktopNotifier = NonNullable<ServerOptions['desktopNotifier']>;

/** Notifications kept referenced at once; older ones are closed (and would otherwise pile up). */
export const MAX_LIVE_NOTIFICATIONS = 50;

export interface DesktopNotificationsOptions {
  openConsole(target: ConsoleTarget): void;
  /** Decides from a notification button; reports its own errors (already decided, expired). */
  decide(uuid: string, decision: Decision): void;
  icon?: NativeImage | string;
  platform?: NodeJS.Platform;
  now?: () => number;
}

/** Action buttons exist on macOS and Windows; elsewhere a click opens the console. */
export function supportsActions(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export function approvalNotification(approval: ApprovalSummary, now: number, platform: NodeJS.Platform): NotificationConstructorOptions {
  const indicator = shownIndicator(approval.input);
  const lines = [
    `${indicator.type} ${clip(indicator.value, 80)} · requested by ${approval.trigger_type} · ${formatExpiresIn(approval.expires_at, now)}`,
  ];
  if (approval.reason) lines.push(clip(approval.reason, 160));
  const reviewInConsole = needsConsoleReview(approval);
  if (reviewInConsole) lines.push(`${approval.risk_level} risk: review it in the console`);
  return {
    title: `Approval needed: ${clip(approval.workflow_name, 60)}`,
    body: lines.join('\n'),
    urgency: reviewInConsole ? 'critical' : 'normal',
    // A request waits for a human; it should not vanish on its own before someone saw it.
    timeoutType: 'never',
    actions:
      supportsActions(platform) && !reviewInConsole
        ? [
            { type: 'button', text: 'Approve' },
            { type: 'button', text: 'Reject' },
          ]
        : [],
  };
}

/** Raised when the desktop has no notification service; the engine records the delivery as failed. */
export class NotificationsUnsupportedError extends Error {
  constructor() {
    super('This desktop has no notification service (Electron reports notifications as unsupported).');
    this.name = 'NotificationsUnsupportedError';
  }
}

export class DesktopNotifications implements DesktopNotifier {
  private readonly options: DesktopNotificationsOptions;
  private readonly platform: NodeJS.Platform;
  private readonly now: () => number;
  /** Live notifications by key: Electron drops click handlers of notifications nothing references. */
  private readonly live = new Map<string, Notification>();
  private unsubscribe: Array<() => void> = [];

  constructor(options: DesktopNotificationsOptions) {
    this.options = options;
    this.platform = options.platform ?? process.platform;
    this.now = options.now ?? Date.now;
  }

  /**
   * Follows decisions made elsewhere (console, tray, Slack), expiries and cancellations to take
   * their requests off the screen: the buttons would only answer "already decided".
   */
  start(engine: ShellEngine): void {
    this.unsubscribe.push(
      engine.onEvent((event) => {
        const closed = event.type === 'approval.decided' || event.type === 'approval.expired' || event.type === 'approval.cancelled';
        if (closed && typeof event.data.approval_uuid === 'string') {
          this.close(`approval:${event.data.approval_uuid}`);
        }
      }),
    );
  }

  /**
   * Following a team server there is no engine in this process to deliver requests: new and
   * expired ones come from the server's event stream instead. Failed runs are the team's, told by
   * the server's own notifiers (Slack, Teams); each analyst's desktop shows the approvals.
   */
  announceFrom(engine: ShellEngine, log: (message: string) => void): void {
    this.unsubscribe.push(
      engine.onEvent((event) => {
        const uuid = event.data.approval_uuid;
        if (typeof uuid !== 'string' || (event.type !== 'approval.created' && event.type !== 'approval.expired')) return;
        engine
          .approval(uuid)
          .then((approval) => (event.type === 'approval.created' ? this.approvalCreated(approval, null) : this.approvalExpired(approval)))
          .catch((error: Error) => log(`Could not show the approval request ${uuid}: ${error.message}`));
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    for (const notification of this.live.values()) notification.close();
    this.live.clear();
  }

  /** Number of notifications currently kept (tests). */
  get liveCount(): number {
    return this.live.size;
  }

  approvalCreated(approval: ApprovalSummary, _decideUrl: string | null): void {
    // The console has its own session; the browser link is for the other notifiers.
    if (approval.status !== 'pending') return;
    const options = approvalNotification(approval, this.now(), this.platform);
    const key = `approval:${approval.uuid}`;
    const notification = this.show(key, options, { view: 'approval', uuid: approval.uuid });
    if (!options.actions || options.actions.length === 0) return;
    notification.on('action', (details) => {
      this.close(key);
      this.options.decide(approval.uuid, details.actionIndex === 0 ? 'approve' : 'reject');
    });
  }

  approvalExpired(approval: ApprovalSummary): void {
    this.close(`approval:${approval.uuid}`);
    const indicator = shownIndicator(approval.input);
    this.show(
      `expired:${approval.uuid}`,
      {
        title: `Approval expired: ${clip(approval.workflow_name, 60)}`,
        body: `${indicator.type} ${clip(indicator.value, 80)}: nobody decided in time, the run did not happen.`,
      },
      { view: 'approval', uuid: approval.uuid },
    );
  }

  runFailed(run: RunSummary): void {
    this.show(
      `run:${run.uuid}`,
      {
        title: `Run ${run.status === 'timed_out' ? 'timed out' : 'failed'}: ${clip(run.workflow_name, 60)}`,
        body: clip(run.error ?? 'The workflow reported a failure.', 200),
      },
      { view: 'run', uuid: run.uuid },
    );
  }

  private show(key: string, options: NotificationConstructorOptions, target: ConsoleTarget): Notification {
    if (!Notification.isSupported()) throw new NotificationsUnsupportedError();
    this.close(key);
    const notification = new Notification({ ...options, icon: this.options.icon });
    notification.on('click', () => {
      this.close(key);
      this.options.openConsole(target);
    });
    notification.on('close', () => {
      if (this.live.get(key) === notification) this.live.delete(key);
    });
    this.live.set(key, notification);
    if (this.live.size > MAX_LIVE_NOTIFICATIONS) {
      const oldest = this.live.keys().next().value;
      if (oldest !== undefined) this.close(oldest);
    }
    notification.show();
    return notification;
  }

  private close(key: string): void {
    const notification = this.live.get(key);
    if (!notification) return;
    this.live.delete(key);
    notification.close();
  }
}
