// The building blocks of the REST contract: the answer envelope (DESIGN.md §4), pages, and the
// small schemas every resource uses. The engine validates requests and serializes answers with
// these objects, /v1/openapi.json is generated from them, and the console's types are their Static<>.
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { DEFAULT_PAGE_SIZE } from '../domain.ts';

// `enum` rather than a union of literals: one clear validation message instead of one per value.
export const Enum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/**
 * A value or null, as `type: [t, "null"]` (objects and arrays too: their `properties`, `required`
 * and `items` apply only to objects and arrays). The serializer writes such a value without trying
 * each branch: for `anyOf` it compiled a validator per branch on the route's first answer (~90 ms)
 * and ran it on every answer. Declaring null matters: the serializer would otherwise write a null
 * string as "" and a null number as 0. A schema without a single `type` becomes `anyOf`.
 */
export function Nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}): TUnsafe<Static<T> | null> {
  const typed = schema as { type?: unknown; enum?: unknown[] };
  if (typeof typed.type === 'string') {
    return Type.Unsafe<Static<T> | null>({
      ...typed,
      type: [typed.type, 'null'],
      ...(typed.enum ? { enum: [...typed.enum, null] } : {}),
      ...options,
    });
  }
  return Type.Unsafe<Static<T> | null>({ anyOf: [schema, { type: 'null' }], ...options });
}

/** A timestamp as the API writes it: ISO 8601 text, UTC. */
export const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID.' });
export const UuidParams = Type.Object({ uuid: Uuid });

/** Free JSON (run input, results, step output, mocks): written as it is, never trimmed to a shape. */
export const AnyJson = (description?: string) => Type.Unknown(description ? { description } : {});

/** A JSON object whose keys are the caller's or a vendor's (enrichment, alert fields). */
export const JsonObject = (description?: string) =>
  Type.Record(Type.String(), Type.Unknown(), description ? { description } : {});

/** A request body or query that refuses fields it does not name. */
export const Closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const PageQuery = {
  // Bounded so that the offset stays an integer SQLite accepts (1e309 coerces to Infinity).
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
};

/** A list filter that takes one status or several. */
export const StatusList = (statuses: readonly string[]) =>
  Type.String({
    pattern: `^(${statuses.join('|')})(,(${statuses.join('|')}))*$`,
    description: 'One status or several separated by commas.',
  });

export const ListMeta = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 1 }),
  page_size: Type.Integer({ minimum: 1 }),
  total_pages: Type.Integer({ minimum: 0 }),
});
export type ListMeta = Static<typeof ListMeta>;

/** The count of a list that comes whole (no pages). */
export const CountMeta = Type.Object({ total: Type.Integer({ minimum: 0 }) });

export const EmptyMeta = Type.Object({});

/**
 * `{data, meta}`: every JSON answer but errors. Answers are open objects: the serializer writes
 * only the fields a schema names, whatever else the engine's value holds, while a client stays
 * free to meet fields added later.
 */
export const Answer = <D extends TSchema, M extends TSchema>(data: D, meta: M, description?: string) =>
  Type.Object({ data, meta }, description ? { description } : {});

/** One resource, no meta. */
export const One = <D extends TSchema>(data: D, description?: string) => Answer(data, EmptyMeta, description);

/** One page of a list. */
export const PageOf = <D extends TSchema>(item: D, description?: string) => Answer(Type.Array(item), ListMeta, description);

export interface Envelope<T, M = Record<string, unknown>> {
  data: T;
  meta: M;
}

/**
 * A success answer that is not JSON (an event stream, an HTML page), for OpenAPI: the media type
 * and what it carries. The serializer never sees these bodies.
 */
export function NotJson(mediaType: 'text/event-stream' | 'text/html', description: string) {
  return { description, content: { [mediaType]: { schema: { type: 'string', description } } } };
}

/** A success answer with no body (204, or an acknowledgement). */
export const NoBody = (description: string) => Type.Null({ description });
