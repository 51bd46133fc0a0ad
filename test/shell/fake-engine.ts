// An in-memory ShellEngine for the tray and notification tests: approvals and runs as plain
// objects, events and connection changes emitted by the test, decisions recorded (and refused the
// way the engine does).
import type { EngineEvent } from '../../src/main/engine/index.ts';
import type { ApprovalSummary, Decision, ShellEngine } from '../../src/main/shell/engine-port.ts';

export const NOW = Date.parse('2026-03-01T12:00:00Z');

let counter = 0;

export function approval(fields: Partial<ApprovalSummary> & { indicator?: string } = {}): ApprovalSummary {
  counter++;
  const { indicator, ...rest } = fields;
  return {
    uuid: `0190aaaa-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    workflow_name: `Block IP ${counter}`,
    risk_level: 'medium',
    trigger_type: 'agent',
    reason: 'Seen in 14 failed logins',
    status: 'pending',
    expires_at: new Date(NOW + 12 * 60_000).toISOString(),
    input: { indicator: { type: 'ip', value: indicator ?? `203.0.113.${counter}` } },
    ...rest,
  };
}

export class FakeShellEngine implements ShellEngine {
  approvals: ApprovalSummary[] = [];
  paused = false;
  pauseLocked: string | null = null;
  /** When set, every read fails with it (a team server that does not answer). */
  failure: string | null = null;
  decisions: Array<{ uuid: string; decision: Decision; via: string }> = [];
  pendingCalls = 0;
  private readonly eventListeners = new Set<(event: EngineEvent) => void>();
  private readonly settingsListeners = new Set<() => void>();
  private readonly connectionListeners = new Set<(problem: string | null) => void>();
  private nextEventId = 1;

  async pendingApprovals(limit: number) {
    this.pendingCalls++;
    if (this.failure) throw new Error(this.failure);
    const pending = this.approvals.filter((item) => item.status === 'pending');
    return { items: pending.slice(0, limit), total: pending.length };
  }

  async approval(uuid: string) {
    const found = this.approvals.find((item) => item.uuid === uuid);
    if (!found) throw new Error(`No approval request with id ${uuid}.`);
    return found;
  }

  async decide(uuid: string, decision: Decision, via: string) {
    const found = await this.approval(uuid);
    if (found.status !== 'pending') throw new Error(`This approval request was already ${found.status}.`);
    found.status = decision === 'approve' ? 'approved' : 'rejected';
    this.decisions.push({ uuid, decision, via });
  }

  async pauseState() {
    if (this.failure) throw new Error(this.failure);
    return { paused: this.paused, locked: this.pauseLocked };
  }

  async setExecutionPaused(paused: boolean) {
    this.paused = paused;
    for (const listener of this.settingsListeners) listener();
  }

  onEvent(listener: (event: EngineEvent) => void) {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onSettingsChange(listener: () => void) {
    this.settingsListeners.add(listener);
    return () => this.settingsListeners.delete(listener);
  }

  onConnectionChange(listener: (problem: string | null) => void) {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  get listenerCount(): number {
    return this.eventListeners.size + this.settingsListeners.size + this.connectionListeners.size;
  }

  emit(type: EngineEvent['type'], data: Record<string, unknown>): void {
    const event: EngineEvent = { id: this.nextEventId++, type, at: new Date(NOW).toISOString(), data, owner: null };
    for (const listener of this.eventListeners) listener(event);
  }

  /** What a remote engine reports when its connection drops (a problem) or comes back (null). */
  connection(problem: string | null): void {
    for (const listener of this.connectionListeners) listener(problem);
  }
}
