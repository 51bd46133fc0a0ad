// Server-Sent Events (text/event-stream): the live event stream and code generation's progress.
import type { FastifyReply } from 'fastify';

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Proxies (nginx) would otherwise hold events back until a buffer fills.
  'x-accel-buffering': 'no',
};

/** A comment line this often keeps proxies and clients from taking a quiet stream for a dead one. */
const HEARTBEAT_MS = 15_000;

export interface EventStream {
  /** Writes one event; nothing once the stream has ended or the client has gone. */
  send(event: string, data: unknown, id?: number): void;
  /** Ends the stream (the client may reconnect). */
  end(): void;
  /** Runs once the stream is over: ended here, or the client went away. */
  onClose(listener: () => void): void;
}

/** Takes the response over from Fastify and answers 200 with an event stream that starts with `preamble`. */
export function openEventStream(reply: FastifyReply, preamble: string): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, EVENT_STREAM_HEADERS);
  const write = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  write(preamble);
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
  const listeners: Array<() => void> = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  res.on('close', close);
  res.on('error', close);
  return {
    send: (event, data, id) => write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    end() {
      close();
      if (!res.writableEnded) res.end();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
