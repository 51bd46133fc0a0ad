// Depth and size limits for the free-form JSON a caller hands to a run (`context`, `alert`,
// `enrichment`, test mocks and secrets). Deeply nested JSON is cheap to send and expensive to
// handle: every recursive walk over it (hashing, serializing to the sandbox, redaction, the guest's
// JSON.parse) can overflow a stack. So it is refused at the door, with the field and the limit named.
import { jsonDepth } from '../../../shared/json-depth.ts';

/** Deepest nesting of arrays and objects accepted in a free-form field. */
export const MAX_JSON_DEPTH = 64;
/** Largest serialized size of one free-form field of a run's input. */
export const MAX_INPUT_FIELD_BYTES = 256 * 1024;
/** Largest serialized size of a test's mock responses. */
export const MAX_MOCKS_BYTES = 1024 * 1024;

export interface BoundsProblem {
  field: string;
  message: string;
}

/**
 * Checks each named field (absent ones pass) against the depth limit and its size limit; returns
 * every problem, so a 422 can list them all.
 */
export function checkJsonBounds(fields: Record<string, { value: unknown; maxBytes: number }>): BoundsProblem[] {
  const problems: BoundsProblem[] = [];
  for (const [field, { value, maxBytes }] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      problems.push({ field, message: `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (the limit)` });
      continue;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > maxBytes) {
      problems.push({ field, message: `is ${bytes} bytes as JSON; the limit is ${maxBytes} bytes` });
    }
  }
  return problems;
}
