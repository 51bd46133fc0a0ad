// The engine's errors, in its own words: what kind of refusal it is, a stable code, a message for
// people and details for programs. Services throw them and never learn how a transport shows them;
// the API maps a kind to an HTTP status in one place (api/errors.ts), MCP to a tool error in another.
import { DatabaseUnavailableError } from './db/index.ts';

/**
 * What went wrong, as the caller must understand it:
 * - `invalid`: the input breaks a rule (every problem listed in `details.problems`);
 * - `malformed`: the input cannot even be read as what it claims to be;
 * - `rejected`: understood, but not possible as asked (a workflow that is not active, code the
 *   sandbox would refuse, an integration that is not configured);
 * - `unauthenticated`, `forbidden`: who is asking, and what that caller may do;
 * - `not_found`: nothing there, or nothing this caller may know of;
 * - `conflict`: the thing moved on (decided, finished, a key reused with another body);
 * - `rate_limited`, `unavailable`: not now (`retryAfterSeconds` says when to try again);
 * - `upstream`: something Vigil depends on failed (the keychain, a model provider);
 * - `cancelled`: the caller went away.
 */
export type ErrorKind =
  | 'invalid'
  | 'malformed'
  | 'rejected'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'upstream'
  | 'cancelled';

/** One problem with the input: the field it is in (`body.code`, `headers.idempotency-key`) and why. */
export interface Problem {
  field: string;
  message: string;
  rule?: string;
}

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: unknown;
  /** When the refusal is temporary: how long to wait before trying again. */
  readonly retryAfterSeconds: number | null;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    details: unknown = null,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** Input that breaks the rules: every problem at once, so a caller can fix them in one go. */
export function invalid(problems: Problem[], message = `The request is not valid: ${problems.length} problem(s).`): DomainError {
  return new DomainError('invalid', 'VALIDATION_ERROR', message, { problems });
}

/**
 * Nothing there (or nothing this caller may know of). One code for every resource, as Calseta's
 * API answers; `details.resource` says what was looked for, and `details.id` which one.
 */
export function notFound(resource: string, id: string | number, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('not_found', 'NOT_FOUND', message, { resource, id, ...details });
}

/** A database restart or failover takes seconds; sooner would mostly meet the same refusal. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * An error as the adapters answer it: the engine's own, or a team server's database that cannot be
 * reached for the moment (503 with Retry-After over REST, the same code over MCP); null for
 * anything else, which is a failure of Vigil's.
 */
export function domainErrorOf(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error instanceof DatabaseUnavailableError) {
    return new DomainError('unavailable', 'DATABASE_UNAVAILABLE', 'Vigil cannot reach its database right now. Nothing was changed; try again shortly.', null, {
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  return null;
}
