// The shell's view of the engine it runs in-process (tray, notifications). A narrow port instead of
// the whole Engine keeps the shell's tests free of SQLite and names exactly what the shell may do.
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

export interface ShellEngine {
  /** Pending approvals, soonest expiry first, and how many are pending in all. */
  pendingApprovals(limit: number): { items: ApprovalSummary[]; total: number };
  /** Throws the engine's 409 (already decided, expired) as an Error with that message. */
  decide(uuid: string, decision: Decision, responder: string, reason: string | null): void;
  executionPaused(): boolean;
  setExecutionPaused(paused: boolean): void;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onSettingsChange(listener: () => void): () => void;
}

export function shellEngine(engine: Engine): ShellEngine {
  return {
    pendingApprovals(limit) {
      return engine.store.approvals.list({ status: ['pending'], limit, offset: 0 });
    },
    decide(uuid, decision, responder, reason) {
      engine.approvals.decide(uuid, decision, responder, reason);
    },
    executionPaused: () => engine.settings.get().execution_paused,
    setExecutionPaused(paused) {
      engine.settings.update({ execution_paused: paused });
    },
    onEvent: (listener) => engine.bus.subscribe(listener),
    onSettingsChange: (listener) => engine.settings.onChange(() => listener()),
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
