import type { EventType } from '../../../shared/domain.ts';

export type EngineEventType = EventType;

export interface EngineEvent {
  id: number;
  type: EngineEventType;
  at: string;
  data: Record<string, unknown>;
  /**
   * The key that triggered the run or approval the event is about (null: a human-only or
   * workflow event). Not part of `data`: it decides who hears the event and is never sent.
   */
  owner: number | null;
  /**
   * Relayed from another engine instance on the same database (PostgreSQL): its SSE clients and
   * waiters hear it here too, but what the event caused (notifications) was done where it happened.
   */
  remote?: true;
}

/**
 * In-process event stream for the console, the tray and notifiers. Events carry increasing ids and
 * a bounded history is kept so a client reconnecting with Last-Event-ID misses nothing recent.
 *
 * Emitting never throws, whatever a listener does: an event is announced after the work it tells of
 * has been committed (a run queued, an approval decided), so a listener that fails (a notifier, a
 * stream, the relay to other instances) is logged and the others still hear the event, where an
 * EventEmitter would have thrown into the emitter (an execute answering 500 for a run it queued)
 * and skipped every listener after it.
 */
export class EventBus {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly history: EngineEvent[] = [];
  private nextId = 1;

  private readonly historySize: number;
  private readonly log: { error(message: string): void };

  constructor(log: { error(message: string): void }, historySize = 1000) {
    this.log = log;
    this.historySize = historySize;
  }

  emit(type: EngineEventType, data: Record<string, unknown>, owner: number | null = null): EngineEvent {
    return this.publish({ id: this.nextId++, type, at: new Date().toISOString(), data, owner });
  }

  /** An event another instance emitted (see `remote`); it gets an id in this instance's sequence. */
  emitRemote(type: EngineEventType, at: string, data: Record<string, unknown>, owner: number | null): EngineEvent {
    return this.publish({ id: this.nextId++, type, at, data, owner, remote: true });
  }

  private publish(event: EngineEvent): EngineEvent {
    this.history.push(event);
    if (this.history.length > this.historySize) this.history.shift();
    // A listener added or removed meanwhile does not change who hears this event.
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.log.error(`a listener of ${event.type} events failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
    return event;
  }

  /** Events after `lastId` still in history, oldest first. */
  since(lastId: number): EngineEvent[] {
    return this.history.filter((event) => event.id > lastId);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    // A function subscribed twice hears each event twice, as with an EventEmitter.
    const own = (event: EngineEvent) => listener(event);
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }
}
