import type { SandboxLimits } from './types.ts';

const KB = 1024;
const MB = 1024 * 1024;

/** DESIGN.md §6 defaults. */
export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  cpuMs: 5_000,
  memoryBytes: 64 * MB,
  stackBytes: 256 * KB,
  httpCalls: 200,
  httpInFlight: 8,
  httpBodyBytes: 10 * MB,
  logEntries: 1_000,
  logBytes: 256 * KB,
  resultBytes: 1 * MB,
  sourceBytes: 1 * MB,
});

/**
 * How far a workflow may raise a limit. The ceilings keep one run from starving the sandbox
 * process: the stack stays well inside the 5 MB C stack the QuickJS build reserves, and memory
 * stays small enough that the engine's run concurrency times it is a sane worst case.
 */
export const MAX_LIMITS: SandboxLimits = Object.freeze({
  cpuMs: 120_000,
  memoryBytes: 512 * MB,
  stackBytes: 2 * MB,
  httpCalls: 5_000,
  httpInFlight: 64,
  httpBodyBytes: 100 * MB,
  logEntries: 20_000,
  logBytes: 8 * MB,
  resultBytes: 16 * MB,
  sourceBytes: 4 * MB,
});

const MIN_LIMITS: SandboxLimits = Object.freeze({
  cpuMs: 10,
  memoryBytes: 4 * MB,
  stackBytes: 64 * KB,
  httpCalls: 0,
  httpInFlight: 1,
  httpBodyBytes: 0,
  logEntries: 0,
  logBytes: 0,
  resultBytes: 64,
  sourceBytes: 64,
});

/** Merges a workflow's overrides into the defaults, clamped to [MIN, MAX]; junk values are ignored. */
export function resolveLimits(overrides: Partial<SandboxLimits> | undefined): SandboxLimits {
  const limits = { ...DEFAULT_LIMITS };
  if (!overrides) return limits;
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof SandboxLimits>) {
    const value = overrides[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    limits[key] = Math.min(MAX_LIMITS[key], Math.max(MIN_LIMITS[key], Math.floor(value)));
  }
  return limits;
}

/** "64 MB", "256 KB", "1.5 MB", "900 bytes": how limits are named in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${trim(bytes / MB)} MB`;
  if (bytes >= KB) return `${trim(bytes / KB)} KB`;
  return `${bytes} bytes`;
}

/** "5 s", "1.5 s", "250 ms". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${trim(ms / 1000)} s`;
  return `${Math.round(ms)} ms`;
}

/** "1,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '');
}
