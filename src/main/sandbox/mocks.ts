// Test mode's mock responses: an ordered list of rules, either a bare array or
// {"responses": [...], "default": …}, where default is a response or "error" (unmatched calls fail
// loudly; the default). Calseta's `mock_http_responses` (one JSON body every call answers with,
// status 200) has its own field and its own constructor, `answerEveryCall`: a plain object in
// `mocks` used to be read that way too, so a typo in Vigil's shape silently became a 200 answer.
// Rules are tried in order; the first whose method and URL match and whose `times` is not used
// up answers.

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  /** Response body text (a `json` value is serialised here at parse time). */
  body: string;
  delay_ms: number;
}

export interface MockRule extends MockResponse {
  /** Upper-case method, or null for any. */
  method: string | null;
  /** Exact URL or a glob where `*` matches any run of characters. */
  url: string;
  /** How many calls this rule answers; null = unlimited. */
  times: number | null;
}

export interface MockSpec {
  rules: MockRule[];
  default: MockResponse | 'error';
}

export class MockSpecError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid mocks: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const RULE_KEYS = new Set(['method', 'url', 'status', 'headers', 'json', 'body', 'delay_ms', 'times']);
const RESPONSE_KEYS = new Set(['status', 'headers', 'json', 'body', 'delay_ms']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const MAX_DELAY_MS = 600_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calseta's `mock_http_responses`: every call answers 200 with this JSON body. */
export function answerEveryCall(body: unknown): MockSpec {
  return {
    rules: [],
    default: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? null), delay_ms: 0 },
  };
}

/** Validates mock JSON (a list or {responses, default}) and throws one error listing every problem. */
export function parseMockSpec(json: unknown): MockSpec {
  const problems: string[] = [];
  let list: unknown[];
  let fallback: unknown = 'error';
  if (Array.isArray(json)) {
    list = json;
  } else if (isPlainObject(json) && Array.isArray(json.responses) && Object.keys(json).every((k) => k === 'responses' || k === 'default')) {
    list = json.responses;
    if ('default' in json) fallback = json.default;
  } else if (isPlainObject(json)) {
    const unknown = Object.keys(json).filter((key) => key !== 'responses' && key !== 'default');
    throw new MockSpecError([
      unknown.length > 0
        ? `mocks has unknown field(s) ${unknown.map((key) => `"${key}"`).join(', ')}: it must be a list of responses or {"responses": [...], "default": ...}` +
          ' (to answer every call with one JSON body, send that body as mock_http_responses)'
        : 'mocks.responses must be a list of responses',
    ]);
  } else {
    throw new MockSpecError(['mocks must be a list of responses or {"responses": [...], "default": ...}']);
  }
  const rules: MockRule[] = [];
  list.forEach((item, index) => {
    const where = `responses[${index}]`;
    if (!isPlainObject(item)) {
      problems.push(`${where} must be an object`);
      return;
    }
    for (const key of Object.keys(item)) if (!RULE_KEYS.has(key)) problems.push(`${where}: unknown field "${key}"`);
    let method: string | null = null;
    if (item.method !== undefined) {
      if (typeof item.method !== 'string' || !METHODS.has(item.method.toUpperCase())) {
        problems.push(`${where}.method must be one of ${[...METHODS].join(', ')}`);
      } else {
        method = item.method.toUpperCase();
      }
    }
    if (typeof item.url !== 'string' || item.url.trim() === '') problems.push(`${where}.url must be a URL or a glob such as "https://api.example.com/*"`);
    let times: number | null = null;
    if (item.times !== undefined) {
      if (typeof item.times !== 'number' || !Number.isInteger(item.times) || item.times < 1) problems.push(`${where}.times must be a positive integer`);
      else times = item.times;
    }
    const response = parseResponse(item, where, problems);
    if (response && typeof item.url === 'string') rules.push({ ...response, method, url: item.url.trim(), times });
  });
  let defaultResponse: MockResponse | 'error' = 'error';
  if (fallback !== 'error') {
    if (!isPlainObject(fallback)) {
      problems.push('default must be a response object or "error"');
    } else {
      for (const key of Object.keys(fallback)) if (!RESPONSE_KEYS.has(key)) problems.push(`default: unknown field "${key}"`);
      defaultResponse = parseResponse(fallback, 'default', problems) ?? 'error';
    }
  }
  if (problems.length > 0) throw new MockSpecError(problems);
  return { rules, default: defaultResponse };
}

function parseResponse(item: Record<string, unknown>, where: string, problems: string[]): MockResponse | null {
  const before = problems.length;
  let status = 200;
  if (item.status !== undefined) {
    if (typeof item.status !== 'number' || !Number.isInteger(item.status) || item.status < 100 || item.status > 599) {
      problems.push(`${where}.status must be an HTTP status between 100 and 599`);
    } else {
      status = item.status;
    }
  }
  const headers: Record<string, string> = {};
  if (item.headers !== undefined) {
    if (!isPlainObject(item.headers)) {
      problems.push(`${where}.headers must be an object of strings`);
    } else {
      for (const [name, value] of Object.entries(item.headers)) {
        if (typeof value !== 'string' && typeof value !== 'number') problems.push(`${where}.headers.${name} must be a string`);
        else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) problems.push(`${where}.headers: "${name}" is not a valid header name`);
        else if (/[\r\n\0]/.test(String(value))) problems.push(`${where}.headers.${name} contains a line break`);
        else headers[name.toLowerCase()] = String(value);
      }
    }
  }
  if (item.json !== undefined && item.body !== undefined) problems.push(`${where}: give json or body, not both`);
  let body = '';
  if (item.json !== undefined) {
    body = JSON.stringify(item.json);
    if (!('content-type' in headers)) headers['content-type'] = 'application/json';
  } else if (item.body !== undefined) {
    if (typeof item.body !== 'string') problems.push(`${where}.body must be a string (use json for structured bodies)`);
    else body = item.body;
  }
  let delay = 0;
  if (item.delay_ms !== undefined) {
    if (typeof item.delay_ms !== 'number' || !Number.isFinite(item.delay_ms) || item.delay_ms < 0 || item.delay_ms > MAX_DELAY_MS) {
      problems.push(`${where}.delay_ms must be a number of milliseconds between 0 and ${MAX_DELAY_MS}`);
    } else {
      delay = Math.round(item.delay_ms);
    }
  }
  if (problems.length > before) return null;
  return { status, headers, body, delay_ms: delay };
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i');
}

/** Compares with and without a trailing slash on the bare origin, the way people write URLs. */
function normaliseForMatch(url: string): string {
  if (url.includes('*')) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Ordered matching with `times` accounting; one instance per test run. */
export class MockMatcher {
  private readonly spec: MockSpec;
  private readonly used: number[];
  private readonly patterns: RegExp[];

  constructor(spec: MockSpec) {
    this.spec = spec;
    this.used = spec.rules.map(() => 0);
    this.patterns = spec.rules.map((rule) => globToRegExp(normaliseForMatch(rule.url)));
  }

  /**
   * The response for a call, and which rule gave it. A rule whose URL has no query string matches
   * the request URL without its query; one with a query string matches the full URL.
   */
  match(method: string, href: string): { response: MockResponse; mock: number | 'default' } | null {
    const withoutQuery = href.replace(/[?#].*$/, '');
    for (let i = 0; i < this.spec.rules.length; i++) {
      const rule = this.spec.rules[i]!;
      if (rule.method !== null && rule.method !== method) continue;
      if (rule.times !== null && this.used[i]! >= rule.times) continue;
      const subject = rule.url.includes('?') ? href : withoutQuery;
      if (!this.patterns[i]!.test(subject)) continue;
      this.used[i]!++;
      return { response: rule, mock: i };
    }
    if (this.spec.default === 'error') return null;
    return { response: this.spec.default, mock: 'default' };
  }
}
