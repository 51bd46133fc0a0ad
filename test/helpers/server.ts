// Starts a real Vigil server (real SQLite file in a temp dir, real sandbox process) for tests, and
// a tiny client that speaks its HTTP API. With VIGIL_TEST_DATABASE=postgres each server stores in a
// fresh database of a private PostgreSQL cluster instead (npm test runs some suites both ways).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createSandboxHost, type SandboxHost } from '../../src/main/sandbox/index.ts';
import { startServer, type RunningServer } from '../../src/main/engine/index.ts';
import { createMemorySecretStore } from '../../src/main/engine/secrets/index.ts';
import type { ServerOptions } from '../../src/main/engine/server.ts';
import { startPostgres, type PostgresCluster } from './postgres.ts';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  /** The API key sent as a bearer token; null sends none. */
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One call of a Vigil's HTTP API, as a client makes it; a body that is not JSON is kept as text. */
export async function apiRequest<T = any>(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (HTML pages); the text is the body.
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  sandbox: SandboxHost;
  keys: { admin: string; human: string; agent: string };
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

let shared: SandboxHost | null = null;
let cluster: Promise<PostgresCluster> | null = null;
/** A server started again on the same data folder finds the same database, as it would its SQLite file. */
const databaseOfFolder = new Map<string, string>();

/** Whether this run's test servers store in PostgreSQL (VIGIL_TEST_DATABASE=postgres). */
export const onPostgres = process.env.VIGIL_TEST_DATABASE === 'postgres';

/** A fresh PostgreSQL database of this file's cluster (started on first use, stopped with the sandbox). */
export async function testDatabase(): Promise<string> {
  cluster ??= startPostgres();
  return (await cluster).createDatabase();
}

/** One sandbox process serves every server a test file starts; it is closed with the last one. */
function sandboxHost(): SandboxHost {
  shared ??= createSandboxHost();
  return shared;
}

export async function closeSharedSandbox(): Promise<void> {
  await shared?.close();
  shared = null;
  const started = cluster;
  cluster = null;
  databaseOfFolder.clear();
  await (await started)?.stop();
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const sandbox = sandboxHost();
  let database = options.database;
  if (database === undefined && onPostgres) {
    database = databaseOfFolder.get(dataDir) ?? (await testDatabase());
    databaseOfFolder.set(dataDir, database);
  }
  const server = await startServer({
    dataDir,
    ...(database === undefined ? {} : { database }),
    executor: sandbox,
    secrets: createMemorySecretStore(),
    credentials: createMemorySecretStore(),
    log: { info: () => undefined, error: (message) => console.error(message) },
    // An answer its schema does not describe fails the test instead of losing fields quietly, and a
    // route schema that is not valid JSON Schema fails the server's start.
    checkContract: true,
    ...options,
    settingsOverrides: { execute_rate_limit_per_minute: 0, ...options.settingsOverrides },
  });
  const create = (name: string, key_type: 'human' | 'agent', scopes?: string[]) =>
    server.engine.keys.create({ name, key_type, scopes: scopes as never }).secret;
  const keys = {
    admin: create('admin', 'human', ['admin']),
    human: create('analyst', 'human'),
    agent: create('agent', 'agent'),
  };

  const request = <T>(method: string, path: string, opts: RequestOptions = {}) =>
    apiRequest<T>(server.url, method, path, { ...opts, key: opts.key === undefined ? keys.admin : opts.key });

  return {
    server,
    url: server.url,
    dataDir,
    sandbox,
    keys,
    request,
    async close() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The test server of the enclosing file or describe block: started before its tests, closed after
 * them together with the shared sandbox. Its fields are filled in once the tests run.
 */
export function testServer(options: Partial<ServerOptions> = {}): TestServer {
  const t = {} as TestServer;
  beforeAll(async () => {
    Object.assign(t, await startTestServer(options));
  });
  afterAll(async () => {
    await t.close?.();
    await closeSharedSandbox();
  });
  return t;
}

/** Waits until `check` returns a value (polling the API the way a client would). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const TRIVIAL_WORKFLOW = `import type { WorkflowContext } from "vigil";
export async function run(ctx: WorkflowContext) {
  ctx.log.info("checking", { value: ctx.indicator.value });
  return ctx.ok("done", { value: ctx.indicator.value, input: ctx.input });
}
`;
