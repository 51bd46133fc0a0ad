// How an HTTP call reads in a run's log: the same words in the run's final log (the worker) and in
// its journal while it runs (the broker). Method, redacted URL, status, time and size: never a
// body, never a header.
import type { LogLevel } from '../../shared/domain.ts';
import { formatBytes } from './limits.ts';
import type { HttpSummary } from './protocol.ts';

/** The request line, journaled when the call starts. */
export function httpRequestLine(summary: HttpSummary): { level: LogLevel; message: string } {
  return { level: 'info', message: `${summary.method} ${summary.url} sent, awaiting the answer` };
}

/** The call once answered (or failed). */
export function httpOutcomeLine(summary: HttpSummary): { level: LogLevel; message: string } {
  const outcome = summary.error ? `failed: ${summary.error}` : `→ ${summary.status} (${summary.ms} ms, ${formatBytes(summary.bytes)})`;
  const level: LogLevel = summary.error || (summary.status ?? 0) >= 400 ? 'warn' : 'info';
  return { level, message: `${summary.method} ${summary.url} ${outcome}` };
}
