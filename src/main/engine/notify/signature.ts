import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request signed more than five minutes ago (or ahead) is refused. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; code: 'SLACK_SIGNATURE_MISSING' | 'SLACK_SIGNATURE_INVALID' | 'SLACK_REQUEST_TOO_OLD'; message: string };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Verifies a request from Slack as Slack documents it: the timestamp must be within the window of
 * `nowMs` (so a captured request cannot be replayed later) and the signature must match, compared
 * in constant time over the raw bytes that were sent.
 */
export function verifySlackSignature(
  signingSecret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowMs: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) {
    return { ok: false, code: 'SLACK_SIGNATURE_MISSING', message: 'X-Slack-Signature and X-Slack-Request-Timestamp are required.' };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, code: 'SLACK_SIGNATURE_INVALID', message: 'X-Slack-Request-Timestamp is not a Unix time.' };
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, code: 'SLACK_REQUEST_TOO_OLD', message: 'The request timestamp is outside the five-minute window.' };
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody));
  const presented = Buffer.from(signature);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { ok: false, code: 'SLACK_SIGNATURE_INVALID', message: 'X-Slack-Signature does not match the request.' };
  }
  return { ok: true };
}
