// How every refusal looks (DESIGN.md §4): `{error: {code, message, details}}`, with a stable code
// a program can branch on and a message for people.
import { Type, type Static } from 'typebox';
import { AnyJson } from './common.ts';

/**
 * The codes the API answers with, by what they mean. Clients must treat a code they do not know
 * by its status: new codes come with new refusals.
 */
export const ERROR_CODES = {
  // The request itself
  VALIDATION_ERROR: 'The request breaks a rule; `details.problems` lists each {field, message}.',
  BAD_REQUEST: 'The request cannot be read as HTTP or as what it claims to be.',
  INVALID_JSON: 'The body is not valid JSON.',
  INVALID_PAYLOAD: 'A form field does not hold what it must (the Slack callback).',
  BAD_URL: 'The path is not a valid URL.',
  URI_TOO_LONG: 'A path parameter is too long.',
  PAYLOAD_TOO_LARGE: 'The body is larger than the server accepts.',
  UNSUPPORTED_MEDIA_TYPE: 'The body is not JSON.',
  HEADERS_TOO_LARGE: 'The headers are larger than the server accepts.',
  REQUEST_TIMEOUT: 'The request was not received in time.',
  METHOD_NOT_ALLOWED: 'The path exists; the `Allow` header lists its methods.',
  NOT_FOUND: 'Nothing there, or nothing this key may see: `details.resource` names what was looked for (workflow, workflow_version, run, approval, api_key, secret, route, mcp_session, …) and `details.id` which one.',
  // Who asks
  UNAUTHORIZED: 'No valid API key (missing, unknown, revoked or expired).',
  LOGIN_TOKEN_INVALID: 'The console login token is unknown or was already used.',
  FORBIDDEN: 'The key lacks a scope the route needs.',
  FORBIDDEN_ORIGIN: 'A browser page of another origin called the API.',
  MISDIRECTED_REQUEST: 'The Host header is neither the server\'s loopback address nor its public URL.',
  SLACK_SIGNATURE_MISSING: 'A Slack callback without its signature headers.',
  SLACK_SIGNATURE_INVALID: 'A Slack callback whose signature does not match.',
  SLACK_REQUEST_TOO_OLD: 'A Slack callback signed too long ago.',
  SLACK_CALLBACK_NOT_CONFIGURED: 'Slack is configured without a signing secret.',
  // Things that moved on or cannot be done as asked
  WORKFLOW_NOT_EXECUTABLE: 'Only active workflows run.',
  INDICATOR_TYPE_NOT_SUPPORTED: 'The workflow does not take this indicator type.',
  INTEGRATION_NOT_CONFIGURED: 'A built-in workflow needs an integration that is not set up.',
  WORKFLOW_CODE_INVALID: 'The code breaks a lint rule the sandbox relies on.',
  ENDPOINT_INVALID: 'The http_endpoint configuration breaks a rule.',
  WORKFLOW_KIND_IMMUTABLE: 'A workflow\'s kind is chosen at creation.',
  SYSTEM_WORKFLOW: 'Built-in workflows cannot be deleted.',
  SYSTEM_WORKFLOW_READ_ONLY: 'Only some fields of a built-in workflow can be changed.',
  RUN_ALREADY_FINISHED: 'The run ended before it could be cancelled.',
  APPROVAL_ALREADY_DECIDED: 'Someone decided first.',
  APPROVAL_EXPIRED: 'The request expired before the decision.',
  APPROVAL_CANCELLED: 'The request was cancelled (its workflow changed or was deleted).',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used with another body.',
  NOTIFIER_NOT_CONFIGURED: 'The notifier lacks what it needs to send.',
  MCP_SESSION_REQUIRED: 'An MCP request other than initialize without a session id.',
  LLM_NOT_CONFIGURED: 'Code generation has no provider, model or key.',
  LLM_REFUSED: 'The model declined to write the workflow.',
  IMPORT_INVALID: 'An import\'s files break a rule; `details.problems` lists each {file, line?, message} and nothing changed.',
  // Not now
  RATE_LIMITED: 'Too many executions this minute; `Retry-After` says when to try again.',
  EXECUTION_PAUSED: 'Executions are paused (the tray\'s switch).',
  QUEUE_FULL: 'Too many runs wait already.',
  APPROVALS_PENDING_LIMIT: 'This key has as many requests waiting for approval as `max_pending_approvals_per_key` allows (50 by default); `Retry-After` says when to try again.',
  TEST_RUNS_BUSY: 'This key has two test runs in progress; `Retry-After` says when to try again.',
  GENERATIONS_BUSY: 'This key has two code generations in progress; `Retry-After` says when to try again.',
  SAVES_BUSY: 'This key has four saves whose code is being checked; `Retry-After` says when to try again.',
  KEYCHAIN_UNAVAILABLE: 'The OS keychain cannot be used; `details` says why and how to fix it.',
  // Something Vigil depends on failed
  KEYCHAIN_ERROR: 'The OS keychain answered with an error.',
  SECRET_UNSEALABLE: 'A secret sealed in the database does not open with this server\'s master key (`details.name`).',
  LLM_UNAVAILABLE: 'The model provider failed or timed out (`details.reason`).',
  DATABASE_UNAVAILABLE: 'A team server cannot reach its PostgreSQL database right now; retry after Retry-After.',
  GENERATION_CANCELLED: 'The caller went away while the model was writing.',
  INTERNAL_ERROR: 'Vigil failed; its log says why.',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with the input: the field it is in (`body.code`, `headers.idempotency-key`) and why. */
export const Problem = Type.Object({ field: Type.String(), message: Type.String(), rule: Type.Optional(Type.String()) });
export type Problem = Static<typeof Problem>;

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: `A stable code: ${Object.keys(ERROR_CODES).join(', ')}, or one added later.` }),
      message: Type.String({ description: 'For people; may change.' }),
      details: AnyJson('For programs: `problems` for VALIDATION_ERROR, otherwise what the code documents, or null.'),
    }),
  },
  { description: 'A refusal: the status says its kind, `error.code` which one.' },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/**
 * The error statuses every route with an API key can answer, besides its own. 503: a team server
 * whose PostgreSQL database cannot be reached for a moment (DATABASE_UNAVAILABLE).
 */
const COMMON_ERRORS = [400, 401, 403, 404, 422, 500, 503] as const;

/**
 * A route's `response` entries for its refusals: the statuses every route shares and those it
 * adds (409, 429, 502, 503, …), each the error envelope.
 */
export function errorResponses(...extra: number[]): Record<number, typeof ErrorEnvelope> {
  return Object.fromEntries([...new Set([...COMMON_ERRORS, ...extra])].map((status) => [status, ErrorEnvelope]));
}
