// The shell's view of the engine it follows (tray, notifications): the engine it runs in-process,
// or a team server over its REST API (remote-engine.ts). A narrow port instead of the whole Engine
// keeps the shell's tests free of SQLite and names exactly what the shell may do; it is async
// because a team server answers over the network.
import { userInfo } from 'node:os';
import type { Engine, EngineEvent } from '../engine/index.ts';
import { shownIndicator } from '../../shared/domain.ts';

/** What the tray and notifications show of an approval request. */
export interface ApprovalSummary {
  uuid: string;
  workflow_name: string;
  risk_level: string;
  trigger_type: string;
  reason: string | null;
  status: string;
  expires_at: string;
  /** Null for a scheduled run's request. */
  input: { indicator: { type: string; value: string } | null };
}

export interface RunSummary {
  uuid: string;
  workflow_name: string;
  status: string;
  error: string | null;
}

export type Decision = 'approve' | 'reject';

export interface PauseState {
  paused: boolean;
  /** Why this desktop may not change it (a team server key without the admin scope); null when it may. */
  locked: string | null;
}

export interface ShellEngine {
  /** Pending approvals, soonest expiry first, and how many are pending in all. */
  pendingApprovals(limit: number): Promise<{ items: ApprovalSummary[]; total: number }>;
  approval(uuid: string): Promise<ApprovalSummary>;
  /**
   * Decides from `via` (the tray, a notification). Rejects with the engine's refusal (already
   * decided, expired) as an Error with its message.
   */
  decide(uuid: string, decision: Decision, via: string): Promise<void>;
  pauseState(): Promise<PauseState>;
  setExecutionPaused(paused: boolean): Promise<void>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onSettingsChange(listener: () => void): () => void;
  /** Called with why the engine cannot be reached, and with null once it can again. */
  onConnectionChange(listener: (problem: string | null) => void): () => void;
}

/**
 * How the analyst is named as the responder of decisions made in-process from the tray or a
 * notification. (A team server names the analyst's key instead.)
 */
export function desktopResponder(via: string): string {
  let user = 'desktop user';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the generic name still says where the decision came from.
  }
  return `${user} (${via})`;
}

/** The reason kept with a decision made outside the console: a rejection says where it came from. */
export function decisionReason(decision: Decision, via: string): string | null {
  return decision === 'reject' ? `Rejected from the ${via}` : null;
}

export function shellEngine(engine: Engine): ShellEngine {
  return {
    async pendingApprovals(limit) {
      return engine.store.approvals.list({ status: ['pending'], limit, offset: 0 });
    },
    async approval(uuid) {
      return engine.approvals.get(uuid);
    },
    async decide(uuid, decision, via) {
      engine.approvals.decide(uuid, decision, desktopResponder(via), decisionReason(decision, via));
    },
    pauseState: async () => ({ paused: engine.settings.get().execution_paused, locked: null }),
    async setExecutionPaused(paused) {
      engine.settings.update({ execution_paused: paused });
    },
    onEvent: (listener) => engine.bus.subscribe(listener),
    onSettingsChange: (listener) => engine.settings.onChange(() => listener()),
    // In the same process there is nothing to lose the connection to.
    onConnectionChange: () => () => undefined,
  };
}

/** High and critical requests are decided in the console, where the full input is visible. */
export function needsConsoleReview(approval: Pick<ApprovalSummary, 'risk_level'>): boolean {
  return approval.risk_level === 'high' || approval.risk_level === 'critical';
}

/** "expires in 12 min" and the like; coarse on purpose, the menu is rebuilt every half minute. */
export function formatExpiresIn(expiresAt: string, now: number): string {
  const seconds = Math.round((Date.parse(expiresAt) - now) / 1000);
  if (!Number.isFinite(seconds)) return 'expiry unknown';
  if (seconds <= 0) return 'expiring now';
  if (seconds < 60) return `expires in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `expires in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `expires in ${hours} h` : `expires in ${hours} h ${rest} min`;
  return `expires in ${Math.round(hours / 24)} days`;
}

/** Shortens text for a menu or notification line, keeping its start. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** "Workflow · indicator · expires in 12 min" */
export function approvalLabel(approval: ApprovalSummary, now: number): string {
  return `${clip(approval.workflow_name, 40)} · ${clip(shownIndicator(approval.input).value, 40)} · ${formatExpiresIn(approval.expires_at, now)}`;
}
