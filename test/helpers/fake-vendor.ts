// The plumbing the fake Okta and Microsoft Graph servers share: an HTTP server on 127.0.0.1 that
// records every request and can be told to answer the next calls with a failure first.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Reply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface Injected {
  /** Matches the request path (without query); all when absent. */
  path?: RegExp;
  reply: Reply;
  times: number;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` requests whose path matches answer `reply` instead. */
  inject(injection: Injected): void;
  close(): Promise<void>;
}

export async function fakeServer(handle: (request: RecordedRequest) => Reply): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const injections: Injected[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const injected = injections.find((injection) => injection.times > 0 && (!injection.path || injection.path.test(recorded.path)));
      let reply: Reply;
      if (injected) {
        injected.times--;
        reply = injected.reply;
      } else {
        reply = handle(recorded);
      }
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.json !== undefined) headers['content-type'] ??= 'application/json';
      res.writeHead(reply.status, headers);
      res.end(reply.json === undefined ? undefined : JSON.stringify(reply.json));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (injection) => injections.push({ ...injection }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
