import { EventEmitter } from 'node:events';
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
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: EngineEvent[] = [];
  private nextId = 1;

  private readonly historySize: number;

  constructor(historySize = 1000) {
    this.historySize = historySize;
    this.emitter.setMaxListeners(0);
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
    this.emitter.emit('event', event);
    return event;
  }

  /** Events after `lastId` still in history, oldest first. */
  since(lastId: number): EngineEvent[] {
    return this.history.filter((event) => event.id > lastId);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
