// The console is served by two servers: the engine (`vigil serve`, for a browser) and the desktop
// shell's app:// handler. Both must send it with the same policy and security headers and the
// same content types, or the console would run under other rules in the app than in a browser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCsp } from '../../src/shared/console-security.ts';
import { APP_ORIGIN, createAppRequestHandler } from '../../src/main/shell/app-protocol.ts';
import { closeSharedSandbox, startTestServer, type TestServer } from '../helpers/server.ts';

const rendererDir = mkdtempSync(join(tmpdir(), 'vigil-console-headers-'));
mkdirSync(join(rendererDir, 'assets'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("console")');
writeFileSync(join(rendererDir, 'assets', 'codicon-x.ttf'), 'font');
writeFileSync(join(rendererDir, 'assets', 'logo-def456.svg'), '<svg/>');

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ rendererDir });
});

afterAll(async () => {
  await server.close();
  await closeSharedSandbox();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** Every header but the caching rule, which each server sets for what it serves. */
function served(headers: Headers): Record<string, string> {
  const names = ['content-type', 'content-security-policy', 'x-content-type-options', 'referrer-policy', 'cross-origin-opener-policy', 'x-frame-options'];
  return Object.fromEntries(names.map((name) => [name, headers.get(name) ?? '(absent)']));
}

describe('the console served by the engine and by app://', () => {
  it.each(['/index.html', '/assets/index-abc123.js', '/assets/codicon-x.ttf', '/assets/logo-def456.svg'])('%s has the same headers', async (path) => {
    const app = createAppRequestHandler({ rendererDir, apiUrl: () => server.url, csp: consoleCsp() });
    const fromApp = await app(new Request(`${APP_ORIGIN}${path}`));
    const fromEngine = await fetch(`${server.url}${path}`);
    expect(fromApp.status).toBe(200);
    expect(fromEngine.status).toBe(200);
    expect(served(fromApp.headers)).toEqual(served(fromEngine.headers));
    expect(served(fromEngine.headers)['content-security-policy']).toBe(consoleCsp());
  });
});
