// Arbitraries for the API fuzzer (test/engine/api-fuzz.test.ts), derived from the JSON schemas that
// /v1/openapi.json publishes: valid values, values that break the schema in one place, raw bodies
// no schema describes, odd path segments and query strings. Plus the one way the fuzzer talks HTTP.
import { Socket } from 'node:net';
import fc, { type Arbitrary } from 'fast-check';

/** The part of JSON Schema that TypeBox emits for Vigil's routes. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/** What the generators draw on besides the schema. */
export interface FuzzContext {
  /** Ids: real objects mixed with random uuids. */
  uuid: Arbitrary<string>;
  /** URLs. Only loopback ones: nothing the fuzzer configures may send traffic off the machine. */
  url: Arbitrary<string>;
  /** Values for fields whose meaning no schema states, by property name (workflow code, mocks). */
  fields: Record<string, Arbitrary<unknown>>;
}

/** Generated strings stay short; the long ones are the explicit boundaries (exactly maxLength, one more). */
const SHORT = 24;
/** Arrays and maps stay small for the same reason. */
const FEW = 4;
const INT32 = 2 ** 31 - 1;

const dateTime = fc.oneof(
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  // Leap seconds, offsets and the ends of the range: each has broken a date parser somewhere.
  fc.constantFrom(
    '2016-12-31T23:59:60Z', '2030-06-30T23:59:60Z', '2026-01-01T05:29:60+05:30', '9999-12-31T23:59:60Z', '2026-01-01T00:00:00+05:30',
    '2026-01-01T00:00:00+0530', '2026-01-01t00:00:00z', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00.1234567890123Z',
    '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z',
  ),
);

function validString(schema: JsonSchema, ctx: FuzzContext): Arbitrary<string> {
  if (schema.format === 'uuid') return ctx.uuid;
  if (schema.format === 'date-time') return dateTime;
  if (schema.format === 'uri') return ctx.url;
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Infinity;
  if (schema.pattern) {
    const fits = (value: string) => value.length >= min && value.length <= max;
    return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  }
  const upTo = Math.min(max, Math.max(min, SHORT));
  const options: Arbitrary<string>[] = [
    fc.string({ minLength: min, maxLength: upTo }),
    fc.string({ minLength: min, maxLength: upTo, unit: 'binary' }),
  ];
  if (Number.isFinite(max)) options.push(fc.constant('x'.repeat(max)));
  return fc.oneof(...options);
}

function validNumber(schema: JsonSchema, integer: boolean): Arbitrary<number> {
  const min = schema.minimum ?? -INT32;
  const max = schema.maximum ?? INT32;
  const inner = integer
    ? fc.integer({ min: Math.max(min, -INT32), max: Math.min(max, INT32) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(fc.constantFrom(min, max), inner);
}

function validObject(schema: JsonSchema, ctx: FuzzContext): Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  let object: Arbitrary<Record<string, unknown>>;
  if (names.length > 0) {
    const model = Object.fromEntries(names.map((name) => [name, valid(properties[name]!, ctx, name)]));
    object = fc.record(model, { requiredKeys: schema.required ?? [] }) as Arbitrary<Record<string, unknown>>;
  } else if (typeof schema.additionalProperties === 'object') {
    const key = schema.propertyNames ? validString({ type: 'string', ...schema.propertyNames }, ctx) : fc.string({ maxLength: 10 });
    object = fc.dictionary(key, valid(schema.additionalProperties, ctx), { maxKeys: FEW });
  } else if (schema.additionalProperties !== false) {
    object = fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: FEW });
  } else {
    object = fc.constant({});
  }
  const minProperties = schema.minProperties ?? 0;
  return minProperties > 0 ? object.filter((value) => Object.keys(value).length >= minProperties) : object;
}

/** Values the schema accepts (`name` picks a field-specific generator from the context). */
export function valid(schema: JsonSchema, ctx: FuzzContext, name?: string): Arbitrary<unknown> {
  const field = name === undefined ? undefined : ctx.fields[name];
  if (field) return field;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valid(alternative, ctx, name)));
  switch (schema.type) {
    case 'string':
      return validString(schema, ctx);
    case 'integer':
      return validNumber(schema, true);
    case 'number':
      return validNumber(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = valid(schema.items ?? {}, ctx);
      const size = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? FEW, FEW) };
      return schema.uniqueItems ? fc.uniqueArray(item, { ...size, selector: (value) => JSON.stringify(value) }) : fc.array(item, size);
    }
    case 'object':
      return validObject(schema, ctx);
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

const typeOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

function accepts(schema: JsonSchema, type: string): boolean {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.some((alternative) => accepts(alternative, type));
  if (schema.enum) return schema.enum.some((value) => typeOf(value) === type);
  if (schema.type === undefined) return true;
  return schema.type === type || (schema.type === 'number' && type === 'integer');
}

const OTHER_TYPES: unknown[] = [null, true, 0, -1, 1.5, 'text', '', [], [1, 'a'], {}, { nested: { deeper: [] } }];
/** Strings that break patterns, formats and enums. */
const ODD_STRINGS = [' ', 'not valid!', '\u0000', '../..', '%00', '\ud800', '🦀'.repeat(3), 'DROP TABLE workflows;--', '{{secret:X}}', 'a\nb'];

/** Values the schema refuses, each broken in one place (a field, a bound, a type). */
export function invalid(schema: JsonSchema, ctx: FuzzContext, depth = 0): Arbitrary<unknown> {
  const options: Arbitrary<unknown>[] = [];
  const wrong = OTHER_TYPES.filter((value) => !accepts(schema, typeOf(value)));
  if (wrong.length > 0) options.push(fc.constantFrom(...wrong));
  const { type } = schema;
  if (type === 'object') {
    const properties = schema.properties ?? {};
    const names = Object.keys(properties);
    const base = validObject(schema, ctx);
    for (const required of schema.required ?? []) {
      options.push(base.map(({ [required]: _dropped, ...rest }) => rest));
    }
    options.push(base.map((value) => ({ ...value, fuzz_unknown_field: 'x' })));
    if (names.length > 0 && depth < 3) {
      options.push(
        fc
          .tuple(base, fc.constantFrom(...names))
          .chain(([value, name]) => invalid(properties[name]!, ctx, depth + 1).map((broken) => ({ ...value, [name]: broken }))),
      );
    }
  }
  if (type === 'string') {
    if (schema.maxLength !== undefined) options.push(fc.constant('x'.repeat(schema.maxLength + 1)));
    if (schema.minLength) options.push(fc.constant(''));
    if (schema.pattern || schema.format || schema.enum) options.push(fc.constantFrom(...ODD_STRINGS));
  }
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) options.push(fc.constant(schema.minimum - 1));
    if (schema.maximum !== undefined) options.push(fc.constant(schema.maximum + 1));
    if (type === 'integer') options.push(fc.constant(1.5));
    options.push(fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2));
  }
  if (type === 'array') {
    if (schema.maxItems !== undefined) {
      options.push(valid(schema.items ?? {}, ctx).map((item) => Array.from({ length: schema.maxItems! + 1 }, () => item)));
    }
    if (schema.items) options.push(invalid(schema.items, ctx, depth + 1).map((item) => [item]));
  }
  // Only an unconstrained value (`context`) accepts everything; nesting past the limit is what it
  // must refuse. (Deeper values than this travel as raw text: JSON.stringify itself overflows.)
  if (options.length === 0) options.push(fc.constant(nested(1_000)));
  return fc.oneof(...options);
}

/** `levels` arrays inside each other. */
export function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** A request body as sent: the bytes and the Content-Type that goes with them (none: no header). */
export interface FuzzBody {
  contentType?: string;
  text: string;
}

export const json = (value: unknown): FuzzBody => ({ contentType: 'application/json', text: JSON.stringify(value) });

/** Bodies no schema describes: broken JSON, JSON tricks, wrong or missing content types, too large. */
export function rawBodies(bodyLimit: number): FuzzBody[] {
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  return [
    { contentType: 'application/json', text: '' },
    { contentType: 'application/json', text: '{' },
    { contentType: 'application/json', text: '{"a":1,}' },
    { contentType: 'application/json', text: 'null' },
    { contentType: 'application/json', text: '[]' },
    { contentType: 'application/json', text: '"text"' },
    { contentType: 'application/json', text: '12' },
    { contentType: 'application/json', text: '{"__proto__":{"isAdmin":true}}' },
    { contentType: 'application/json', text: '{"constructor":{"prototype":{"isAdmin":true}}}' },
    { contentType: 'application/json', text: '\ufeff{}' },
    { contentType: 'application/json', text: deep },
    ...['context', 'alert', 'enrichment', 'mocks', 'endpoint', 'reason'].map((field) => ({ contentType: 'application/json', text: `{"${field}":${deep}}` })),
    { contentType: 'application/json', text: `{"alert":{"fields":{"f":${deep}}}}` },
    { contentType: 'application/json', text: `{"a":"${'x'.repeat(bodyLimit + 1)}"}` },
    { contentType: 'application/json; charset=utf-16', text: '{}' },
    { contentType: 'application/json; charset=latin1', text: '{}' },
    { contentType: 'text/plain', text: 'hello' },
    { contentType: 'application/xml', text: '<a/>' },
    { contentType: 'application/x-www-form-urlencoded', text: 'a=1&b=2&token=&decision=approve' },
    { contentType: 'multipart/form-data; boundary=x', text: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--' },
    { contentType: 'application/json-patch+json', text: '[]' },
    { text: '{"a":1}' },
  ];
}

/**
 * A JSON body: mostly valid for the schema, often broken in one place, sometimes not JSON at all.
 * `shape` applies rules between fields that a schema cannot state (an endpoint only with its kind).
 */
export function body(schema: JsonSchema, ctx: FuzzContext, raw: FuzzBody[], shape: (value: any) => unknown = (value) => value): Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: 5, arbitrary: valid(schema, ctx).map((value) => json(shape(value))) },
    { weight: 3, arbitrary: invalid(schema, ctx).map(json) },
    { weight: 2, arbitrary: fc.constantFrom(...raw) },
  );
}

/** Path segments that are not ids: bad %-escapes, traversal, over-long, empty-ish. Already encoded. */
const ODD_SEGMENTS = [
  '%ZZ', '%', '%00', '%2F', '%2F..%2F', '%E0%A4%A', '%C0%AF', '%F0%9F%A6%80', '..', '%2e%2e', '.', 'null', 'undefined',
  '0', '-1', '1e309', '99999999999999999999', 'x'.repeat(201), 'x'.repeat(5_000), '%20', '%0A', '00000000-0000-0000-0000-000000000000',
];

/** One path parameter, encoded: a real value (when there is one) or the schema's, a random uuid, or junk. */
export function pathSegment(schema: JsonSchema, ctx: FuzzContext, real: Arbitrary<string> | null): Arbitrary<string> {
  const good = real ?? valid(schema, ctx).map(String);
  return fc.oneof(
    { weight: 6, arbitrary: good.map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
  );
}

/** A query parameter as the OpenAPI document lists it. */
export interface QueryParameter {
  name: string;
  schema: JsonSchema;
}

/** Query values no schema accepts, or that coerce into trouble. */
const ODD_QUERY_VALUES = [
  '', '1e309', '-1e309', '99999999999999999999', '-1', '0', '1.5', 'NaN', 'Infinity', '0x10', ' 1', 'true', '[]',
  '2016-12-31T23:59:60Z', '2026-13-45T25:61:61Z', '%ZZ', 'a'.repeat(5_000),
];

/** A query string ('' or '?…'): known parameters with valid or odd values, repeated or unknown ones. */
export function queryString(parameters: QueryParameter[], ctx: FuzzContext): Arbitrary<string> {
  // Mostly valid values, so that most requests get past validation into the handler.
  const value = (schema: JsonSchema) =>
    fc.oneof(
      { weight: 12, arbitrary: valid(schema, ctx).map((v) => encodeURIComponent(String(v))) },
      { weight: 1, arbitrary: fc.constantFrom(...ODD_QUERY_VALUES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: 'binary' }).map(encodeURIComponent) },
    );
  const entries = parameters.map(({ name, schema }) =>
    fc.option(
      fc.oneof(
        { weight: 15, arbitrary: value(schema).map((v) => [`${name}=${v}`]) },
        { weight: 1, arbitrary: fc.tuple(value(schema), value(schema)).map(([a, b]) => [`${name}=${a}`, `${name}=${b}`]) },
      ),
      { nil: [], freq: 2 },
    ),
  );
  const unknown = sometimes(fc.constantFrom(['unknown=1'], ['__proto__=x'], ['page[]=1'], ['&&&'], ['=x']), 10, []);
  return fc.tuple(fc.tuple(...entries), unknown).map(([known, extra]) => {
    const parts = [...known.flat(), ...extra];
    return parts.length > 0 ? `?${parts.join('&')}` : '';
  });
}

/** `values` once in `oneIn` draws, else `otherwise`. */
export function sometimes<T, U>(values: Arbitrary<T>, oneIn: number, otherwise: U): Arbitrary<T | U> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(otherwise) }, { weight: 1, arbitrary: values });
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  /** The body as text; empty for event streams, which are closed once their headers arrive. */
  text: string;
  json: unknown;
}

/** No request may go unanswered for this long (a hang is a defect, not a slow machine). */
const ANSWER_WITHIN_MS = 30_000;

/**
 * Sends one request. Event streams (/v1/events, MCP's GET) stay open by design, so they are closed
 * as soon as their headers say what they are.
 */
export async function send(url: string, method: string, headers: Record<string, string>, requestBody?: FuzzBody): Promise<FuzzResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
  try {
    const all = { ...headers };
    if (requestBody?.contentType !== undefined) all['content-type'] = requestBody.contentType;
    // A Uint8Array body gets no Content-Type of its own, so "no header" really sends none.
    const payload = requestBody === undefined ? undefined : new TextEncoder().encode(requestBody.text);
    const response = await fetch(url, { method, headers: all, body: payload, redirect: 'manual', signal: controller.signal });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      controller.abort();
      return { status: response.status, contentType, text: '', json: undefined };
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, contentType, text, json: parsed };
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with an error answer's envelope, or null: `{error: {code: string, message: string, details}}`. */
export function envelopeProblem(response: FuzzResponse): string | null {
  if (!response.contentType.startsWith('application/json')) return `error answer is ${response.contentType || 'without a content type'}, not JSON`;
  const error = (response.json as { error?: Record<string, unknown> } | undefined)?.error;
  if (!error || typeof error !== 'object') return 'error answer has no `error` object';
  if (typeof error.code !== 'string') return 'error.code is not a string';
  if (typeof error.message !== 'string') return 'error.message is not a string';
  if (!('details' in error)) return 'error.details is missing';
  return null;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * The engine runs in the test's own process, so what it sends (notifiers, a model, Slack) leaves
 * through this process's sockets. A connection to anything but loopback is refused before it is
 * made and remembered, so that a test can fail on it. (The sandbox process refuses such dials
 * itself: VIGIL_DIAL_LOOPBACK_ONLY.)
 */
export function refuseNonLoopbackDials(): { refused: string[]; restore(): void } {
  const original = Socket.prototype.connect;
  const refused: string[] = [];
  const guarded = function (this: Socket, ...args: unknown[]) {
    // net.connect passes its normalized [options, callback] pair; direct callers pass options or (port, host).
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: unknown; port?: unknown; path?: unknown };
    const host = typeof options.host === 'string' ? options.host : 'localhost';
    if (typeof options.path !== 'string' && !LOOPBACK_HOSTS.has(host)) {
      refused.push(`${host}:${String(options.port)}`);
      process.nextTick(() => this.destroy(new Error(`refused by the test: ${host} is not loopback`)));
      return this;
    }
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  };
  Socket.prototype.connect = guarded as unknown as typeof original;
  return {
    refused,
    restore: () => {
      Socket.prototype.connect = original;
    },
  };
}
