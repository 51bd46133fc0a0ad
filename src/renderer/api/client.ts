// A small typed client for REST v1. Every error becomes an ApiError with the server's code,
// message and details, so views can show the message next to what caused it.
import type { VigilConnection } from '../../shared/bridge.ts';
import type {
  ApiKey,
  Approval,
  CreatedApiKey,
  EntraUpdate,
  Envelope,
  ExecuteAnswer,
  ExecuteRequest,
  FieldProblem,
  GenerateProgress,
  ImportPlan,
  ImportProblem,
  GenerateRequest,
  GenerateResult,
  IntegrationName,
  ConnectionTest,
  IntegrationView,
  KeychainStatus,
  KeyType,
  LintProblemView,
  ListMeta,
  LlmSettingsUpdate,
  LlmSettingsView,
  NotifierTestResult,
  NotifierUpdate,
  NotifierView,
  OktaUpdate,
  Run,
  RunDetail,
  Scope,
  Secret,
  Settings,
  SettingsPatch,
  TestRequest,
  TestResult,
  Workflow,
  WorkflowFields,
  WorkflowListItem,
  WorkflowMocks,
  WorkflowState,
  WorkflowVersion,
  WorkflowVersionSummary,
} from './types.ts';
import { isGenerateResult, readGenerateStream, type GenerateOutcome } from './generate.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The 422 field problems (`details.problems[{field, message}]`). */
  get fieldProblems(): FieldProblem[] {
    const problems = (this.details as { problems?: unknown } | null)?.problems;
    if (!Array.isArray(problems)) return [];
    return problems.filter((p): p is FieldProblem => typeof p?.field === 'string' && typeof p?.message === 'string');
  }

  /** The problems of a refused import (422 IMPORT_INVALID), each naming its file. */
  get fileProblems(): ImportProblem[] {
    const problems = (this.details as { problems?: unknown } | null)?.problems;
    if (!Array.isArray(problems)) return [];
    return problems.filter((p): p is ImportProblem => typeof p?.file === 'string' && typeof p?.message === 'string');
  }

  /** The lint problems of a 400 WORKFLOW_CODE_INVALID. */
  get lintProblems(): LintProblemView[] {
    const problems = (this.details as { problems?: unknown } | null)?.problems;
    if (!Array.isArray(problems)) return [];
    return problems.filter((p): p is LintProblemView => typeof p?.rule === 'string' && typeof p?.line === 'number');
  }
}

/** Any thrown value as a sentence for the analyst. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface WorkflowListQuery {
  q?: string;
  state?: WorkflowState;
  risk_level?: string;
  workflow_type?: string;
  tag?: string;
  sort?: string;
  page?: number;
  page_size?: number;
}

export interface RunListQuery {
  workflow_uuid?: string;
  status?: string;
  trigger_type?: string;
  from?: string;
  to?: string;
  page?: number;
  page_size?: number;
}

export interface ClientOptions {
  /** Called on any 401: the session expired or was revoked. */
  onUnauthorized?: (error: ApiError) => void;
  fetch?: typeof fetch;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Silence on a generation stream longer than this (three missed heartbeats) is a dead connection. */
export const GENERATE_IDLE_MS = 45_000;

export function createApiClient(connection: VigilConnection, options: ClientOptions = {}) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = connection.baseUrl.replace(/\/+$/, '');

  async function request<T, M = Record<string, unknown>>(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<Envelope<T, M>> {
    const headers: Record<string, string> = { ...init.headers, authorization: `Bearer ${connection.token}`, accept: 'application/json' };
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await doFetch(`${base}${path}${queryString(init.query)}`, { method, headers, body, signal: init.signal });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK_ERROR', 'Vigil is not reachable. Is `vigil serve` (or the app) still running?');
    }
    if (response.status === 204) return { data: null as T, meta: {} as M };
    const parsed = await readJson(response);
    if (!response.ok) throw refused(response, parsed);
    return (parsed ?? { data: null, meta: {} }) as Envelope<T, M>;
  }

  async function readJson(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  /** The ApiError for a non-2xx answer (its JSON error envelope); a 401 also ends the session. */
  function refused(response: Response, parsed: unknown): ApiError {
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    const apiError = new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `Vigil answered ${response.status} ${response.statusText}.`,
      error?.details ?? null,
    );
    if (response.status === 401) options.onUnauthorized?.(apiError);
    return apiError;
  }

  /**
   * POST /v1/workflows/generate with streamed progress. Resolves with the proposal; rejects with an
   * ApiError (the server's code: LLM_NOT_CONFIGURED, LLM_UNAVAILABLE, …) or, when `signal` aborts,
   * with the AbortError: closing the connection is how the server learns to stop the model.
   */
  async function generate(
    body: GenerateRequest,
    init: { signal?: AbortSignal; onProgress?: (progress: GenerateProgress) => void } = {},
  ): Promise<GenerateResult> {
    // The server sends a comment every 15 s even while the model thinks; silence for longer than
    // three of them means the connection is dead, not that the model is slow.
    const idle = new AbortController();
    const signal = init.signal ? AbortSignal.any([init.signal, idle.signal]) : idle.signal;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stillAlive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), GENERATE_IDLE_MS);
    };
    const stalled = () =>
      new ApiError(0, 'STREAM_STALLED', 'Vigil stopped sending progress for 45 s, so the generation was abandoned. Try again.');
    try {
      stillAlive();
      let response: Response;
      try {
        response = await doFetch(`${base}/v1/workflows/generate`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${connection.token}`,
            accept: 'text/event-stream',
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
          signal,
          cache: 'no-store',
        });
      } catch (error) {
        if (idle.signal.aborted && !init.signal?.aborted) throw stalled();
        if ((error as Error).name === 'AbortError') throw error;
        throw new ApiError(0, 'NETWORK_ERROR', 'Vigil is not reachable. Is `vigil serve` (or the app) still running?');
      }
      if (!response.ok) throw refused(response, await readJson(response));
      if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || !response.body) {
        // Something between the console and Vigil dropped the Accept header: the same proposal
        // arrives as plain JSON, only without progress.
        const parsed = (await readJson(response)) as { data?: unknown } | null;
        if (isGenerateResult(parsed?.data)) return parsed.data;
        throw new ApiError(502, 'INVALID_RESPONSE', 'Vigil sent a generation result the console cannot read.');
      }
      let outcome: GenerateOutcome;
      try {
        outcome = await readGenerateStream(response.body, (progress) => init.onProgress?.(progress), stillAlive);
      } catch (error) {
        if (idle.signal.aborted && !init.signal?.aborted) throw stalled();
        if ((error as Error).name === 'AbortError' || init.signal?.aborted) throw error;
        throw new ApiError(0, 'NETWORK_ERROR', 'The connection to Vigil broke during the generation. Try again.');
      }
      if (outcome.kind === 'result') return outcome.result;
      if (outcome.kind === 'error') throw new ApiError(outcome.status, outcome.code, outcome.message, outcome.details);
      throw new ApiError(0, 'STREAM_ENDED', 'Vigil closed the connection before the generation finished. Try again.');
    } finally {
      clearTimeout(timer);
    }
  }

  const enc = encodeURIComponent;

  return {
    connection,
    request,
    workflows: {
      list: (query: WorkflowListQuery, signal?: AbortSignal) =>
        request<WorkflowListItem[], ListMeta>('GET', '/v1/workflows', { query: { ...query }, signal }),
      get: (uuid: string) => request<Workflow>('GET', `/v1/workflows/${enc(uuid)}`),
      create: (fields: Partial<WorkflowFields> & { name: string; code: string; state?: WorkflowState }) =>
        request<Workflow, { lint_warnings?: LintProblemView[] }>('POST', '/v1/workflows', { body: fields }),
      patch: (uuid: string, patch: Partial<WorkflowFields> & { state?: WorkflowState }) =>
        request<Workflow, { lint_warnings?: LintProblemView[] }>('PATCH', `/v1/workflows/${enc(uuid)}`, { body: patch }),
      remove: (uuid: string) => request<null>('DELETE', `/v1/workflows/${enc(uuid)}`),
      duplicate: (uuid: string) => request<Workflow>('POST', `/v1/workflows/${enc(uuid)}/duplicate`),
      lint: (uuid: string) => request<{ ok: boolean; problems: LintProblemView[] }>('GET', `/v1/workflows/${enc(uuid)}/lint`),
      versions: (uuid: string) => request<WorkflowVersionSummary[]>('GET', `/v1/workflows/${enc(uuid)}/versions`),
      version: (uuid: string, version: number) =>
        request<WorkflowVersion>('GET', `/v1/workflows/${enc(uuid)}/versions/${version}`),
      /** Runs a workflow as the signed-in analyst; the same Idempotency-Key makes a retry safe. */
      execute: (uuid: string, body: ExecuteRequest, idempotencyKey: string) =>
        request<ExecuteAnswer>('POST', `/v1/workflows/${enc(uuid)}/execute`, { body, headers: { 'idempotency-key': idempotencyKey } }),
      test: (body: TestRequest, signal?: AbortSignal) =>
        request<TestResult>('POST', '/v1/workflows/test', { body, signal }),
      mocks: (uuid: string) => request<WorkflowMocks>('GET', `/v1/workflows/${enc(uuid)}/mocks`),
      saveMocks: (uuid: string, mocks: unknown) => request<WorkflowMocks>('PUT', `/v1/workflows/${enc(uuid)}/mocks`, { body: { mocks } }),
      /** Plans (dry_run) or carries out an import of an export's files (name → text). */
      import: (body: { files: Record<string, string>; dry_run?: boolean; activate?: boolean }) =>
        request<ImportPlan>('POST', '/v1/workflows/import', { body }),
      generate,
    },
    runs: {
      list: (query: RunListQuery, signal?: AbortSignal) =>
        request<Run[], ListMeta>('GET', '/v1/workflow-runs', { query: { ...query }, signal }),
      get: (uuid: string, signal?: AbortSignal) => request<RunDetail>('GET', `/v1/workflow-runs/${enc(uuid)}`, { signal }),
      cancel: (uuid: string) => request<Run>('POST', `/v1/workflow-runs/${enc(uuid)}/cancel`),
    },
    approvals: {
      list: (query: { status?: string; page?: number; page_size?: number; workflow_uuid?: string }) =>
        request<Approval[], ListMeta>('GET', '/v1/workflow-approvals', { query: { ...query } }),
      get: (uuid: string) => request<Approval>('GET', `/v1/workflow-approvals/${enc(uuid)}`),
      decide: (uuid: string, decision: 'approve' | 'reject', reason?: string) =>
        request<Approval>('POST', `/v1/workflow-approvals/${enc(uuid)}/${decision}`, {
          body: reason ? { reason } : {},
        }),
    },
    keys: {
      list: () => request<ApiKey[]>('GET', '/v1/api-keys'),
      create: (body: { name: string; key_type: KeyType; scopes?: Scope[]; expires_at?: string | null }) =>
        request<CreatedApiKey>('POST', '/v1/api-keys', { body }),
      revoke: (uuid: string) => request<ApiKey>('DELETE', `/v1/api-keys/${enc(uuid)}`),
    },
    integrations: {
      list: () => request<IntegrationView[]>('GET', '/v1/integrations'),
      update: (name: IntegrationName, update: OktaUpdate | EntraUpdate) =>
        request<IntegrationView>('PUT', `/v1/integrations/${enc(name)}`, { body: update }),
      remove: (name: IntegrationName) => request<IntegrationView>('DELETE', `/v1/integrations/${enc(name)}`),
      test: (name: IntegrationName) => request<ConnectionTest>('POST', `/v1/integrations/${enc(name)}/test`),
    },
    secrets: {
      list: () => request<Secret[], { total: number; keychain?: KeychainStatus }>('GET', '/v1/secrets'),
      set: (name: string, value: string) => request<Secret>('PUT', `/v1/secrets/${enc(name)}`, { body: { value } }),
      remove: (name: string) => request<{ name: string; deleted: boolean }>('DELETE', `/v1/secrets/${enc(name)}`),
    },
    settings: {
      get: () => request<Settings>('GET', '/v1/settings'),
      patch: (patch: SettingsPatch) => request<Settings>('PATCH', '/v1/settings', { body: patch }),
      notifiers: () => request<NotifierView>('GET', '/v1/settings/notifiers'),
      updateNotifiers: (update: NotifierUpdate) => request<NotifierView>('PUT', '/v1/settings/notifiers', { body: update }),
      testNotifier: (channel: 'slack' | 'teams') =>
        request<NotifierTestResult>('POST', '/v1/settings/notifiers/test', { body: { channel } }),
      llm: () => request<LlmSettingsView>('GET', '/v1/settings/llm'),
      updateLlm: (update: LlmSettingsUpdate) => request<LlmSettingsView>('PUT', '/v1/settings/llm', { body: update }),
    },
  };
}

/** Trades a one-time login token for a human session key (no key needed for this call). */
export async function exchangeLoginToken(baseUrl: string, loginToken: string): Promise<CreatedApiKey> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ login_token: loginToken }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Vigil is not reachable. Is `vigil serve` still running?');
  }
  const body = (await response.json().catch(() => null)) as
    | { data?: CreatedApiKey; error?: { code: string; message: string; details?: unknown } }
    | null;
  if (!response.ok || !body?.data) {
    throw new ApiError(
      response.status,
      body?.error?.code ?? `HTTP_${response.status}`,
      body?.error?.message ?? `Vigil answered ${response.status}.`,
      body?.error?.details ?? null,
    );
  }
  return body.data;
}
