// `vigil lint FILE… [--json] [--secrets A,B] [--typecheck]`: the same safety linter that runs at save
// time and in the editor, for files on disk (and CI), and with --typecheck the type errors the editor
// underlines (as warnings, as there). Exit 0 clean (warnings allowed), 1 errors, 2 unusable input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hasErrors, lintWorkflow, type LintProblem } from '../../shared/lint/index.ts';
import type { TypeProblem } from '../../shared/typecheck.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';

const help = `Usage: vigil lint FILE|DIR… [--json] [--secrets NAME,NAME] [--typecheck]

Checks workflow files for everything the sandbox would refuse (imports other than "vigil",
require, eval, Function, process, timers, fetch, …), undeclared secrets, and a run that can
finish without a result. A directory means the .ts files directly inside it.

Options:
  --secrets A,B   the workflow's declared secrets: ctx.secrets.get of any other name is an error
                  (without --secrets the list is not known and secret names are not checked)
  --typecheck     also type-check against vigil.d.ts, as the editor does: type errors are
                  warnings marked "type" (rule TS<code>, "source": "typescript" in --json)
  --json          print [{"file", "problems": [{rule, severity, message, line, column,
                  endLine, endColumn, source?}]}] instead of one line per problem

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 unusable input (no files,
a missing or unreadable file, a bad option).`;

interface FileResult {
  file: string;
  problems: Array<LintProblem | TypeProblem>;
}

/** The files an argument names: itself, or the .ts files directly inside a directory. */
async function expand(arg: string, cwd: string): Promise<string[]> {
  const path = resolve(cwd, arg);
  const info = await stat(path);
  if (!info.isDirectory()) return [arg];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(arg, entry.name))
    .sort();
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (error as Error).message;
}

function formatHuman(results: FileResult[], io: CommandIO): void {
  let errors = 0;
  let warnings = 0;
  for (const { file, problems } of results) {
    for (const problem of problems) {
      if (problem.severity === 'error') errors++;
      else warnings++;
      const marks = 'source' in problem ? `${problem.rule}, type` : problem.rule;
      io.out(`${file}:${problem.line}:${problem.column}  ${problem.severity.padEnd(7)}  ${problem.message}  (${marks})`);
    }
  }
  const files = `${results.length} file${results.length === 1 ? '' : 's'}`;
  if (errors === 0 && warnings === 0) io.out(`${files} checked: no problems`);
  else io.out(`${files} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
}

export const command: Command = {
  summary: 'Check workflow files with the safety linter',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values, positionals } = parseOptions(
        args,
        { json: { type: 'boolean', default: false }, secrets: { type: 'string' }, typecheck: { type: 'boolean', default: false } },
        true,
      );
      if (positionals.length === 0) throw new UsageError('Name at least one workflow file (or a directory of them).');
      const declaredSecrets =
        values.secrets === undefined
          ? undefined
          : values.secrets
              .split(',')
              .map((name) => name.trim())
              .filter(Boolean);

      let unusable = false;
      const files: string[] = [];
      for (const arg of positionals) {
        try {
          const found = await expand(arg, io.cwd);
          if (found.length === 0) {
            io.err(`vigil lint: ${arg}: no .ts files in this directory`);
            unusable = true;
          }
          files.push(...found);
        } catch (error) {
          io.err(`vigil lint: ${arg}: ${describeError(error)}`);
          unusable = true;
        }
      }

      const results: FileResult[] = [];
      for (const file of files) {
        let code: string;
        try {
          code = await readFile(resolve(io.cwd, file), 'utf8');
        } catch (error) {
          io.err(`vigil lint: ${file}: ${describeError(error)}`);
          unusable = true;
          continue;
        }
        const problems: Array<LintProblem | TypeProblem> = lintWorkflow(code, declaredSecrets === undefined ? {} : { declaredSecrets });
        // A syntax error is the linter's to report; the type checker would only repeat it.
        if (values.typecheck && !problems.some((problem) => problem.rule === 'syntax')) {
          const { typecheckWorkflow } = await (await import('../engine/index.ts')).loadCodeChecks();
          problems.push(...(await typecheckWorkflow(code)));
          problems.sort((a, b) => a.line - b.line || a.column - b.column);
        }
        results.push({ file, problems });
      }

      if (values.json) io.out(JSON.stringify(results, null, 2));
      else formatHuman(results, io);
      if (unusable) return 2;
      return results.some((result) => hasErrors(result.problems)) ? 1 : 0;
    }),
};
