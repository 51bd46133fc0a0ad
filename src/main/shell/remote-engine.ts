// The shell's port (engine-port.ts) over a team server's REST API and its event stream, with the
// analyst's own key: the tray and notifications follow the team's approvals, and a decision made
// here is recorded by the server under that key. The stream reconnects with backoff and resumes
// from the last event it saw (the server replays what was missed).
import type { EngineEvent } from '../engine/index.ts';
import type { Approval, Settings } from '../../shared/api/index.ts';
import { EVENT_TYPES, type EventType } from '../../shared/domain.ts';
import { SseParser } from '../../shared/sse.ts';
import { decisionReason, type PauseState, type ShellEngine } from './engine-port.ts';
import { answerError, describeFetchFailure, teamRequest, type TeamKey } from './team-server.ts';

/** The server sends a comment every 15 s; three missed heartbeats mean the connection is gone. */
export const EVENT_STREAM_IDLE_MS = 45_000;

/** Waits 2 s (or what the server asked for with `retry:`), doubling up to 30 s while the server stays away. */
export function reconnectDelay(attempt: number, serverRetryMs: number | null): number {
  const base = serverRetryMs ?? 2000;
  return Math.min(30_000, base * 2 ** Math.min(attempt, 4));
}

export interface RemoteEngineOptions {
  /** The team server's origin (checked: https, or http on loopback). */
  url: string;
  key: string;
  log(message: string): void;
  fetch?: typeof globalThis.fetch;
  /** The wait before a reconnection attempt; tests shorten it. */
  reconnectDelay?(attempt: number, serverRetryMs: number | null): number;
}

const KNOWN_EVENTS = new Set<string>(EVENT_TYPES);

export class RemoteShellEngine implements ShellEngine {
  private readonly options: RemoteEngineOptions;
  private readonly fetch: typeof globalThis.fetch;
  private readonly eventListeners = new Set<(event: EngineEvent) => void>();
  private readonly settingsListeners = new Set<() => void>();
  private readonly connectionListeners = new Set<(problem: string | null) => void>();
  private key: Promise<TeamKey> | null = null;
  private problem: string | null = null;
  private lastEventId: string | null = null;
  private retryMs: number | null = null;
  /** Ends the connection in progress (its request and its body's reader). */
  private hangUp: (() => void) | null = null;
  private wakeUp: (() => void) | null = null;
  private closed = false;
  private following: Promise<void> | null = null;

  constructor(options: RemoteEngineOptions) {
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Why the team server cannot be used right now (the last failure of the event stream), or null. */
  get connectionProblem(): string | null {
    return this.problem;
  }

  private request<T>(path: string, init: { method?: string; body?: unknown } = {}) {
    return teamRequest<T>(this.options.url, this.options.key, path, { ...init, fetch: this.fetch });
  }

  async pendingApprovals(limit: number) {
    const { data, meta } = await this.request<Approval[]>(`/v1/workflow-approvals?status=pending&page_size=${limit}`);
    return { items: data, total: typeof meta.total === 'number' ? meta.total : data.length };
  }

  async approval(uuid: string) {
    return (await this.request<Approval>(`/v1/workflow-approvals/${encodeURIComponent(uuid)}`)).data;
  }

  async decide(uuid: string, decision: 'approve' | 'reject', via: string): Promise<void> {
    // The server names the responder after the key (the analyst's own), so only the reason says where.
    const reason = decisionReason(decision, via);
    await this.request(`/v1/workflow-approvals/${encodeURIComponent(uuid)}/${decision}`, { method: 'POST', body: reason ? { reason } : {} });
  }

  async pauseState(): Promise<PauseState> {
    const [{ data: settings }, key] = await Promise.all([this.request<Settings>('/v1/settings'), this.ownKey()]);
    const locked = key.scopes.includes('admin') ? null : `your key "${key.name}" lacks the admin scope`;
    return { paused: settings.execution_paused, locked };
  }

  async setExecutionPaused(paused: boolean): Promise<void> {
    await this.request('/v1/settings', { method: 'PATCH', body: { execution_paused: paused } });
    for (const listener of this.settingsListeners) listener();
  }

  /** The key as the server knows it; asked once, and again after a failure. */
  private ownKey(): Promise<TeamKey> {
    this.key ??= this.request<TeamKey>('/v1/api-keys/current').then(
      (answer) => answer.data,
      (error: Error) => {
        this.key = null;
        throw error;
      },
    );
    return this.key;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onSettingsChange(listener: () => void): () => void {
    this.settingsListeners.add(listener);
    return () => this.settingsListeners.delete(listener);
  }

  onConnectionChange(listener: (problem: string | null) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Opens the event stream and keeps it open until close(). */
  start(): void {
    this.following ??= this.follow();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hangUp?.();
    this.wakeUp?.();
    await this.following;
  }

  private setProblem(problem: string | null): void {
    if (problem !== null && problem === this.problem) return;
    if (problem !== null && problem !== this.problem) this.options.log(`Team server ${this.options.url}: ${problem}`);
    this.problem = problem;
    // Connected again (also after a clean reconnect): listeners re-read what they show, since the
    // server's replay does not reach back past its history.
    for (const listener of this.connectionListeners) listener(problem);
  }

  private async follow(): Promise<void> {
    let attempt = 0;
    let first = true;
    while (!this.closed) {
      const startedAt = Date.now();
      const outcome = await this.connectOnce(first);
      if (this.closed) return;
      if (outcome === 'connected') first = false;
      // A connection that stayed up a while was healthy: start the backoff over.
      if (outcome === 'connected' && Date.now() - startedAt > 10_000) attempt = 0;
      const delay = (this.options.reconnectDelay ?? reconnectDelay)(attempt++, this.retryMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  /** One connection: 'connected' when the stream was open (and has ended), 'failed' when it never was. */
  private async connectOnce(first: boolean): Promise<'connected' | 'failed'> {
    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<string> | null = null;
    // Aborting the request does not always end a read already waiting on its body: the reader is
    // cancelled too.
    const hangUp = () => {
      controller.abort();
      reader?.cancel().catch(() => undefined);
    };
    this.hangUp = hangUp;
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(hangUp, EVENT_STREAM_IDLE_MS);
    };
    let connected = false;
    try {
      resetIdle();
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}`, accept: 'text/event-stream' };
      if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
      let response: Response;
      try {
        response = await this.fetch(`${this.options.url}/v1/events`, { headers, signal: controller.signal, redirect: 'error' });
      } catch (error) {
        if (!this.closed) this.setProblem(describeFetchFailure(error, this.options.url).message);
        return 'failed';
      }
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        this.setProblem(answerError(this.options.url, response, text).message);
        return 'failed';
      }
      connected = true;
      // On the first connection the server replays its recent history: events from before this
      // launch are not news (the tray reads the pending list at start), so only later ones count.
      // The server's own clock says when "now" is; its Date header is whole seconds.
      const date = Date.parse(response.headers.get('date') ?? '');
      const notBefore = first && Number.isFinite(date) ? date : null;
      this.setProblem(null);
      const parser = new SseParser();
      parser.lastEventId = this.lastEventId;
      reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      if (this.closed) return 'connected';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        resetIdle();
        for (const message of parser.push(value)) {
          this.lastEventId = parser.lastEventId;
          const event = toEngineEvent(message.id, message.event, message.data);
          if (!event || (notBefore !== null && Date.parse(event.at) < notBefore)) continue;
          for (const listener of this.eventListeners) listener(event);
        }
        this.retryMs = parser.retryMs ?? this.retryMs;
      }
      return 'connected';
    } catch (error) {
      // The stream broke (network gone, idle limit, close()); the loop reconnects unless closed.
      if (!this.closed && connected) this.setProblem(describeFetchFailure(error, this.options.url).message);
      return connected ? 'connected' : 'failed';
    } finally {
      clearTimeout(idle);
      this.hangUp = null;
    }
  }
}

/** An SSE message as the engine's event, or null when it is not one the shell knows. */
function toEngineEvent(id: string | null, type: string, text: string): EngineEvent | null {
  if (!KNOWN_EVENTS.has(type)) return null;
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    data = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const { at, ...rest } = data;
  return { id: Number(id ?? 0), type: type as EventType, at: typeof at === 'string' ? at : new Date().toISOString(), data: rest, owner: null };
}

/**
 * The port when the team server cannot even be tried (no key stored, the keychain refused): every
 * read fails with why, so the tray says it, and Settings → Server is where it is fixed.
 */
export function unavailableEngine(problem: string): ShellEngine {
  const fail = async (): Promise<never> => {
    throw new Error(problem);
  };
  return {
    pendingApprovals: fail,
    approval: fail,
    decide: fail,
    pauseState: fail,
    setExecutionPaused: fail,
    onEvent: () => () => undefined,
    onSettingsChange: () => () => undefined,
    onConnectionChange: () => () => undefined,
  };
}
