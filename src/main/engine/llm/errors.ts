import { DomainError, type ErrorKind } from '../errors.ts';

/** Why a generation could not produce a workflow at all (problems in the code are warnings, not errors). */
export type LlmErrorCode = 'LLM_NOT_CONFIGURED' | 'LLM_UNAVAILABLE' | 'LLM_REFUSED' | 'GENERATION_CANCELLED';

/** What went wrong with the provider, for `details.reason` of `LLM_UNAVAILABLE`. */
export type UnavailableReason = 'provider_error' | 'timeout' | 'network' | 'invalid_answer';

const KINDS: Record<LlmErrorCode, ErrorKind> = {
  LLM_NOT_CONFIGURED: 'rejected',
  LLM_UNAVAILABLE: 'upstream',
  LLM_REFUSED: 'invalid',
  GENERATION_CANCELLED: 'cancelled',
};

/**
 * An error with a stable code; the API answers it like any engine error, the CLI prints its
 * message. Messages never contain the API key.
 */
export class LlmError extends DomainError {
  declare readonly code: LlmErrorCode;
  declare readonly details: Record<string, unknown> | null;

  constructor(code: LlmErrorCode, message: string, details: Record<string, unknown> | null = null) {
    super(KINDS[code], code, message, details);
    this.name = 'LlmError';
  }
}

export function notConfigured(message: string, missing: string[]): LlmError {
  return new LlmError('LLM_NOT_CONFIGURED', message, { missing });
}

/**
 * The provider failed, timed out or answered unusably. Timeouts are an upstream failure as well
 * (502, not 504), so a client handles every provider failure with one code; `details.reason`
 * tells them apart.
 */
export function unavailable(
  provider: string,
  reason: UnavailableReason,
  message: string,
  extra: Record<string, unknown> = {},
): LlmError {
  return new LlmError('LLM_UNAVAILABLE', message, { provider, reason, ...extra });
}

export function refused(provider: string, message: string): LlmError {
  return new LlmError('LLM_REFUSED', message, { provider });
}

export function cancelled(): LlmError {
  return new LlmError('GENERATION_CANCELLED', 'The generation was cancelled.');
}

/** A settings change that cannot be applied: invalid input, problem by problem. */
export class LlmSettingsError extends DomainError {
  readonly problems: Array<{ field: string; message: string }>;

  constructor(problems: Array<{ field: string; message: string }>) {
    super('invalid', 'VALIDATION_ERROR', `The LLM settings are not valid: ${problems.length} problem(s).`, { problems });
    this.name = 'LlmSettingsError';
    this.problems = problems;
  }
}
