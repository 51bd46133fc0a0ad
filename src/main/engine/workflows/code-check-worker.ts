// The code-check thread's program (code-check-thread.ts): the workflow linter and the type checker,
// with the TypeScript they both need. Answers one message at a time, in order.
import { enableCompileCache } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { CodeCheckReply, CodeCheckRequest } from './code-check-thread.ts';

// A worker does not share its process's compile cache: without its own, every first check
// compiled TypeScript's 9 MB again (~330 ms to load it, ~225 ms with the cache). Enabled before
// anything loads TypeScript, hence the dynamic imports.
enableCompileCache?.();
const loaded = Promise.all([import('typescript'), import('../../../shared/lint/linter.ts'), import('./typecheck.ts')]);
loaded.catch(() => undefined);

type Loaded = Awaited<typeof loaded>;
let typecheck: ReturnType<Loaded[2]['createWorkflowTypeChecker']> | null = null;

/** The type checker, made (and the ES library parsed) on first use. */
function typechecker([{ default: ts }, , module]: Loaded) {
  typecheck ??= module.createWorkflowTypeChecker(ts);
  return typecheck;
}

function answer(modules: Loaded, request: CodeCheckRequest): CodeCheckReply {
  if (request.op === 'lint') return { id: request.id, problems: modules[1].lintWorkflow(request.code, request.options) };
  return { id: request.id, problems: typechecker(modules)(request.code, request.vigilDts) };
}

// The ES library is parsed as soon as TypeScript is loaded, before any type check asks: a save
// lints first, and its type check then finds the library ready. Loading is no check's time: their
// deadlines start once the thread says it is ready.
void loaded.then((modules) => {
  parentPort!.postMessage({ ready: true } satisfies CodeCheckReply);
  setImmediate(() => typechecker(modules));
});

parentPort!.on('message', (request: CodeCheckRequest) => {
  loaded
    .then((modules) => answer(modules, request))
    .catch((error: unknown): CodeCheckReply => ({ id: request.id, error: error instanceof Error ? error.message : String(error) }))
    .then((reply) => parentPort!.postMessage(reply));
});
