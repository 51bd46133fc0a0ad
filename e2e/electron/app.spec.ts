// The desktop app end to end: the real Electron binary, the real engine, API and sandbox, a fresh
// data folder per test. Agents are played by plain HTTP calls on loopback; the analyst by the
// console window and the tray menu (clicked through the real Menu the shell built).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { BINARY_ENV, ROOT, SKIP_ENV } from './environment.ts';

// Without the global setup (another config picked this file up) no binary was resolved, and
// Playwright's fallback would ask the electron package for one, which downloads it: skip instead.
const skipReason =
  process.env[SKIP_ENV] ??
  (process.env[BINARY_ENV] ? undefined : 'The Electron suite runs through its own config: npx playwright test -c e2e/electron/playwright.config.ts');
test.skip(skipReason !== undefined, skipReason ?? '');

const TRIVIAL_WORKFLOW = `import type { WorkflowContext } from "vigil";
export async function run(ctx: WorkflowContext) {
  ctx.log.info("blocking", { value: ctx.indicator.value });
  return ctx.ok("blocked", { value: ctx.indicator.value });
}
`;

interface Vigil {
  app: ElectronApplication;
  window: Page;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The loopback API, as agents reach it. */
  apiUrl(): string;
}

let running: Vigil | null = null;

async function launch(): Promise<Vigil> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-electron-e2e-'));
  const env = { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_E2E: '1' };
  const app = await electron.launch({ executablePath: process.env[BINARY_ENV]!, args: ['.'], cwd: ROOT, env });
  const window = await app.firstWindow();
  await window.waitForLoadState('domcontentloaded');
  const serverFile = join(dataDir, 'server.json');
  await expect.poll(() => existsSync(serverFile)).toBe(true);
  running = { app, window, dataDir, env, apiUrl: () => JSON.parse(readFileSync(serverFile, 'utf8')).url };
  return running;
}

test.afterEach(async () => {
  if (!running) return;
  await running.app.close().catch(() => undefined);
  rmSync(running.dataDir, { recursive: true, force: true });
  running = null;
});

/** A request from the console page, through app://vigil/v1 with its session key. */
async function consoleFetch(window: Page, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  return window.evaluate(
    async ({ path, init }) => {
      const { baseUrl, token } = await (globalThis as any).vigil.connection();
      const response = await fetch(`${baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return { status: response.status, body: await response.json() };
    },
    { path, init },
  );
}

/** A request from an agent on the same machine, straight to the loopback API. */
async function agentFetch(vigil: Vigil, key: string, path: string, body: unknown) {
  const response = await fetch(`${vigil.apiUrl()}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function trayItem(app: ElectronApplication, id: string): Promise<boolean> {
  return app.evaluate((_electron, itemId) => Boolean((globalThis as any).vigilDesktop?.tray.menu?.getMenuItemById(itemId)), id);
}

async function clickTrayItem(app: ElectronApplication, id: string): Promise<void> {
  await app.evaluate((_electron, itemId) => {
    const item = (globalThis as any).vigilDesktop.tray.menu.getMenuItemById(itemId);
    if (!item) throw new Error(`no tray item ${itemId}`);
    item.click();
  }, id);
}

/** An active workflow gated for agents, and an agent key. */
async function setUpAgent(vigil: Vigil): Promise<{ workflow: string; agentKey: string }> {
  const created = await consoleFetch(vigil.window, '/v1/workflows', {
    method: 'POST',
    body: { name: 'Block IP at the edge', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'agent_only', risk_level: 'medium' },
  });
  expect(created.status).toBe(201);
  const key = await consoleFetch(vigil.window, '/v1/api-keys', { method: 'POST', body: { name: 'e2e agent', key_type: 'agent' } });
  expect(key.status).toBe(201);
  return { workflow: created.body.data.uuid, agentKey: key.body.data.key };
}

test('the console window opens on app://vigil, isolated, and reaches the API same-origin', async () => {
  const { window } = await launch();
  expect(window.url()).toMatch(/^app:\/\/vigil\//);
  expect(await window.evaluate(() => [typeof (globalThis as any).require, typeof (globalThis as any).process])).toEqual(['undefined', 'undefined']);
  expect(await window.evaluate(() => Object.keys((globalThis as any).vigil).sort())).toEqual(
    ['connection', 'desktopSettings', 'onNavigate', 'openExternal', 'showItemInFolder', 'updateDesktopSettings'],
  );
  const connection = await window.evaluate(() => (globalThis as any).vigil.connection());
  expect(connection.baseUrl).toBe('app://vigil');
  expect(connection.token).toMatch(/^vgl_/);
  const settings = await consoleFetch(window, '/v1/settings');
  expect(settings.status).toBe(200);
  const csp = await window.evaluate(() => fetch('app://vigil/').then((response) => response.headers.get('content-security-policy')));
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
  // window.open and navigation away are denied.
  expect(await window.evaluate(() => (globalThis as any).open('file:///etc/hosts') === null)).toBe(true);
  await window.evaluate(() => {
    (globalThis as any).location.href = 'file:///etc/hosts';
  });
  await window.waitForTimeout(500);
  expect(window.url()).toMatch(/^app:\/\/vigil\//);
});

test('an agent request is approved from the tray and the run succeeds', async () => {
  const vigil = await launch();
  const { workflow, agentKey } = await setUpAgent(vigil);
  const execute = await agentFetch(vigil, agentKey, `/v1/workflows/${workflow}/execute`, {
    indicator_type: 'ip',
    indicator_value: '203.0.113.9',
    reason: 'Brute force from this address',
    confidence: 0.9,
  });
  expect(execute.status).toBe(202);
  const approval: string = execute.body.data.approval_request_uuid;
  await expect.poll(() => trayItem(vigil.app, `approve:${approval}`)).toBe(true);
  await clickTrayItem(vigil.app, `approve:${approval}`);
  let runUuid: string | null = null;
  await expect
    .poll(async () => (runUuid = (await consoleFetch(vigil.window, `/v1/workflow-approvals/${approval}`)).body.data.run?.uuid ?? null))
    .not.toBeNull();
  await expect.poll(async () => (await consoleFetch(vigil.window, `/v1/workflow-runs/${runUuid}`)).body.data.status).toBe('success');
  const decided = await consoleFetch(vigil.window, `/v1/workflow-approvals/${approval}`);
  expect(decided.body.data.status).toBe('approved');
  expect(decided.body.data.responder).toContain('Vigil tray');
  // Decided, it leaves the menu.
  await expect.poll(() => trayItem(vigil.app, `approve:${approval}`)).toBe(false);
});

test('"Pause agent executions" in the tray makes execute answer 503', async () => {
  const vigil = await launch();
  const { workflow, agentKey } = await setUpAgent(vigil);
  await clickTrayItem(vigil.app, 'pause');
  const paused = await agentFetch(vigil, agentKey, `/v1/workflows/${workflow}/execute`, {
    indicator_type: 'ip',
    indicator_value: '203.0.113.10',
    reason: 'test',
    confidence: 0.5,
  });
  expect(paused.status).toBe(503);
  expect(paused.body.error.code).toBe('EXECUTION_PAUSED');
});

test('closing the window keeps Vigil in the tray, still serving agents', async () => {
  const vigil = await launch();
  await vigil.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  expect(await vigil.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((window) => window.isVisible()))).toEqual([false]);
  const health = await fetch(`${vigil.apiUrl()}/v1/health`);
  expect(health.status).toBe(200);
  await clickTrayItem(vigil.app, 'open');
  await expect.poll(() => vigil.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
});

test('a second launch on the same data folder exits and focuses the first', async () => {
  const vigil = await launch();
  await vigil.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.hide());
  const second = spawn(process.env[BINARY_ENV]!, ['.', '--no-sandbox'], { cwd: ROOT, env: vigil.env, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
  expect(code).toBe(0);
  await expect.poll(() => vigil.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
});

test('Quit from the tray shuts down cleanly (server.json removed)', async () => {
  const vigil = await launch();
  const closed = vigil.app.waitForEvent('close');
  await clickTrayItem(vigil.app, 'quit');
  await closed;
  expect(existsSync(join(vigil.dataDir, 'server.json'))).toBe(false);
  running = null;
  rmSync(vigil.dataDir, { recursive: true, force: true });
});
