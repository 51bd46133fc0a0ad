/** Why a generation could not produce a workflow at all (problems in the code are warnings, not errors). */
export type LlmErrorCode = 'LLM_NOT_CONFIGURED' | 'LLM_UNAVAILABLE' | 'LLM_REFUSED' | 'GENERATION_CANCELLED';

/** What went wrong with the provider, for `details.reason` of `LLM_UNAVAILABLE`. */
export type UnavailableReason = 'provider_error' | 'timeout' | 'network' | 'invalid_answer';

/**
 * An error with the HTTP status and stable code the API reports for it. The route turns it into
 * the error envelope; the CLI prints its message. Messages never contain the API key.
 */
export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | null;

  constructor(code: LlmErrorCode, status: number, message: string, details: Record<string, unknown> | null = null) {
    super(message);
    this.name = 'LlmError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export function notConfigured(message: string, missing: string[]): LlmError {
  return new LlmError('LLM_NOT_CONFIGURED', 400, message, { missing });
}

/**
 * The provider failed, timed out or answered unusably. Timeouts are 502 as well (not 504), so a
 * client handles every provider failure with one code; `details.reason` tells them apart.
 */
export function unavailable(
  provider: string,
  reason: UnavailableReason,
  message: string,
  extra: Record<string, unknown> = {},
): LlmError {
  return new LlmError('LLM_UNAVAILABLE', 502, message, { provider, reason, ...extra });
}

export function refused(provider: string, message: string): LlmError {
  return new LlmError('LLM_REFUSED', 422, message, { provider });
}

export function cancelled(): LlmError {
  // 499 is nginx's "client closed request": nobody reads it (the client is gone), but logs do.
  return new LlmError('GENERATION_CANCELLED', 499, 'The generation was cancelled.');
}

/** A settings change that cannot be applied; the API reports it as 422 VALIDATION_ERROR. */
export class LlmSettingsError extends Error {
  readonly problems: Array<{ field: string; message: string }>;

  constructor(problems: Array<{ field: string; message: string }>) {
    super(`The LLM settings are not valid: ${problems.length} problem(s).`);
    this.name = 'LlmSettingsError';
    this.problems = problems;
  }
}
