// The console's server side: the one-time login exchange (POST /v1/session) and the built console
// served at / with its CSP.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginToken, loginUrl, SESSION_TTL_MS } from '../../src/main/engine/session/index.ts';
import { closeSharedSandbox, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'vigil-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("console")');
  writeFileSync(join(rendererDir, 'assets', 'codicon-x.ttf'), 'font');
  writeFileSync(join(rendererDir, 'secret.txt'), 'outside assets');
  server = await startTestServer({ rendererDir });
});

afterAll(async () => {
  await server.close();
  await closeSharedSandbox();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('POST /v1/session', () => {
  it('trades a login token, once, for a 12-hour human admin session key', async () => {
    const token = createLoginToken(server.server.engine);
    expect(loginUrl(server.url, token)).toBe(`${server.url}/#login=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const first = await server.request('POST', '/v1/session', { key: null, body: { login_token: token } });
    expect(first.status).toBe(201);
    const session = first.body.data;
    expect(session).toMatchObject({ name: 'console session', key_type: 'human', scopes: ['admin'], revoked: false });
    expect(session.key).toMatch(/^vgl_/);
    const lifetime = Date.parse(session.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(SESSION_TTL_MS - 60_000);
    expect(lifetime).toBeLessThanOrEqual(SESSION_TTL_MS);
    expect((await server.request('GET', '/v1/api-keys', { key: session.key })).status).toBe(200);

    const again = await server.request('POST', '/v1/session', { key: null, body: { login_token: token } });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('LOGIN_TOKEN_INVALID');
  });

  it('refuses unknown tokens and malformed bodies', async () => {
    createLoginToken(server.server.engine);
    const wrong = await server.request('POST', '/v1/session', { key: null, body: { login_token: 'x'.repeat(43) } });
    expect(wrong.status).toBe(401);
    const missing = await server.request('POST', '/v1/session', { key: null, body: {} });
    expect(missing.status).toBe(422);
  });

  it('lets exactly one of several racing requests win', async () => {
    const token = createLoginToken(server.server.engine);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => server.request('POST', '/v1/session', { key: null, body: { login_token: token } })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(7);
  });

  it('refuses a foreign origin like every other route', async () => {
    const token = createLoginToken(server.server.engine);
    const answer = await server.request('POST', '/v1/session', {
      key: null,
      body: { login_token: token },
      headers: { origin: 'https://evil.example' },
    });
    expect(answer.status).toBe(403);
  });
});

describe('the console bundle at /', () => {
  it('serves index.html and assets with a strict CSP and no caching of the page', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<div id="root">');

    const script = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('content-security-policy')).toBe(csp);
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/assets/codicon-x.ttf`)).headers.get('content-type')).toBe('font/ttf');
  });

  it('serves nothing outside assets/ and keeps API answers for other paths', async () => {
    for (const path of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/assets/missing.js', '/secret.txt']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text()).not.toContain('outside assets');
    }
    const api = await server.request('GET', '/v1/nowhere');
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('NOT_FOUND');
    const wrongMethod = await server.request('POST', '/');
    expect(wrongMethod.status).toBe(405);
  });

  it('says how to build the console when the bundle is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vigil-renderer-empty-'));
    const bare = await startTestServer({ rendererDir: empty });
    try {
      const answer = await fetch(`${bare.url}/`);
      expect(answer.status).toBe(503);
      expect(await answer.text()).toContain('npm run serve');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves no console when no bundle directory is given (the Electron shell loads its own)', async () => {
    const bare = await startTestServer();
    try {
      expect((await fetch(`${bare.url}/`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
