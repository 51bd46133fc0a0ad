// The engine ↔ sandbox process wire. Each message is serialized to a JSON string by its sender at
// the point where it belongs to one run, so a message that cannot be serialized (too deep, too
// large, cyclic) fails that run and nothing else. Messages sent in the same event-loop turn travel
// as one frame: their JSON texts joined by newlines (JSON.stringify never writes a raw newline).
// The channels carry only strings, so no structured-clone recursion ever walks caller or guest
// data, and a receiver parses each line on its own: JSON.parse is iterative in V8, and the host
// checks each parsed message's nesting (iteratively) before anything recursive touches it.
import { LOG_LEVELS, STEP_STATUSES, type RunLogEntry } from '../../shared/domain.ts';
import { jsonDepth } from '../../shared/json-depth.ts';
import type { RunOutcome } from './types.ts';

/** Nesting accepted in guest-made data: log fields and results (checked in the worker). */
export const MAX_JSON_DEPTH = 100;
/** Nesting accepted in a whole wire message: guest data plus the envelopes around it. */
export const MAX_WIRE_DEPTH = MAX_JSON_DEPTH + 8;

/** Why JSON.stringify refused a value, in words for a run's error. */
export function serializationProblem(error: unknown): string {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  if (error instanceof RangeError && /call stack/i.test(message)) return `it is nested too deeply (${message})`;
  if (error instanceof RangeError && /string length/i.test(message)) return `it is too large (${message})`;
  if (error instanceof TypeError && /circular/i.test(message)) return 'it contains a cycle';
  return message;
}

/** One message as a line of the wire; throws what JSON.stringify throws. */
export function encode(message: unknown): string {
  return JSON.stringify(message);
}

export function joinFrame(lines: string[]): string {
  return lines.length === 1 ? lines[0]! : lines.join('\n');
}

export type Decoded =
  | { ok: true; message: { t: string; id?: number } & Record<string, unknown> }
  | { ok: false; problem: string; t: string | null; id: number | null };

/**
 * Every message of a frame, parsed one by one. A line that cannot be used still names, where its
 * head shows them, the message type and run id it was for, so the receiver can fail that run.
 * `maxDepth` (null: any) refuses messages nested deeper, before anything recursive walks them.
 */
export function decodeFrame(frame: unknown, maxDepth: number | null): Decoded[] {
  if (typeof frame !== 'string') return [{ ok: false, problem: 'a frame that is not a string', t: null, id: null }];
  return frame.split('\n').map((line) => decodeLine(line, maxDepth));
}

const HEAD = /^\{"t":"([a-z]{1,16})"(?:,"id":(\d{1,15})[,}])?/;

function decodeLine(line: string, maxDepth: number | null): Decoded {
  const head = HEAD.exec(line);
  const failed = (problem: string): Decoded => ({ ok: false, problem, t: head?.[1] ?? null, id: head?.[2] !== undefined ? Number(head[2]) : null });
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch (error) {
    return failed(`a message that is not JSON (${(error as Error).message.slice(0, 200)})`);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message) || typeof (message as { t?: unknown }).t !== 'string') {
    return failed('a message without a type');
  }
  if (maxDepth !== null && jsonDepth(message, maxDepth) > maxDepth) return failed(`a message nested more than ${maxDepth} levels`);
  const id = (message as { id?: unknown }).id;
  if (id !== undefined && !Number.isSafeInteger(id)) return failed('a message with an invalid run id');
  return { ok: true, message: message as { t: string; id?: number } & Record<string, unknown> };
}

const LEVELS = new Set<string>(LOG_LEVELS);
const STATUSES = new Set<string>(['success', 'failed', 'timed_out', 'cancelled']);

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const stringOrNull = (value: unknown) => value === null || typeof value === 'string';

/** A log entry as the engine stores it, or null for anything else. */
export function readLogEntry(value: unknown): RunLogEntry | null {
  if (!isRecord(value)) return null;
  const { seq, ts, level, message, fields, step, http } = value;
  if (!Number.isSafeInteger(seq) || typeof ts !== 'string' || typeof level !== 'string' || !LEVELS.has(level) || typeof message !== 'string') return null;
  if (fields !== null && !isRecord(fields)) return null;
  if (!stringOrNull(step)) return null;
  if (http !== null) {
    if (!isRecord(http) || typeof http.method !== 'string' || typeof http.url !== 'string') return null;
    if ((http.status !== null && typeof http.status !== 'number') || typeof http.ms !== 'number' || typeof http.bytes !== 'number') return null;
    if (http.error !== undefined && typeof http.error !== 'string') return null;
  }
  return value as unknown as RunLogEntry;
}

function isHttpCall(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { method, url, request_headers: headers, request_body: body, status, ms, bytes, error } = value;
  if (typeof method !== 'string' || typeof url !== 'string' || !stringOrNull(body) || !stringOrNull(error)) return false;
  if ((status !== null && typeof status !== 'number') || typeof ms !== 'number' || typeof bytes !== 'number') return false;
  return isRecord(headers) && Object.values(headers).every((header) => typeof header === 'string');
}

const STEP_STATUS_SET = new Set<string>(STEP_STATUSES);

function isStep(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { name, status, started_at: startedAt, duration_ms: ms, error, reason } = value;
  return typeof name === 'string' && typeof status === 'string' && STEP_STATUS_SET.has(status) && typeof startedAt === 'string' &&
    typeof ms === 'number' && stringOrNull(error) && stringOrNull(reason) && 'output' in value;
}

/** A run's outcome as the sandbox process sent it, or what is wrong with it. */
export function readOutcome(value: unknown): RunOutcome | string {
  if (!isRecord(value)) return 'the outcome is not an object';
  const { status, result, error, logs, httpCalls, durationMs } = value;
  if (typeof status !== 'string' || !STATUSES.has(status)) return 'the outcome has no valid status';
  if (result !== null && (!isRecord(result) || typeof result.success !== 'boolean' || typeof result.message !== 'string')) return 'the result is malformed';
  if (!stringOrNull(error)) return 'the error is not a string';
  if (!Array.isArray(logs) || !logs.every((entry) => readLogEntry(entry) !== null)) return 'a log entry is malformed';
  if (!Array.isArray(httpCalls) || !httpCalls.every(isHttpCall)) return 'an HTTP call record is malformed';
  if (value.steps !== undefined && (!Array.isArray(value.steps) || !value.steps.every(isStep))) return 'a step record is malformed';
  if (typeof durationMs !== 'number') return 'the duration is not a number';
  return value as unknown as RunOutcome;
}
