// Type-checks workflow code against the real `vigil.d.ts`, in memory: a Program over three
// virtual files (the workflow, the "vigil" module, the sandbox's globals) plus the standard ES
// library. Catches what the linter cannot: a misspelt ctx member, a wrong argument, a missing await
// on ctx.http. Used on save, by `vigil lint --typecheck` and by the code generator's repair loop,
// with the editor's options (src/shared/typecheck.ts), so all of them find the same errors.
//
// Runs only on the code-check thread (code-check-thread.ts says why).
import type TypeScript from 'typescript';
import { WORKFLOW_TYPE_CHECK_OPTIONS, type TypeProblem } from '../../../shared/typecheck.ts';

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

// TypeScript's advice for a missing global ("install @types/node", "include 'dom' in lib") would
// send the model the wrong way: the sandbox has neither. Say what to do instead.
function explain(message: string): string {
  const trimmed = message.replace(/ Do you need to [\s\S]*$/, '');
  if (trimmed === message) return message;
  return `${trimmed} Workflows run in Vigil's sandbox, not in Node or a browser: use only what vigil.d.ts declares (ctx.http, ctx.log, ctx.sleep, the "vigil" helpers).`;
}

export type WorkflowTypeChecker = (code: string, vigilDts: string) => TypeProblem[];

/**
 * A checker that keeps the parsed ES library (and its last Program) between checks. The library is
 * parsed now, before any check asks: building a Program takes ~300 ms the first time and tens of
 * milliseconds after.
 */
export function createWorkflowTypeChecker(ts: typeof TypeScript): WorkflowTypeChecker {
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
    ...WORKFLOW_TYPE_CHECK_OPTIONS,
  };
  const base = ts.createCompilerHost(options, true);
  // Parsed standard-library files are immutable: parse them once.
  const libCache = new Map<string, TypeScript.SourceFile>();
  let previous: TypeScript.Program | undefined;

  const programOf = (code: string, vigilDts: string) => {
    const files = new Map([
      [WORKFLOW_FILE, code],
      [VIGIL_FILE, vigilDts],
      [GLOBALS_FILE, SANDBOX_GLOBALS],
    ]);
    const host: TypeScript.CompilerHost = {
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

  const check: WorkflowTypeChecker = (code, vigilDts) => {
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
          severity: 'warning' as const,
          source: 'typescript' as const,
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
  return check;
}
