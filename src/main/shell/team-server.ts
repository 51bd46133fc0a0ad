// Talking to a team server (`vigil serve` elsewhere) with the analyst's own key: one request helper
// whose failures say exactly what went wrong (no answer, a TLS problem, a refused key), and the
// "Check connection" of Settings → Server. Plain Node fetch (undici); no electron.
import type { ServerCheck } from '../../shared/bridge.ts';

/** The keychain item (in Vigil's credentials service) holding the analyst's key for the team server. */
export const TEAM_SERVER_KEY_CREDENTIAL = 'DESKTOP_TEAM_SERVER_API_KEY';
/** A request to the team server that has not answered by then counts as unreachable. */
export const TEAM_REQUEST_TIMEOUT_MS = 10_000;

/** The team server could not be used for a request; the message says why in the analyst's words. */
export class TeamServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamServerError';
  }
}

/** Node's codes for a connection whose TLS handshake or certificate check failed. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there (connection refused)',
  ENOTFOUND: 'the host name is unknown (DNS lookup failed)',
  EAI_AGAIN: 'the host name could not be looked up (DNS not answering)',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed',
};

/** What a failed fetch (no HTTP answer at all) means, in the analyst's words. */
export function describeFetchFailure(error: unknown, url: string): TeamServerError {
  const failure = error as Error & { cause?: Error & { code?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') {
    return new TeamServerError(`${url} did not answer within ${TEAM_REQUEST_TIMEOUT_MS / 1000} s.`);
  }
  const cause = failure.cause ?? failure;
  const code = (cause as { code?: string }).code ?? '';
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    return new TeamServerError(`TLS error with ${url}: ${cause.message} (${code}). Is the address https:// and its certificate trusted by this computer?`);
  }
  const reason = NETWORK_REASONS[code] ?? cause.message;
  return new TeamServerError(`Could not reach ${url}: ${reason}${code && NETWORK_REASONS[code] ? ` (${code})` : ''}.`);
}

interface ErrorEnvelope {
  error?: { code?: unknown; message?: unknown };
}

/** The server's own error message, or null when the body is not Vigil's error envelope. */
function vigilError(body: unknown): { code: string; message: string } | null {
  const error = (body as ErrorEnvelope | null)?.error;
  return error && typeof error.code === 'string' && typeof error.message === 'string' ? { code: error.code, message: error.message } : null;
}

/** Why the team server answered `response` with an error, from its body's text. */
export function answerError(base: string, response: Pick<Response, 'status' | 'statusText'>, text: string): TeamServerError {
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: a proxy's page, or not a Vigil server at all; said below.
  }
  const error = vigilError(body);
  const { status } = response;
  if (!error) {
    return new TeamServerError(`${base} answered ${status} ${response.statusText}, and not like a Vigil server: check the address.`);
  }
  switch (status) {
    case 401:
      return new TeamServerError(`The team server refused the key (401): ${error.message}`);
    case 403:
      return new TeamServerError(`The team server does not let this key do that (403): ${error.message}`);
    case 409:
      return new TeamServerError(error.message);
    case 421:
      return new TeamServerError(`The team server is configured for another address (421): ${error.message}`);
    default:
      return new TeamServerError(`The team server answered ${status}: ${error.message}`);
  }
}

export interface TeamRequestOptions {
  method?: string;
  body?: unknown;
  fetch?: typeof globalThis.fetch;
}

/** A JSON answer's envelope. */
export interface TeamAnswer<T> {
  data: T;
  meta: Record<string, unknown>;
}

/** One JSON request to the team server; its answer, or a TeamServerError saying why not. */
export async function teamRequest<T>(base: string, key: string, path: string, options: TeamRequestOptions = {}): Promise<TeamAnswer<T>> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  let text: string;
  try {
    response = await doFetch(`${base}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // A redirect would carry the key somewhere the analyst did not name.
      redirect: 'error',
      signal: AbortSignal.timeout(TEAM_REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw describeFetchFailure(error, base);
  }
  if (!response.ok) throw answerError(base, response, text);
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Said below.
  }
  if (body && typeof body === 'object' && 'data' in body) {
    const { data, meta } = body as { data: T; meta?: Record<string, unknown> };
    return { data, meta: meta ?? {} };
  }
  throw new TeamServerError(`${base} answered ${response.status}, but not like a Vigil server: check the address.`);
}

/** The key as the team server describes it (GET /v1/api-keys/current). */
export interface TeamKey {
  name: string;
  key_type: 'human' | 'agent';
  prefix: string;
  scopes: string[];
}

/**
 * "Check connection": the server answers with the key it knows, and it must be a human key, the
 * analyst's own, so that the approvals it decides record who decided.
 */
export async function checkTeamServer(url: string, key: string, fetchImpl?: typeof globalThis.fetch): Promise<ServerCheck> {
  let found: TeamKey;
  try {
    found = (await teamRequest<TeamKey>(url, key, '/v1/api-keys/current', { fetch: fetchImpl })).data;
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  if (found.key_type !== 'human') {
    return {
      ok: false,
      error: `"${found.name}" is an ${found.key_type} key. The desktop app needs your own human key, so that the approvals you decide record you.`,
    };
  }
  return { ok: true, url, key: { name: found.name, key_type: 'human', prefix: found.prefix, scopes: found.scopes } };
}
