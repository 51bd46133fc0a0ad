// The workflow linter and type checker, on a thread of their own (code-check-worker.ts). Both need
// TypeScript, which takes longer to load than the whole rest of the engine and keeps ~50 MB once
// loaded; type-checking takes ~300 ms the first time (parsing the ES library) and tens of
// milliseconds after. On the thread neither stalls the API's event loop (DESIGN.md §9), and all of
// it is returned when the thread exits, a minute after its last check. A save starts the thread
// before it needs it (warmCodeChecks), so the loading overlaps the rest of the request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LintOptions, LintProblem } from '../../../shared/lint/types.ts';
import type { TypeProblem } from '../../../shared/typecheck.ts';
import { findMaterialRoot, VIGIL_DTS } from '../paths.ts';

const IDLE_EXIT_MS = 60_000;

export type CodeCheckRequest =
  | { id: number; op: 'lint'; code: string; options: LintOptions }
  | { id: number; op: 'typecheck'; code: string; vigilDts: string };

export type CodeCheckReply = { id: number; problems: LintProblem[] } | { id: number; error: string };

interface Pending {
  resolve(problems: LintProblem[]): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
let idleTimer: NodeJS.Timeout | null = null;

function workerEntry(): URL {
  // From sources the program is a sibling module; in the bundles (out/cli, the app's out/main) it
  // is code-check-worker.js beside the chunk this module is in.
  return import.meta.url.endsWith('.ts') ? new URL('./code-check-worker.ts', import.meta.url) : new URL('./code-check-worker.js', import.meta.url);
}

function failAll(error: Error): void {
  worker = null;
  for (const call of pending.values()) call.reject(error);
  pending.clear();
}

function thread(): Worker {
  if (worker) return worker;
  const started = new Worker(workerEntry(), { name: 'vigil-code-check' });
  started.on('message', (reply: CodeCheckReply) => {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if ('error' in reply) call.reject(new Error(`the code check failed: ${reply.error}`));
    else call.resolve(reply.problems);
    if (pending.size === 0) started.unref();
  });
  started.on('error', (error) => {
    if (worker === started) failAll(error);
  });
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the code-check thread exited with code ${code}`));
  });
  // Unreferenced while idle (a warmed thread must not keep a CLI alive); referenced per check.
  started.unref();
  worker = started;
  return started;
}

/**
 * Starts the thread if it is not running, without waiting for it, and keeps it for another minute.
 * Its first answer waits for TypeScript to load; a caller that will check code soon calls this
 * first, so that the loading overlaps what it does meanwhile.
 */
export function warmCodeChecks(): Worker {
  const started = thread();
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size > 0 || worker !== started) return;
    worker = null;
    void started.terminate();
  }, IDLE_EXIT_MS);
  idleTimer.unref();
  return started;
}

function ask(request: CodeCheckRequest): Promise<LintProblem[]> {
  const started = warmCodeChecks();
  // Referenced while a check is pending, so a CLI waiting for the answer does not exit early.
  started.ref();
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject });
    started.postMessage(request);
  });
}

/** The safety linter's problems in `code` (src/shared/lint), found on the code-check thread. */
export function lintWorkflowCode(code: string, options: LintOptions = {}): Promise<LintProblem[]> {
  return ask({ id: nextId++, op: 'lint', code, options });
}

/** Type errors in `code` (1-based positions, end exclusive); an empty list when it type-checks. */
export function typecheckWorkflow(code: string, vigilDts: string = readVigilTypes()): Promise<TypeProblem[]> {
  return ask({ id: nextId++, op: 'typecheck', code, vigilDts }) as Promise<TypeProblem[]>;
}

let vigilTypes: string | null = null;

/** The contract workflows are checked against, read once from the source tree or the app bundle. */
export function readVigilTypes(): string {
  vigilTypes ??= readFileSync(join(findMaterialRoot(), VIGIL_DTS), 'utf8');
  return vigilTypes;
}
