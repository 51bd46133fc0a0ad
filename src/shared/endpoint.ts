// HTTP-endpoint workflows: a workflow with no code that, when it runs, sends the run's context as
// JSON to an external automation (Logic Apps, Lambda URLs, n8n, Tines…). Its configuration is kept
// as canonical JSON text in the workflow's `code`, so versions, pinning, diffs and restore work
// exactly as for scripts. The engine validates it, the sandbox broker sends it, the console edits
// it with a form: all three read it through this module.

import { SECRET_NAME, SECRET_NAME_SOURCE } from './domain.ts';

export const ENDPOINT_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];

export const HMAC_ALGORITHMS = ['sha256', 'sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

export interface EndpointHmac {
  /** Name of a declared secret whose value is the HMAC key. */
  secret: string;
  /** Request header that carries `<algorithm>=<hex digest of the body>`. */
  header: string;
  algorithm: HmacAlgorithm;
}

export interface EndpointConfig {
  url: string;
  method: EndpointMethod;
  /** Header values may contain `{{secret:NAME}}`, replaced by the broker in the sandbox process. */
  headers: Record<string, string>;
  hmac: EndpointHmac | null;
  /** The request's timeout, which is also the run's. */
  timeout_seconds: number;
  /** Statuses that count as success: numbers (`202`) or classes (`"2xx"`). */
  success_statuses: Array<number | string>;
}

export const DEFAULT_HMAC_HEADER = 'X-Vigil-Signature';
export const DEFAULT_ENDPOINT_TIMEOUT_SECONDS = 30;
export const MAX_ENDPOINT_TIMEOUT_SECONDS = 3600;
export const DEFAULT_SUCCESS_STATUSES: ReadonlyArray<number | string> = ['2xx'];
/** How much of the response body a run records. */
export const ENDPOINT_RECORDED_BODY_BYTES = 64 * 1024;

export const NEW_ENDPOINT: EndpointConfig = {
  url: 'https://automation.example.com/hooks/vigil',
  method: 'POST',
  headers: {},
  hmac: null,
  timeout_seconds: DEFAULT_ENDPOINT_TIMEOUT_SECONDS,
  success_statuses: [...DEFAULT_SUCCESS_STATUSES],
};

/** `{{secret:NAME}}`; the name follows the secret-name rule. */
export const SECRET_REFERENCE = new RegExp(`\\{\\{\\s*secret:(${SECRET_NAME_SOURCE})\\s*\\}\\}`, 'g');
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_CLASS = /^[1-5]xx$/;
/** Headers the HTTP client owns; setting them could smuggle requests or mislead the receiver. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']);
const CONFIG_KEYS = new Set(['url', 'method', 'headers', 'hmac', 'timeout_seconds', 'success_statuses']);
const HMAC_KEYS = new Set(['secret', 'header', 'algorithm']);
const MAX_HEADERS = 50;
const MAX_HEADER_VALUE = 8 * 1024;
const MAX_URL = 2048;

export interface EndpointProblem {
  /** Path inside the configuration: "url", "headers.Authorization", "hmac.secret". */
  field: string;
  message: string;
}

export type EndpointValidation = { ok: true; config: EndpointConfig } | { ok: false; problems: EndpointProblem[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The secret names a header value references. */
export function secretReferences(value: string): string[] {
  return [...value.matchAll(SECRET_REFERENCE)].map((match) => match[1]!);
}

/**
 * Checks a configuration (as sent by a client: missing fields take their defaults) and lists every
 * problem. Secrets it references must be among `declaredSecrets`, as ctx.secrets requires of code.
 */
export function validateEndpoint(value: unknown, declaredSecrets: readonly string[]): EndpointValidation {
  const problems: EndpointProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  if (!isObject(value)) return { ok: false, problems: [{ field: '', message: 'must be an object with at least a url' }] };
  for (const key of Object.keys(value)) if (!CONFIG_KEYS.has(key)) problem(key, `unknown field "${key}"`);
  const declared = new Set(declaredSecrets);
  const checkDeclared = (field: string, name: string) => {
    if (!declared.has(name)) problem(field, `the secret ${name} is not declared: add it to the workflow's secrets`);
  };

  let url = '';
  if (typeof value.url !== 'string' || value.url.trim() === '') {
    problem('url', 'url is required (the endpoint to call, e.g. https://automation.example.com/hooks/vigil)');
  } else if (value.url.length > MAX_URL) {
    problem('url', `url must be at most ${MAX_URL} characters`);
  } else {
    url = value.url.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      problem('url', 'url is not a valid absolute URL');
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problem('url', 'url must use http or https');
    else if (parsed && (parsed.username || parsed.password)) {
      problem('url', 'url must not carry credentials; send them in a header with {{secret:NAME}}');
    }
  }

  let method: EndpointMethod = 'POST';
  if (value.method !== undefined) {
    const upper = typeof value.method === 'string' ? value.method.toUpperCase() : '';
    if ((ENDPOINT_METHODS as readonly string[]).includes(upper)) method = upper as EndpointMethod;
    else problem('method', `method must be one of ${ENDPOINT_METHODS.join(', ')} (the run context is sent as the body)`);
  }

  const headers: Record<string, string> = {};
  if (value.headers !== undefined && value.headers !== null) {
    if (!isObject(value.headers)) {
      problem('headers', 'headers must be an object of header name → value');
    } else {
      const entries = Object.entries(value.headers);
      if (entries.length > MAX_HEADERS) problem('headers', `at most ${MAX_HEADERS} headers`);
      const seen = new Set<string>();
      for (const [name, headerValue] of entries) {
        const field = `headers.${name}`;
        if (!HEADER_NAME.test(name)) problem(field, `"${name.slice(0, 100)}" is not a valid header name`);
        else if (RESERVED_HEADERS.has(name.toLowerCase())) problem(field, `the "${name}" header is set by Vigil`);
        else if (seen.has(name.toLowerCase())) problem(field, `the "${name}" header is given twice`);
        seen.add(name.toLowerCase());
        if (typeof headerValue !== 'string') {
          problem(field, 'must be a string');
          continue;
        }
        if (/[\r\n\0]/.test(headerValue)) problem(field, 'must not contain line breaks');
        if (headerValue.length > MAX_HEADER_VALUE) problem(field, `must be at most ${MAX_HEADER_VALUE} characters`);
        for (const name of secretReferences(headerValue)) checkDeclared(field, name);
        if (/\{\{\s*secret:/.test(headerValue.replace(SECRET_REFERENCE, ''))) {
          problem(field, 'write secret references as {{secret:NAME}} with a valid secret name');
        }
        headers[name] = headerValue;
      }
    }
  }

  let hmac: EndpointHmac | null = null;
  if (value.hmac !== undefined && value.hmac !== null) {
    if (!isObject(value.hmac)) {
      problem('hmac', 'hmac must be null or {secret, header?, algorithm?}');
    } else {
      const given = value.hmac;
      for (const key of Object.keys(given)) if (!HMAC_KEYS.has(key)) problem(`hmac.${key}`, `unknown field "${key}"`);
      const secret = typeof given.secret === 'string' ? given.secret : '';
      if (!SECRET_NAME.test(secret)) problem('hmac.secret', 'hmac.secret must name the secret that holds the signing key');
      else checkDeclared('hmac.secret', secret);
      const header = given.header === undefined ? DEFAULT_HMAC_HEADER : given.header;
      if (typeof header !== 'string' || !HEADER_NAME.test(header)) problem('hmac.header', 'hmac.header must be a valid header name');
      else if (RESERVED_HEADERS.has(header.toLowerCase())) problem('hmac.header', `the "${header}" header is set by Vigil`);
      else if (Object.keys(headers).some((name) => name.toLowerCase() === header.toLowerCase())) {
        problem('hmac.header', `the "${header}" header is also in headers; the signature needs it to itself`);
      }
      const algorithm = given.algorithm === undefined ? 'sha256' : given.algorithm;
      if (!(HMAC_ALGORITHMS as readonly unknown[]).includes(algorithm)) problem('hmac.algorithm', `hmac.algorithm must be one of ${HMAC_ALGORITHMS.join(', ')}`);
      hmac = { secret, header: String(header), algorithm: algorithm as HmacAlgorithm };
    }
  }

  let timeout = DEFAULT_ENDPOINT_TIMEOUT_SECONDS;
  if (value.timeout_seconds !== undefined) {
    const t = value.timeout_seconds;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_ENDPOINT_TIMEOUT_SECONDS) {
      problem('timeout_seconds', `timeout_seconds must be a whole number of seconds from 1 to ${MAX_ENDPOINT_TIMEOUT_SECONDS}`);
    } else {
      timeout = t;
    }
  }

  let statuses: Array<number | string> = [...DEFAULT_SUCCESS_STATUSES];
  if (value.success_statuses !== undefined) {
    const list = value.success_statuses;
    if (!Array.isArray(list) || list.length === 0 || list.length > 50) {
      problem('success_statuses', 'success_statuses must list 1 to 50 statuses, e.g. [200, 202] or ["2xx"]');
    } else {
      statuses = [];
      list.forEach((status, index) => {
        if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) statuses.push(status);
        else if (typeof status === 'string' && STATUS_CLASS.test(status.toLowerCase())) statuses.push(status.toLowerCase());
        else problem(`success_statuses.${index}`, 'must be a status from 100 to 599 or a class such as "2xx"');
      });
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { url, method, headers, hmac, timeout_seconds: timeout, success_statuses: statuses } };
}

/** The canonical text of a configuration: fixed key order, indented, so versions diff cleanly. */
export function formatEndpoint(config: EndpointConfig): string {
  const ordered: EndpointConfig = {
    url: config.url,
    method: config.method,
    headers: config.headers,
    hmac: config.hmac && { secret: config.hmac.secret, header: config.hmac.header, algorithm: config.hmac.algorithm },
    timeout_seconds: config.timeout_seconds,
    success_statuses: config.success_statuses,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Reads configuration text (a workflow's `code`); null when it is not valid JSON. */
export function parseEndpointText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Whether a response status counts as success. */
export function isSuccessStatus(status: number, expected: ReadonlyArray<number | string>): boolean {
  return expected.some((entry) => (typeof entry === 'number' ? entry === status : String(Math.floor(status / 100)) === entry[0]));
}

/** "200, 202 or 2xx": how the expected statuses read in a run's message. */
export function describeStatuses(expected: ReadonlyArray<number | string>): string {
  const items = expected.map(String);
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
