// The live event stream (/v1/events): fetch + a streaming SSE parser, so the bearer key travels in
// a header. Reconnects with Last-Event-ID (the server replays what was missed), backs off while
// Vigil is unreachable, and treats 45 s without even a heartbeat as a dead connection.
import { SseParser } from '../../shared/sse.ts';
import type { VigilEvent } from './types.ts';

export type StreamStatus = 'connecting' | 'live' | 'offline';

export interface EventStreamOptions {
  baseUrl: string;
  token: string;
  onEvent: (event: VigilEvent) => void;
  onStatus?: (status: StreamStatus) => void;
  /** The key was refused: the session is over. The stream stops. */
  onUnauthorized?: () => void;
  /** Connected again after a gap: views should refresh what they show. */
  onResync?: () => void;
  fetch?: typeof fetch;
}

/** The server sends a comment every 15 s; three missed heartbeats mean the connection is gone. */
const IDLE_LIMIT_MS = 45_000;

export function reconnectDelay(attempt: number, serverRetryMs: number | null): number {
  const base = serverRetryMs ?? 2000;
  return Math.min(30_000, base * 2 ** Math.min(attempt, 4));
}

/** Opens the stream; returns a function that closes it for good. */
export function openEventStream(options: EventStreamOptions): () => void {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let closed = false;
  let controller: AbortController | null = null;
  let lastEventId: string | null = null;
  let retryMs: number | null = null;
  let wakeUp: (() => void) | null = null;
  let everConnected = false;

  const setStatus = (status: StreamStatus) => {
    if (!closed) options.onStatus?.(status);
  };

  async function connectOnce(): Promise<'unauthorized' | 'ended'> {
    controller = new AbortController();
    const current = controller;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => current.abort(), IDLE_LIMIT_MS);
    };
    try {
      resetIdle();
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.token}`,
        accept: 'text/event-stream',
      };
      if (lastEventId !== null) headers['last-event-id'] = lastEventId;
      const response = await doFetch(`${options.baseUrl.replace(/\/+$/, '')}/v1/events`, {
        headers,
        signal: current.signal,
        cache: 'no-store',
      });
      if (response.status === 401) return 'unauthorized';
      if (!response.ok || !response.body) return 'ended';
      setStatus('live');
      // Events older than the server's replay history may have been missed during the gap.
      if (everConnected) options.onResync?.();
      everConnected = true;
      const parser = new SseParser();
      parser.lastEventId = lastEventId;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        resetIdle();
        for (const message of parser.push(value)) {
          lastEventId = parser.lastEventId;
          let data: Record<string, unknown> = {};
          try {
            const parsed: unknown = JSON.parse(message.data);
            if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
          } catch {
            // A message that is not JSON carries nothing the console understands.
            continue;
          }
          options.onEvent({ id: Number(message.id ?? 0), type: message.event, data });
        }
        retryMs = parser.retryMs ?? retryMs;
      }
      return 'ended';
    } catch {
      return 'ended';
    } finally {
      clearTimeout(idle);
    }
  }

  void (async () => {
    let attempt = 0;
    while (!closed) {
      setStatus('connecting');
      const startedAt = Date.now();
      const outcome = await connectOnce();
      if (closed) return;
      if (outcome === 'unauthorized') {
        options.onUnauthorized?.();
        return;
      }
      // A connection that stayed up a while was healthy: start the backoff over.
      if (Date.now() - startedAt > 10_000) attempt = 0;
      setStatus('offline');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reconnectDelay(attempt++, retryMs));
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();

  return () => {
    closed = true;
    controller?.abort();
    wakeUp?.();
  };
}
