// The linter and the type checker run on a thread of their own, which can be started before the
// code to check is known (a save starts it first): what they answer must not change, the engine's
// own thread must never load TypeScript, and a started thread must not keep a process alive.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintWorkflow } from '../../src/shared/lint/index.ts';
import { lintWorkflowCode, typecheckWorkflow, warmCodeChecks } from '../../src/main/engine/workflows/code-check-thread.ts';

const root = join(import.meta.dirname, '..', '..');
const hostModule = JSON.stringify(join(root, 'src/main/engine/workflows/code-check-thread.ts'));

/** Runs a module in a Node process of its own (a file: the thread would inherit `--input-type`). */
function runScript(script: string): Promise<{ code: number | null; output: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-code-check-')), 'script.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output: output.trim() })));
}

describe('the code-check thread', () => {
  it('answers the first check after warming with the same type errors', async () => {
    warmCodeChecks();
    const typed = (body: string) => `import type { WorkflowContext, WorkflowResult } from "vigil";\nexport async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n  ${body}\n}\n`;
    expect(await typecheckWorkflow(typed('return ctx.okay("done");'))).toEqual([
      { rule: 'TS2339', severity: 'warning', source: 'typescript', message: "Property 'okay' does not exist on type 'WorkflowContext'.", line: 3, column: 14, endLine: 3, endColumn: 18 },
    ]);
    expect(await typecheckWorkflow(typed('return ctx.ok("done");'))).toEqual([]);
  });

  it('lints as the linter does in the editor, declared secrets included', async () => {
    const code = 'export async function run(ctx) {\n  const fs = require("fs");\n  return ctx.ok(ctx.secrets.get("TOKEN"));\n}\n';
    const found = await lintWorkflowCode(code, { declaredSecrets: [] });
    expect(found).toEqual(lintWorkflow(code, { declaredSecrets: [] }));
    expect(found.map((problem) => [problem.rule, problem.severity, problem.line])).toEqual(
      expect.arrayContaining([
        ['no-require', 'error', 2],
        ['undeclared-secret', 'error', 3],
      ]),
    );
    expect(await lintWorkflowCode(code, { declaredSecrets: ['TOKEN'] })).toEqual(lintWorkflow(code, { declaredSecrets: ['TOKEN'] }));
  });

  it('leaves TypeScript out of the thread that asked', async () => {
    const script = `import { createRequire } from 'node:module';
import { lintWorkflowCode, typecheckWorkflow } from ${hostModule};
const code = 'export async function run(ctx) {\\n  return ctx.okay("done");\\n}\\n';
const lint = await lintWorkflowCode(code);
const types = await typecheckWorkflow('import type { WorkflowContext } from "vigil";\\nexport async function run(ctx: WorkflowContext) {\\n  return ctx.okay("done");\\n}\\n');
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('typescript'));
console.log(JSON.stringify({ lint: lint.length, types: types.map((problem) => problem.rule), loaded }));
`;
    const { code, output } = await runScript(script);
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ lint: 0, types: ['TS2339'], loaded: [] });
  }, 30_000);

  // Small recursive tuple types that TypeScript instantiates for seconds, with ever more memory:
  // eight of them took 28 s and 4 GB before the limits.
  const typeBomb = (count: number) =>
    Array.from({ length: count }, (_, i) => `type Rep${i}<N extends number, A extends unknown[] = []> = A["length"] extends N ? A : Rep${i}<N, [...A, A, ${i}]>;\\nconst x${i}: Rep${i}<999> = null as any;`).join('\\n') +
    '\\nexport async function run(ctx: any) {\\n  return ctx.ok("done");\\n}\\n';
  /** A script that runs a bomb's type check, then a type check and a lint queued behind it. */
  const bombThenOthers = (setup: string) => `import { codeCheckLimits, lintWorkflowCode, typecheckWorkflow } from ${hostModule};
${setup}
const typed = 'export async function run(ctx: any) {\\n  const n: number = "one";\\n  return ctx.ok("done");\\n}\\n';
const answers = await Promise.all([typecheckWorkflow('${typeBomb(16)}'), typecheckWorkflow(typed), lintWorkflowCode('export async function run(ctx) {\\n  return ctx.ok(require("fs"));\\n}\\n')]);
console.log(JSON.stringify(answers.map((problems) => problems.map(({ rule, severity, message }) => ({ rule, severity, message })))));
`;
  const othersAnswered = [[{ rule: 'TS2322', severity: 'warning', message: "Type 'string' is not assignable to type 'number'." }], [expect.objectContaining({ rule: 'no-require', severity: 'error' })]];

  it('gives up a type check that needs more than its heap, and answers the checks queued behind it', async () => {
    const { code, output } = await runScript(bombThenOthers('codeCheckLimits.heapMb = 256;'));
    expect(code).toBe(0);
    const [bomb, ...others] = JSON.parse(output);
    expect(bomb).toEqual([{ rule: 'type-check', severity: 'warning', message: expect.stringMatching(/^The type check stopped \(it needed more than 256 MB\): the types in this code are too complex to check/) }]);
    expect(others).toEqual(othersAnswered);
  }, 60_000);

  it('gives up a type check that takes longer than its deadline, and answers the checks queued behind it', async () => {
    // The first type check, which parses the ES library, under the default deadline; the bomb gets 1 s.
    const setup = `await typecheckWorkflow('export async function run(ctx: any) {}\\n');\ncodeCheckLimits.deadlineMs = 1_000;`;
    const { code, output } = await runScript(bombThenOthers(setup));
    expect(code).toBe(0);
    const [bomb, ...others] = JSON.parse(output);
    expect(bomb).toEqual([{ rule: 'type-check', severity: 'warning', message: expect.stringMatching(/^The type check stopped \(it took longer than 1 s\)/) }]);
    expect(others).toEqual(othersAnswered);
  }, 60_000);

  it('does not keep a process alive that warmed it and never checked anything', async () => {
    const { code, output } = await runScript(`import { warmCodeChecks } from ${hostModule};\nwarmCodeChecks();\nconsole.log('warmed');\n`);
    expect(output).toBe('warmed');
    expect(code).toBe(0);
  }, 30_000);
});
