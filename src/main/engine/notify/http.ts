import { DeliveryError, shorten } from './retry.ts';

export interface HttpAnswer {
  status: number;
  /** The body as text, shortened. */
  text: string;
}

/**
 * POSTs JSON to a notification endpoint and returns its answer. Network failures and timeouts are
 * retryable; so are 5xx, 408 and 429 (with its Retry-After); other non-2xx answers are final.
 * Redirects are not followed: a webhook URL that redirects is misconfigured, and following it
 * would send the message (and its decide link) somewhere nobody chose.
 */
export async function postJson(url: string, body: unknown, options: { timeoutMs: number; signal: AbortSignal; what: string }): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new DeliveryError(`could not reach ${options.what}: ${detail}`, { retryable: !options.signal.aborted, cause: error });
  }
  const text = shorten(await response.text().catch(() => ''));
  if (response.ok) return { status: response.status, text };
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new DeliveryError(`${options.what} answered HTTP ${response.status}${text ? `: ${text}` : ''}`, {
    retryable,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    status: response.status,
    answer: text,
  });
}
