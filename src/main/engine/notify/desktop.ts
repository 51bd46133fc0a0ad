import type { Approval, Run } from '../db/index.ts';
import { shownIndicator } from '../../../shared/domain.ts';
import type { Notifier, NotifierContext } from './notifier.ts';
import { failureReason, formatConfidence, oneLine } from './text.ts';

/**
 * The engine's port for OS notifications. The Electron shell implements it with native
 * notifications (the engine never imports electron); headless, a log line stands in. A method may
 * return a promise; a rejection counts as a failed delivery and is retried like any notifier.
 */
export interface DesktopNotifier {
  /** A new approval request. `decideUrl` is the token link of the browser page, or null when the API is not listening. */
  approvalCreated(approval: Approval, decideUrl: string | null): void | Promise<void>;
  /** A request nobody answered in time. */
  approvalExpired(approval: Approval): void | Promise<void>;
  /** A run that ended failed or timed_out. */
  runFailed(run: Run): void | Promise<void>;
}

/**
 * Headless stand-in: one log line per event. The approval line carries the browser link, because
 * in a terminal running `vigil serve` that line is the notification; whoever can read that log can
 * decide, so logs of a shared server deserve the same care as the link itself (or turn desktop
 * notifications off there).
 */
export function logDesktopNotifier(log: { info(message: string): void }): DesktopNotifier {
  return {
    approvalCreated(approval, decideUrl) {
      const indicator = shownIndicator(approval.input);
      log.info(
        `Approval needed: "${oneLine(approval.workflow_name)}" (${approval.risk_level} risk) for ${indicator.type} ${oneLine(indicator.value)}, ` +
          `confidence ${formatConfidence(approval.confidence)}, expires ${approval.expires_at}` +
          (decideUrl ? `; decide at ${decideUrl}` : `; decide in the console (approval ${approval.uuid})`),
      );
    },
    approvalExpired(approval) {
      log.info(`Approval expired unanswered: "${oneLine(approval.workflow_name)}" (approval ${approval.uuid}); nothing was run.`);
    },
    runFailed(run) {
      const why = failureReason(run);
      log.info(`Run ${run.status === 'timed_out' ? 'timed out' : 'failed'}: "${oneLine(run.workflow_name)}" (run ${run.uuid})${why ? `: ${oneLine(why)}` : ''}`);
    },
  };
}

/** The desktop: new requests, requests that expired unanswered, and failed runs, through the shell's port. */
export function desktopChannel(context: Pick<NotifierContext, 'settings'>, port: DesktopNotifier): Notifier {
  return {
    channel: 'desktop',
    announces: (settings) => settings.desktop.enabled,
    request: (approval, decideUrl) => ({ attempt: async () => port.approvalCreated(approval, decideUrl) }),
    // A decision was made by someone who knows; only a request nobody answered needs telling.
    closed: (approval, end) => (end === 'approval.expired' && context.settings().desktop.enabled ? { attempt: async () => port.approvalExpired(approval) } : null),
    reportsFailedRuns: (settings) => settings.desktop.enabled && settings.desktop.run_failed,
    runFailed: async (run) => port.runFailed(run),
  };
}
