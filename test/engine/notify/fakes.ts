// Real HTTP receivers on 127.0.0.1 that follow Slack's and Teams' documented shapes and record
// what they got: a fake Slack (Web API over HTTP, a Socket Mode WebSocket, incoming webhooks,
// response_url) and a Teams webhook receiver.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed body: JSON, or form fields (Slack Web API calls; JSON-valued fields such as blocks parsed). */
  body: any;
  raw: string;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(request: IncomingMessage, raw: string): any {
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/json')) return raw ? JSON.parse(raw) : null;
  if (type.includes('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      // The Web API client sends objects (blocks) as JSON text inside form fields.
      fields[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    }
    return fields;
  }
  return raw;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Failures queued per path: each request answered with the next one until none are left. */
class FailureQueue {
  private readonly queued = new Map<string, Array<{ status: number; body: unknown }>>();

  add(key: string, count: number, status: number, body: unknown): void {
    const list = this.queued.get(key) ?? [];
    for (let i = 0; i < count; i++) list.push({ status, body });
    this.queued.set(key, list);
  }

  take(key: string): { status: number; body: unknown } | undefined {
    return this.queued.get(key)?.shift();
  }
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  botToken: string;
  appToken: string;
  /** Web API calls, by method name, in order. */
  calls: Array<Recorded & { method: string }>;
  webhookUrl: string;
  webhookPosts: Recorded[];
  /** Posts to response_urls this fake handed out. */
  responses: Recorded[];
  responseUrl(id: string): string;
  /** Answer the next `count` calls of a Web API method (or 'webhook') with HTTP `status`. */
  failNext(method: string, count: number, status?: number, body?: unknown): void;
  /** Holds every call of a method (or 'webhook') unanswered until the returned function is called. */
  hold(method: string): () => void;
  /** Answer the next `count` calls of a method with `{ok: false, error}` (HTTP 200, as Slack does). */
  refuseNext(method: string, count: number, error: string): void;
  /** Resolves once a Socket Mode client is connected and has been sent `hello`. */
  socketConnected(): Promise<void>;
  /** How many Socket Mode connections were opened in all. */
  connections: number;
  /** Delivers an `interactive` envelope and resolves with the client's ack. */
  interact(payload: unknown): Promise<{ envelope_id: string }>;
  close(): Promise<void>;
}

export async function startFakeSlack(options: { botToken?: string; appToken?: string } = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-1111-2222-fakebottoken';
  const appToken = options.appToken ?? 'xapp-1-A111-2222-fakeapptoken';
  const calls: FakeSlack['calls'] = [];
  const webhookPosts: Recorded[] = [];
  const responses: Recorded[] = [];
  const failures = new FailureQueue();
  const held = new Map<string, Promise<void>>();
  let ts = 0;
  let envelopes = 0;
  let base = '';
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (ack: { envelope_id: string }) => void>();
  const fake = { connections: 0 } as FakeSlack;

  const server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const path = (request.url ?? '/').split('?')[0]!;
    const recorded = { path, headers: request.headers, body: parseBody(request, raw), raw };
    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      calls.push({ ...recorded, method });
      await held.get(method);
      const failure = failures.take(method);
      if (failure) return json(response, failure.status, failure.body);
      const auth = request.headers.authorization ?? '';
      const wanted = method === 'apps.connections.open' ? appToken : botToken;
      if (auth !== `Bearer ${wanted}`) return json(response, 200, { ok: false, error: 'invalid_auth' });
      switch (method) {
        case 'chat.postMessage': {
          const channel = String(recorded.body.channel);
          ts += 1;
          return json(response, 200, {
            ok: true,
            channel: channel.startsWith('#') ? `C${channel.slice(1).toUpperCase().replace(/[^A-Z0-9]/g, '')}` : channel,
            ts: `1700000000.${String(ts).padStart(6, '0')}`,
            message: { text: recorded.body.text, blocks: recorded.body.blocks },
          });
        }
        case 'chat.update':
          return json(response, 200, { ok: true, channel: recorded.body.channel, ts: recorded.body.ts, text: recorded.body.text });
        case 'apps.connections.open':
          return json(response, 200, { ok: true, url: `${base.replace('http:', 'ws:')}/link/?ticket=t${fake.connections + 1}` });
        default:
          return json(response, 200, { ok: false, error: 'unknown_method' });
      }
    }
    if (path === '/webhook') {
      webhookPosts.push(recorded);
      await held.get('webhook');
      const failure = failures.take('webhook');
      if (failure) {
        response.writeHead(failure.status, { 'content-type': 'text/plain' });
        return response.end(String(failure.body ?? 'rollup_error'));
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end('ok');
    }
    if (path.startsWith('/response/')) {
      responses.push(recorded);
      return json(response, 200, { ok: true });
    }
    json(response, 404, { ok: false, error: 'not_found' });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (!request.url?.startsWith('/link/')) return socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => {
      fake.connections += 1;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string };
        if (message.envelope_id) acks.get(message.envelope_id)?.({ envelope_id: message.envelope_id });
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A111' }, debug_info: { host: 'fake' } }));
    });
  });

  base = await listen(server);
  Object.assign(fake, {
    url: base,
    apiUrl: `${base}/api/`,
    botToken,
    appToken,
    calls,
    webhookUrl: `${base}/webhook`,
    webhookPosts,
    responses,
    responseUrl: (id: string) => `${base}/response/${id}`,
    failNext(method: string, count: number, status = 500, body: unknown = { ok: false, error: 'internal_error' }) {
      failures.add(method, count, status, body);
    },
    hold(method: string) {
      let release!: () => void;
      held.set(method, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        held.delete(method);
        release();
      };
    },
    refuseNext(method: string, count: number, error: string) {
      failures.add(method, count, 200, { ok: false, error });
    },
    async socketConnected() {
      // hello is sent on connect; the client counts as connected once it has had a moment to read it.
      await waitFor(() => [...sockets].some((ws) => ws.readyState === ws.OPEN), 'a Socket Mode connection');
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    interact(payload: unknown) {
      const ws = [...sockets].find((socket) => socket.readyState === socket.OPEN);
      if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
      envelopes += 1;
      const envelope_id = `env-${envelopes}`;
      return new Promise<{ envelope_id: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`envelope ${envelope_id} was not acknowledged`)), 5000);
        acks.set(envelope_id, (ack) => {
          clearTimeout(timer);
          acks.delete(envelope_id);
          resolve(ack);
        });
        ws.send(JSON.stringify({ envelope_id, type: 'interactive', payload, accepts_response_payload: false }));
      });
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return fake;
}

export interface TeamsReceiver {
  url: string;
  posts: Recorded[];
  failNext(count: number, status?: number, body?: string): void;
  close(): Promise<void>;
}

/**
 * A Teams Workflows webhook: answers 202 with no body. `legacy` acts like the classic O365
 * connector: 200 with the body "1".
 */
export async function startTeamsReceiver(options: { legacy?: boolean } = {}): Promise<TeamsReceiver> {
  const posts: Recorded[] = [];
  const failures = new FailureQueue();
  const server = createServer(async (request, response) => {
    const raw = await readBody(request);
    posts.push({ path: request.url ?? '/', headers: request.headers, body: parseBody(request, raw), raw });
    const failure = failures.take('post');
    if (failure) {
      response.writeHead(failure.status, { 'content-type': 'text/plain' });
      return response.end(String(failure.body));
    }
    if (options.legacy) {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end('1');
    }
    response.writeHead(202);
    response.end();
  });
  const base = await listen(server);
  return {
    url: `${base}/workflows/triggers/manual/paths/invoke?sig=fake`,
    posts,
    failNext(count, status = 500, body = 'Internal Server Error') {
      failures.add('post', count, status, body);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
