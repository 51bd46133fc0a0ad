import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one. */
  baseDelayMs: number;
  /** Longest wait between two tries. */
  maxDelayMs: number;
}

/** Five tries over about 15 s: long enough to ride out a receiver's restart, short enough to matter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Longest `Retry-After` honoured; a receiver asking for more gets our own schedule instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Why one delivery attempt failed, and whether trying again can help: a 5xx, a 429 or a network
 * error can; a 4xx or Slack's `channel_not_found` cannot.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** What the receiver asked us to wait (429 Retry-After). */
  readonly retryAfterMs: number | null;
  /** HTTP status of the receiver's answer, when there was one. */
  readonly status: number | null;
  /** The receiver's answer (body text or Slack's error code), shortened. */
  readonly answer: string | null;

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number | null; status?: number | null; answer?: string | null; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.status = options.status ?? null;
    this.answer = options.answer ?? null;
  }
}

/** A credential a delivery needs; without it trying again cannot help. */
export function requireValue(value: string | null, what: string): string {
  if (!value) throw new DeliveryError(`no ${what} is set`, { retryable: false });
  return value;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: DeliveryError; attempts: number };

export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  // Anything unexpected (a bug in an adapter, a thrown string) is worth another try: it may be transient.
  return new DeliveryError(error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
}

/** Exponential backoff with jitter, so many notifications failing together do not retry in lockstep. */
export function backoffDelay(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the tries run out. Never throws: the caller
 * records the outcome. `signal` (the engine closing) ends the waiting at once.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onFailure: (n: number, error: DeliveryError, willRetry: boolean) => void = () => undefined,
): Promise<RetryOutcome<T>> {
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await attempt(n), attempts: n };
    } catch (thrown) {
      const error = asDeliveryError(thrown);
      const willRetry = error.retryable && n < policy.maxAttempts && !signal.aborted;
      onFailure(n, error, willRetry);
      if (!willRetry) return { ok: false, error, attempts: n };
      const asked = error.retryAfterMs === null ? 0 : Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS);
      try {
        await sleep(Math.max(asked, backoffDelay(n, policy)), undefined, { signal, ref: false });
      } catch {
        return {
          ok: false,
          error: new DeliveryError(`Vigil stopped before try ${n + 1}; last error: ${error.message}`, { retryable: false }),
          attempts: n,
        };
      }
    }
  }
}

/** Shortens a receiver's answer for logs and the approval record. */
export function shorten(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
