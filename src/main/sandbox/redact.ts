// Secret redaction for everything a run leaves behind: log lines, HTTP records, errors and the
// result. A workflow may legitimately put a secret in a header or a query string; what is stored
// and shown must never contain it, in the raw form or in the encodings a request commonly uses.
import { isCredentialHeaderName } from './credentials.ts';
import type { RunLogEntry } from '../../shared/domain.ts';
import type { RunOutcome } from './types.ts';

export const REDACTED = '[REDACTED]';

/**
 * Values shorter than this are not redacted: a one- or two-character "secret" has no secrecy to
 * protect, and replacing every "a" or "1" in every log line would make the logs unreadable.
 */
export const MIN_REDACTED_LENGTH = 4;

/** Query parameters whose values are credentials whatever they contain. */
const CREDENTIAL_PARAMS = /^(?:api[_-]?key|apikey|key|token|access[_-]?token|auth|password|passwd|secret|client[_-]?secret|signature|sig|code)$/i;

export class Redactor {
  private readonly needles: string[];

  constructor(secretValues: Iterable<string>) {
    const needles = new Set<string>();
    for (const value of secretValues) {
      if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue;
      needles.add(value);
      needles.add(encodeURIComponent(value));
      needles.add(JSON.stringify(value).slice(1, -1));
      needles.add(Buffer.from(value).toString('base64'));
      needles.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
      needles.add(Buffer.from(value).toString('base64url'));
      needles.add(new URLSearchParams({ v: value }).toString().slice(2));
      for (const core of embeddedBase64(value)) {
        needles.add(core);
        needles.add(core.replaceAll('+', '-').replaceAll('/', '_'));
      }
    }
    // Longest first, so a secret containing another one is replaced whole.
    this.needles = [...needles].filter((n) => n.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.needles.length > 0;
  }

  /** Whether the text holds a secret in any of the forms this redactor recognises. */
  carriesSecret(value: string): boolean {
    return this.needles.some((needle) => value.includes(needle));
  }

  /**
   * Whether a request header is a credential: by its name (Authorization, X-Api-Key, …) or because
   * its value carries one of the run's secrets. Such headers never follow a redirect to another origin.
   */
  isCredentialHeader(name: string, value: string): boolean {
    return isCredentialHeaderName(name) || this.carriesSecret(value);
  }

  text(value: string): string;
  text(value: string | null): string | null;
  text(value: string | null): string | null {
    if (value === null || this.needles.length === 0) return value;
    let out = value;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return out;
  }

  /** Deep copy of JSON data with every string (keys included) redacted. */
  json<T>(value: T): T {
    if (this.needles.length === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object' || depth > 200) return value;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.walk(item, depth + 1);
    return out;
  }

  /** A URL for logs: secret values removed anywhere, credential-named query values removed always. */
  url(value: string): string {
    let out = value;
    try {
      const url = new URL(value);
      let changed = false;
      for (const [name] of url.searchParams) {
        if (CREDENTIAL_PARAMS.test(name)) {
          url.searchParams.set(name, REDACTED);
          changed = true;
        }
      }
      if (changed) out = url.href.replaceAll(encodeURIComponent(REDACTED), REDACTED);
    } catch {
      // Not a URL: redact it as text.
    }
    return this.text(out);
  }

  /** Request headers for records: credential headers keep their scheme word only. */
  headers(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (isCredentialHeaderName(name)) {
        const scheme = /^(Basic|Bearer|Token|Digest|SSWS|Negotiate|ApiKey)\s+/i.exec(value);
        out[name] = scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
      } else {
        out[name] = this.text(value);
      }
    }
    return out;
  }
}

/**
 * The value's base64 as it appears inside a longer base64 text (`Basic base64("user:" + secret)`),
 * at each of the three byte alignments it can start at. Only characters made of the value's bits
 * alone are kept: those at either end also encode the unknown neighbouring bytes.
 */
function embeddedBase64(value: string): string[] {
  const bytes = Buffer.from(value);
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    cores.push(encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6)));
  }
  return cores;
}

/** Applies a redactor to everything a run leaves behind. */
export function redactOutcome(outcome: RunOutcome, redactor: Redactor): RunOutcome {
  if (!redactor.active) return outcome;
  return {
    ...outcome,
    error: redactor.text(outcome.error),
    result: outcome.result ? redactor.json(outcome.result) : null,
    logs: outcome.logs.map((entry) => redactEntry(entry, redactor)),
    ...(outcome.steps
      ? {
          steps: outcome.steps.map((step) => ({
            ...step,
            name: redactor.text(step.name),
            output: redactor.json(step.output),
            error: redactor.text(step.error),
            reason: redactor.text(step.reason),
          })),
        }
      : {}),
    httpCalls: outcome.httpCalls.map((call) => ({
      ...call,
      url: redactor.url(call.url),
      request_headers: redactor.headers(call.request_headers),
      request_body: redactor.text(call.request_body),
      error: redactor.text(call.error),
    })),
  };
}

/** Applies a redactor to one log entry (a journaled one, or one of an outcome's). */
export function redactEntry(entry: RunLogEntry, redactor: Redactor): RunLogEntry {
  if (!redactor.active) return entry;
  return {
    ...entry,
    message: redactor.text(entry.message),
    fields: entry.fields ? redactor.json(entry.fields) : null,
    step: redactor.text(entry.step),
    http: entry.http ? { ...entry.http, url: redactor.url(entry.http.url), ...(entry.http.error !== undefined ? { error: redactor.text(entry.http.error) } : {}) } : null,
  };
}
