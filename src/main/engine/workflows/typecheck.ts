// Type-checks workflow code against the real `vigil.d.ts`, in memory: a Program over three
// virtual files (the workflow, the "vigil" module, the sandbox's globals) plus the standard ES
// library. Catches what the linter cannot: a misspelt ctx member, a wrong argument, a missing await
// on ctx.http. Used on save, by `vigil lint --typecheck` and by the code generator's repair loop,
// with the editor's options (src/shared/typecheck.ts), so all of them find the same errors.
//
// The check runs on a worker thread: building a Program takes ~300 ms the first time (parsing the
// ES library) and tens of milliseconds after, which must not stall the API's event loop (DESIGN.md
// §9). The worker parses the library as soon as it starts, keeps it between checks and exits after
// a minute without work; a save starts it before linting (warmTypecheck), so the two overlap.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WORKFLOW_TYPE_CHECK_OPTIONS, type TypeProblem } from '../../../shared/typecheck.ts';
import { findMaterialRoot, VIGIL_DTS } from '../paths.ts';

const IDLE_EXIT_MS = 60_000;

/**
 * The worker's program. Self-contained (it is serialised with `toString()` and run as an eval
 * worker, so it works the same from the source tree and from a bundle): it may use nothing from
 * this module's scope, and gets `typescript` through the path the parent resolved.
 */
function checkerMain(typescriptPath: string, checkOptions: typeof WORKFLOW_TYPE_CHECK_OPTIONS): void {
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  const { createRequire: requireFrom, enableCompileCache } = process.getBuiltinModule('node:module');
  // A worker does not share its process's compile cache: without its own, every first check
  // compiled TypeScript's 9 MB again (~330 ms to load it, ~225 ms with the cache).
  enableCompileCache?.();
  const ts = requireFrom(typescriptPath)(typescriptPath) as typeof import('typescript');

  const ROOT = '/__vigil__/';
  const WORKFLOW_FILE = `${ROOT}workflow.ts`;
  const VIGIL_FILE = `${ROOT}vigil.d.ts`;
  const GLOBALS_FILE = `${ROOT}sandbox-globals.d.ts`;
  // QuickJS has these as globals too (vigil.d.ts says so); everything else global is plain ES.
  const SANDBOX_GLOBALS = [
    'import type * as V from "vigil";',
    'declare global {',
    ...['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder'].flatMap((name) => [`  var ${name}: typeof V.${name};`, `  type ${name} = V.${name};`]),
    '}',
    'export {};',
  ].join('\n');
  const options = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // ES only: no DOM and no Node types, so `fetch`, `process` or `setTimeout` do not type-check,
    // which matches what the sandbox offers.
    lib: ['lib.es2023.d.ts'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
    ...checkOptions,
  };
  const base = ts.createCompilerHost(options, true);
  // Parsed standard-library files are immutable: parse them once.
  const libCache = new Map<string, import('typescript').SourceFile>();
  let previous: import('typescript').Program | undefined;

  // TypeScript's advice for a missing global ("install @types/node", "include 'dom' in lib") would
  // send the model the wrong way: the sandbox has neither. Say what to do instead.
  const explain = (message: string): string => {
    const trimmed = message.replace(/ Do you need to [\s\S]*$/, '');
    if (trimmed === message) return message;
    return `${trimmed} Workflows run in Vigil's sandbox, not in Node or a browser: use only what vigil.d.ts declares (ctx.http, ctx.log, ctx.sleep, the "vigil" helpers).`;
  };

  const programOf = (code: string, vigilDts: string) => {
    const files = new Map([
      [WORKFLOW_FILE, code],
      [VIGIL_FILE, vigilDts],
      [GLOBALS_FILE, SANDBOX_GLOBALS],
    ]);
    const host: import('typescript').CompilerHost = {
      ...base,
      // As tsc parses: JSDoc only where it can make a type error (JavaScript files). The ES library
      // is mostly JSDoc, so its parse takes about a third less, and errors are the same.
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
      fileExists: (name: string) => files.has(name) || base.fileExists(name),
      readFile: (name: string) => files.get(name) ?? base.readFile(name),
      getSourceFile(name, languageVersionOrOptions) {
        const text = files.get(name);
        if (text !== undefined) return ts.createSourceFile(name, text, languageVersionOrOptions, true);
        let cached = libCache.get(name);
        if (!cached) {
          const libText = base.readFile(name);
          if (libText === undefined) return undefined;
          // No parent pointers from the parser: binding sets them, and every library file is bound.
          cached = ts.createSourceFile(name, libText, languageVersionOrOptions, false);
          libCache.set(name, cached);
        }
        return cached;
      },
      writeFile: () => undefined,
      getCurrentDirectory: () => ROOT,
    };
    const program = ts.createProgram({ rootNames: [...files.keys()], options, host, oldProgram: previous });
    previous = program;
    return program;
  };

  const check = (code: string, vigilDts: string) => {
    const program = programOf(code, vigilDts);
    const source = program.getSourceFile(WORKFLOW_FILE)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
      .map((diagnostic) => {
        const start = diagnostic.start ?? 0;
        const from = source.getLineAndCharacterOfPosition(start);
        const to = source.getLineAndCharacterOfPosition(start + (diagnostic.length ?? 0));
        return {
          rule: `TS${diagnostic.code}`,
          severity: 'warning',
          source: 'typescript',
          message: explain(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
          line: from.line + 1,
          column: from.character + 1,
          endLine: to.line + 1,
          endColumn: to.character + 1,
        };
      });
  };

  // The ES library parsed now, before any check asks: a Program parses its files when it is made,
  // and makes a type checker only when asked for diagnostics, so this one costs only the parsing.
  try {
    programOf('', '');
  } catch {
    // Then each check fails the same way and says why, as it would have without this.
  }

  parentPort!.on('message', ({ id, code, vigilDts }: { id: number; code: string; vigilDts: string }) => {
    try {
      parentPort!.postMessage({ id, problems: check(code, vigilDts) });
    } catch (error) {
      parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

const WORKER_SOURCE = `const { workerData } = process.getBuiltinModule('node:worker_threads');
(${checkerMain.toString()})(workerData.typescriptPath, workerData.checkOptions);`;

interface Pending {
  resolve(problems: TypeProblem[]): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
let idleTimer: NodeJS.Timeout | null = null;

function failAll(error: Error): void {
  worker = null;
  for (const call of pending.values()) call.reject(error);
  pending.clear();
}

function checker(): Worker {
  if (worker) return worker;
  const typescriptPath = createRequire(import.meta.url).resolve('typescript');
  const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { typescriptPath, checkOptions: WORKFLOW_TYPE_CHECK_OPTIONS } });
  started.on('message', (reply: { id: number; problems?: TypeProblem[]; error?: string }) => {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) call.reject(new Error(`the type check failed: ${reply.error}`));
    else call.resolve(reply.problems ?? []);
    if (pending.size === 0) started.unref();
  });
  started.on('error', (error) => {
    if (worker === started) failAll(error);
  });
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the type-check thread exited with code ${code}`));
  });
  // Unreferenced while idle (a warmed thread must not keep a CLI alive); referenced per check.
  started.unref();
  worker = started;
  return started;
}

let vigilTypes: string | null = null;

/** The contract workflows are checked against, read once from the source tree or the app bundle. */
export function readVigilTypes(): string {
  vigilTypes ??= readFileSync(join(findMaterialRoot(), VIGIL_DTS), 'utf8');
  return vigilTypes;
}

/**
 * Starts the checker thread if it is not running, without waiting for it. Its first check waits for
 * TypeScript to load and the ES library to be parsed (~400 ms); a caller that will type-check code
 * once it has linted it calls this first, so that the loading overlaps the linting.
 */
export function warmTypecheck(): Worker {
  const thread = checker();
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size > 0 || worker !== thread) return;
    worker = null;
    void thread.terminate();
  }, IDLE_EXIT_MS);
  idleTimer.unref();
  return thread;
}

/** Type errors in `code` (1-based positions, end exclusive); an empty list when it type-checks. */
export function typecheckWorkflow(code: string, vigilDts: string = readVigilTypes()): Promise<TypeProblem[]> {
  const thread = warmTypecheck();
  const id = nextId++;
  // Referenced while a check is pending, so a CLI waiting for the answer does not exit early.
  thread.ref();
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    thread.postMessage({ id, code, vigilDts });
  });
}
