// A real `vigil serve` for the web suite: a temporary data folder, the printed login URL, keys made
// with the `vigil keys` CLI (an agent key, and a human admin key for tests that start signed in),
// and a small REST client for acting as an agent.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
// The Node 24 pinned in devDependencies (the runner itself may be on an older system Node).
const PINNED_NODE = join(ROOT, 'node_modules', '.bin', 'node');
const NODE = existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath;
const VIGIL = join(ROOT, 'bin', 'vigil.js');

export interface VigilServer {
  url: string;
  /** The one-time login URL printed at start (usable once). */
  loginUrl: string;
  dataDir: string;
  adminKey: string;
  agentKey: string;
  output(): string;
  /** A REST call; the key defaults to the admin key. */
  api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
}

function cli(args: string[], dataDir: string): string {
  const result = spawnSync(NODE, [VIGIL, ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vigil ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A `vigil serve` of its own; `env` replaces this process's environment (a server without a keychain, say). */
export async function startServe(env: NodeJS.ProcessEnv = process.env): Promise<{ server: VigilServer; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const child: ChildProcess = spawn(NODE, [VIGIL, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...env, VIGIL_DATA_DIR: dataDir },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = await new Promise<{ url: string; loginUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const url = output.match(/Vigil listening on (http:\/\/\S+)/)?.[1];
      const loginUrl = output.match(/(http:\/\/\S+\/#login=[A-Za-z0-9_-]+)/)?.[1];
      if (url && loginUrl) {
        clearTimeout(timer);
        resolve({ url, loginUrl });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code}:\n${output}`));
    });
  });
  const agentKey = JSON.parse(cli(['keys', 'create', '--name', 'e2e agent', '--type', 'agent', '--json'], dataDir)).key as string;
  const adminKey = JSON.parse(cli(['keys', 'create', '--name', 'e2e analyst', '--type', 'human', '--scopes', 'admin', '--json'], dataDir))
    .key as string;

  const server: VigilServer = {
    ...started,
    dataDir,
    adminKey,
    agentKey,
    output: () => output,
    async api(method, path, body, key = adminKey) {
      const response = await fetch(`${started.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
  };
  return {
    server,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const test = base.extend<{ consoleErrors: string[] }, { vigil: VigilServer }>({
  vigil: [
    async ({}, use) => {
      const { server, stop } = await startServe();
      await use(server);
      await stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // Console errors and CSP violations are collected for every page; tests assert there are none.
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await use(errors);
  },
});

export { expect };

/**
 * Opens the console already signed in with the admin key, kept the way a session is kept (this
 * tab's sessionStorage). Set on the context, so other tabs the test opens are signed in too.
 */
export async function openSignedIn(page: Page, vigil: VigilServer, hash = '#/workflows'): Promise<void> {
  await page.context().addInitScript((key) => {
    sessionStorage.setItem('vigil.session', JSON.stringify({ token: key, expires_at: null }));
  }, vigil.adminKey);
  await page.goto(`${vigil.url}/${hash}`);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Replaces the whole code in the Monaco editor (select all, then insert as one edit). */
export async function setCode(page: Page, code: string): Promise<void> {
  const editor = page.getByRole('region', { name: 'Workflow code' });
  await editor.locator('.monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

let counter = 0;
/** A workflow created through the API (tests that are not about creating one start from here). */
export async function createWorkflow(vigil: VigilServer, fields: Record<string, unknown>): Promise<{ uuid: string; name: string }> {
  const name = `${fields.name ?? 'E2E workflow'} ${++counter}`;
  const { status, body } = await vigil.api('POST', '/v1/workflows', { ...fields, name });
  expect(status, JSON.stringify(body)).toBe(201);
  return { uuid: body.data.uuid, name };
}

export const INTEL_WORKFLOW = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const res = await ctx.http.get("https://intel.example.com/v1/ip/" + ctx.indicator.value);
  ctx.log.info("intel answered", { status: res.status });
  if (!res.ok) return ctx.fail("intel answered " + res.status);
  return ctx.ok("looked up " + ctx.indicator.value, res.json());
}
`;
