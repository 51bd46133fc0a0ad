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

function answer([{ default: ts }, linter, typechecker]: Loaded, request: CodeCheckRequest): CodeCheckReply {
  if (request.op === 'lint') return { id: request.id, problems: linter.lintWorkflow(request.code, request.options) };
  typecheck ??= typechecker.createWorkflowTypeChecker(ts);
  return { id: request.id, problems: typecheck(request.code, request.vigilDts) };
}

// A save lints, then type-checks: the lint is answered as soon as TypeScript is loaded, and the ES
// library is parsed right after, while the engine reads the lint's answer.
void loaded.then((modules) => setImmediate(() => (typecheck ??= modules[2].createWorkflowTypeChecker(modules[0].default))));

parentPort!.on('message', (request: CodeCheckRequest) => {
  loaded
    .then((modules) => answer(modules, request))
    .catch((error: unknown): CodeCheckReply => ({ id: request.id, error: error instanceof Error ? error.message : String(error) }))
    .then((reply) => parentPort!.postMessage(reply));
});
