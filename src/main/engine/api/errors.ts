// How the engine's errors look over HTTP: the status each kind answers with, and the envelope
// (DESIGN.md §4). The one place that knows both sides.
import type { ErrorEnvelope } from '../../../shared/api/index.ts';
import type { DomainError, ErrorKind } from '../errors.ts';

const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 422,
  malformed: 400,
  rejected: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  // nginx's "client closed request": nobody reads it (the client is gone), but logs do.
  cancelled: 499,
  upstream: 502,
  unavailable: 503,
};

export function errorBody(code: string, message: string, details: unknown = null): ErrorEnvelope {
  return { error: { code, message, details } };
}

/** The status, headers and body an engine error is answered with. */
export function httpError(error: DomainError): { status: number; headers: Record<string, string>; body: ErrorEnvelope } {
  return {
    status: HTTP_STATUS[error.kind],
    headers: error.retryAfterSeconds === null ? {} : { 'retry-after': String(error.retryAfterSeconds) },
    body: errorBody(error.code, error.message, error.details),
  };
}
