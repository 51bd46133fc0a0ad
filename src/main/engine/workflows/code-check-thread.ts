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

/**
 * A check that takes longer, or whose thread's heap grows past `heapMb`, is given up and its
 * thread replaced: TypeScript bounds each type's instantiation but not a file's, and eight small
 * recursive tuple types took 28 s and 4 GB before these limits (design-decisions.md § Engine
 * performance). A legitimate 1 MB workflow (the largest a workflow may be) lints in ~1.7 s and
 * type-checks in ~2.2 s within 256 MB. The heap is watched from here, not given to Node as the
 * thread's `resourceLimits`: a thread that reaches those can abort the whole process. Tests lower
 * them.
 */
export const codeCheckLimits = { deadlineMs: 10_000, heapMb: 768 };
/** How often the heap of the thread on a check is read; a check grows ~200 MB/s at most seen. */
const HEAP_WATCH_MS = 250;

export type CodeCheckRequest =
  | { id: number; op: 'lint'; code: string; options: LintOptions }
  | { id: number; op: 'typecheck'; code: string; vigilDts: string };

export type CodeCheckReply = { id: number; problems: LintProblem[] } | { id: number; error: string } | { ready: true };

/** Who a check is for: an API key's id. Checks without one (the CLI, a dry run) share a turn. */
export interface CheckCaller {
  caller?: number;
}

interface Pending {
  request: CodeCheckRequest;
  resolve(problems: LintProblem[]): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
/** Whether `worker` has loaded TypeScript: until then no check's deadline runs. */
let ready = false;
let nextId = 1;
/** The check the thread is on. The thread gets one at a time, so the next can be chosen. */
let current: Pending | null = null;
/**
 * Checks waiting, by caller, each caller's in the order they came. Callers take turns, the one
 * served longest ago (or never) first, so one key's pile of slow checks delays its own checks,
 * not others'.
 */
const waiting = new Map<number | undefined, Pending[]>();
/** When each caller was last served, counted in checks started. */
const lastServed = new Map<number | undefined, number>();
let checksStarted = 0;
let deadline: NodeJS.Timeout | null = null;
let heapWatch: NodeJS.Timeout | null = null;
let idleTimer: NodeJS.Timeout | null = null;

function workerEntry(): URL {
  // From sources the program is a sibling module; in the bundles (out/cli, the app's out/main) it
  // is code-check-worker.js beside the chunk this module is in.
  return import.meta.url.endsWith('.ts') ? new URL('./code-check-worker.ts', import.meta.url) : new URL('./code-check-worker.js', import.meta.url);
}

/** Why a check was given up: it went past a limit (the code's fault), or its thread failed. */
interface Loss {
  why: string;
  overLimit: boolean;
}

/** What a check the thread could not finish answers: the save is refused (lint) or goes ahead unchecked (types). */
function unfinished(request: CodeCheckRequest, { why, overLimit }: Loss): LintProblem[] {
  const at = { line: 1, column: 1, endLine: 1, endColumn: 1 };
  if (request.op === 'lint') {
    const advice = overLimit ? 'split it into smaller, simpler pieces' : 'try again';
    return [{ rule: 'syntax', severity: 'error', message: `The code could not be checked (${why}): ${advice}`, ...at }];
  }
  const message = overLimit
    ? `The type check stopped (${why}): the types in this code are too complex to check, so it was not type-checked. Simplify recursive or very large types`
    : `The type check failed (${why}), so this code was not type-checked`;
  const problem: TypeProblem = { rule: 'type-check', severity: 'warning', source: 'typescript', message, ...at };
  return [problem];
}

/** Ends the check the thread is on, over one of its limits. */
function giveUp(why: string): void {
  if (worker) void worker.terminate();
  lose({ why, overLimit: true });
}

/**
 * The check the thread is on has this long to answer, from when it started or the thread became
 * ready, and this much heap meanwhile.
 */
function armDeadline(): void {
  if (deadline) clearTimeout(deadline);
  if (heapWatch) clearInterval(heapWatch);
  deadline = heapWatch = null;
  if (!current || !ready) return;
  deadline = setTimeout(() => giveUp(`it took longer than ${codeCheckLimits.deadlineMs / 1000} s`), codeCheckLimits.deadlineMs);
  deadline.unref();
  const [watched, call] = [worker, current];
  heapWatch = setInterval(() => {
    watched
      ?.getHeapStatistics()
      .then(({ used_heap_size }) => {
        if (worker === watched && current === call && used_heap_size > codeCheckLimits.heapMb * 1024 * 1024) giveUp(`it needed more than ${codeCheckLimits.heapMb} MB`);
      })
      // The thread ended meanwhile; its exit is handled where it is noticed.
      .catch(() => undefined);
  }, HEAP_WATCH_MS);
  heapWatch.unref();
}

/** Posts the next caller's next check to the thread, if the thread is free and a check waits. */
function next(): void {
  if (current) return;
  let caller: number | undefined;
  let longestAgo = Infinity;
  for (const waiter of waiting.keys()) {
    const served = lastServed.get(waiter) ?? -1;
    if (served < longestAgo) [caller, longestAgo] = [waiter, served];
  }
  const calls = waiting.get(caller);
  if (!calls) return;
  current = calls.shift()!;
  if (calls.length === 0) waiting.delete(caller);
  lastServed.set(caller, checksStarted++);
  const thread = warmCodeChecks();
  // Referenced while a check is pending, so a CLI waiting for the answer does not exit early.
  thread.ref();
  thread.postMessage(current.request);
  armDeadline();
}

/** The thread is gone: the check it was on is answered as unfinished, and the rest go to a new thread. */
function lose(loss: Loss): void {
  worker = null;
  const call = current;
  current = null;
  armDeadline();
  call?.resolve(unfinished(call.request, loss));
  next();
}

function thread(): Worker {
  if (worker) return worker;
  const started = new Worker(workerEntry(), { name: 'vigil-code-check' });
  started.on('message', (reply: CodeCheckReply) => {
    if (worker !== started) return;
    if ('ready' in reply) {
      ready = true;
      armDeadline();
      return;
    }
    if (current?.request.id !== reply.id) return;
    const call = current;
    current = null;
    armDeadline();
    if ('error' in reply) call.reject(new Error(`the code check failed: ${reply.error}`));
    else call.resolve(reply.problems);
    next();
    if (!current) started.unref();
  });
  started.on('error', (error: Error & { code?: string }) => {
    if (worker !== started) return;
    if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') lose({ why: 'it ran out of memory', overLimit: true });
    else lose({ why: `the code-check thread failed: ${error.message}`, overLimit: false });
  });
  started.on('exit', (code) => {
    if (worker === started) lose({ why: `the code-check thread exited with code ${code}`, overLimit: false });
  });
  // Unreferenced while idle (a warmed thread must not keep a CLI alive); referenced per check.
  started.unref();
  worker = started;
  ready = false;
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
    if (current || worker !== started) return;
    worker = null;
    void started.terminate();
  }, IDLE_EXIT_MS);
  idleTimer.unref();
  return started;
}

function ask(request: CodeCheckRequest, { caller }: CheckCaller): Promise<LintProblem[]> {
  warmCodeChecks();
  return new Promise((resolve, reject) => {
    const calls = waiting.get(caller);
    if (calls) calls.push({ request, resolve, reject });
    else waiting.set(caller, [{ request, resolve, reject }]);
    next();
  });
}

/** The safety linter's problems in `code` (src/shared/lint), found on the code-check thread. */
export function lintWorkflowCode(code: string, options: LintOptions = {}, from: CheckCaller = {}): Promise<LintProblem[]> {
  return ask({ id: nextId++, op: 'lint', code, options }, from);
}

/** Type errors in `code` (1-based positions, end exclusive); an empty list when it type-checks. */
export function typecheckWorkflow(code: string, vigilDts: string = readVigilTypes(), from: CheckCaller = {}): Promise<TypeProblem[]> {
  return ask({ id: nextId++, op: 'typecheck', code, vigilDts }, from) as Promise<TypeProblem[]>;
}

let vigilTypes: string | null = null;

/** The contract workflows are checked against, read once from the source tree or the app bundle. */
export function readVigilTypes(): string {
  vigilTypes ??= readFileSync(join(findMaterialRoot(), VIGIL_DTS), 'utf8');
  return vigilTypes;
}
