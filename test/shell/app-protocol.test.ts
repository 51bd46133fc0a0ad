// The app:// handler against a real renderer folder on disk and a real HTTP server standing in for
// the API (the handler imports no electron; Request and Response are the same classes Electron uses).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, createAppRequestHandler, isApiPath } from '../../src/main/shell/app-protocol.ts';

const CSP = "default-src 'none'; script-src 'self'";
const scratch = mkdtempSync(join(tmpdir(), 'vigil-app-protocol-'));
const rendererDir = join(scratch, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Vigil</title>');
writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("vigil")');
writeFileSync(join(rendererDir, 'assets', 'codicon.ttf'), Buffer.from([0, 1, 0, 0]));
writeFileSync(join(scratch, 'secret.txt'), 'not for the renderer');

let upstream: Server;
let apiUrl: string;
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let releaseStream: (() => void) | null = null;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString() });
      if (request.url === '/v1/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('id: 1\nevent: approval.created\ndata: {}\n\n');
        releaseStream = () => response.end('id: 2\nevent: run.finished\ndata: {}\n\n');
        return;
      }
      response.writeHead(request.url === '/v1/missing' ? 404 : 200, {
        'content-type': 'application/json; charset=utf-8',
        'set-cookie': 'session=1',
        'x-request-id': 'abc',
      });
      response.end(JSON.stringify({ data: { ok: true }, meta: {} }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

function handler(options: { api?: string | null } = {}) {
  return createAppRequestHandler({ rendererDir, apiUrl: () => (options.api === undefined ? apiUrl : options.api), csp: CSP });
}

function request(url: string, init: RequestInit & { initiatorOrigin?: string } = {}): Request {
  const { initiatorOrigin, ...rest } = init;
  const built = new Request(url, rest);
  // Electron sets this on requests made by web content.
  if (initiatorOrigin !== undefined) Object.assign(built, { initiatorOrigin });
  return built;
}

describe('app:// static files', () => {
  it('serves index.html with the CSP header', async () => {
    const response = await handler()(request(`${APP_ORIGIN}/`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Vigil</title>');
  });

  it('serves assets with their content type', async () => {
    const js = await handler()(request(`${APP_ORIGIN}/assets/index-abc123.js`));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log("vigil")');
    const font = await handler()(request(`${APP_ORIGIN}/assets/codicon.ttf`));
    expect(font.headers.get('content-type')).toBe('font/ttf');
    expect(new Uint8Array(await font.arrayBuffer())).toEqual(new Uint8Array([0, 1, 0, 0]));
  });

  it('answers console routes with index.html (the single-page app routes them) but missing assets with 404', async () => {
    const route = await handler()(request(`${APP_ORIGIN}/approvals/0190aaaa`));
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Vigil</title>');
    expect((await handler()(request(`${APP_ORIGIN}/assets/missing.js`))).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const response = await handler()(request(`${APP_ORIGIN}${path}`));
      const body = await response.text();
      expect(body, path).not.toContain('not for the renderer');
    }
    expect((await handler()(request(`${APP_ORIGIN}/%00`))).status).toBe(400);
    expect((await handler()(request(`${APP_ORIGIN}/%E0%A4%A`))).status).toBe(400);
  });

  it('serves only the vigil host and only GET/HEAD', async () => {
    expect((await handler()(request('app://other/'))).status).toBe(404);
    expect((await handler()(request(`${APP_ORIGIN}/`, { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});

describe('app://vigil/v1 → the local API', () => {
  it('recognises API paths', () => {
    expect(isApiPath('/v1/workflows')).toBe(true);
    expect(isApiPath('/v1')).toBe(true);
    expect(isApiPath('/v10/x')).toBe(false);
    expect(isApiPath('/mcp')).toBe(false);
  });

  it('forwards method, path, query, body and Authorization; drops the browser headers', async () => {
    seen.length = 0;
    const response = await handler()(
      request(`${APP_ORIGIN}/v1/workflows?page=2`, {
        method: 'POST',
        body: JSON.stringify({ name: 'Block IP' }),
        headers: {
          authorization: 'Bearer vgl_session',
          'content-type': 'application/json',
          'idempotency-key': 'k-1',
          origin: APP_ORIGIN,
          referer: `${APP_ORIGIN}/workflows`,
          cookie: 'a=b',
        },
        initiatorOrigin: APP_ORIGIN,
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: true }, meta: {} });
    const [forwarded] = seen;
    expect(forwarded).toMatchObject({ method: 'POST', url: '/v1/workflows?page=2', body: '{"name":"Block IP"}' });
    expect(forwarded!.headers).toMatchObject({
      authorization: 'Bearer vgl_session',
      'content-type': 'application/json',
      'idempotency-key': 'k-1',
      host: new URL(apiUrl).host,
    });
    // The API sees a same-machine client, as from any other local tool: no Origin to refuse.
    expect(forwarded!.headers.origin).toBeUndefined();
    expect(forwarded!.headers.referer).toBeUndefined();
    expect(forwarded!.headers.cookie).toBeUndefined();
  });

  it('passes status and headers back, without cookies', async () => {
    const response = await handler()(request(`${APP_ORIGIN}/v1/missing`));
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('abc');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('streams Server-Sent Events as they come', async () => {
    const response = await handler()(request(`${APP_ORIGIN}/v1/events`, { headers: { authorization: 'Bearer k' } }));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toContain('approval.created');
    releaseStream!();
    let rest = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += decoder.decode(chunk.value);
    }
    expect(rest).toContain('run.finished');
  });

  it('refuses requests initiated by another origin', async () => {
    seen.length = 0;
    const response = await handler()(request(`${APP_ORIGIN}/v1/workflows`, { initiatorOrigin: 'https://evil.example' }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error.code).toBe('FORBIDDEN_ORIGIN');
    expect(seen).toHaveLength(0);
  });

  it('answers 503 while the API is starting and 502 when it does not answer', async () => {
    const starting = await handler({ api: null })(request(`${APP_ORIGIN}/v1/health`));
    expect(starting.status).toBe(503);
    expect(((await starting.json()) as any).error.code).toBe('STARTING');
    const down = await handler({ api: 'http://127.0.0.1:9' })(request(`${APP_ORIGIN}/v1/health`));
    expect(down.status).toBe(502);
    expect(((await down.json()) as any).error.code).toBe('API_UNREACHABLE');
  });
});
