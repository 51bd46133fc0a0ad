// A minimal EventSource for tests: reads GET /v1/events and parses it as the SSE spec says.
import { eventually } from './server.ts';

export interface SseEvent {
  id: number;
  type: string;
  data: any;
}

export interface EventStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Resolves once the server has ended the stream. */
  ended: Promise<void>;
  /** Resolves with the first event (from now on, or already received) that matches. */
  next(match: (event: SseEvent) => boolean, what: string): Promise<SseEvent>;
  close(): void;
}

export async function openEventStream(baseUrl: string, key: string, headers: Record<string, string> = {}, query = ''): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/v1/events${query}`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
        if (fields.event && fields.id) events.push({ id: Number(fields.id), type: fields.event, data: JSON.parse(fields.data ?? 'null') });
      }
    }
  })().catch(() => undefined);
  return {
    status: response.status,
    headers: response.headers,
    events,
    ended,
    next: (match, what) => eventually(async () => events.find(match), what),
    close: () => controller.abort(),
  };
}
