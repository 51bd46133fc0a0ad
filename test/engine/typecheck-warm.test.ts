// The type checker's thread can be started before the code to check is known (a save starts it,
// then lints): what it answers must not change, and a started thread must not keep a process alive.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typecheckWorkflow, warmTypecheck } from '../../src/main/engine/workflows/typecheck.ts';

const root = join(import.meta.dirname, '..', '..');

describe('warming the type checker', () => {
  it('answers the first check after warming with the same type errors', async () => {
    warmTypecheck();
    const typed = (body: string) => `import type { WorkflowContext, WorkflowResult } from "vigil";\nexport async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n  ${body}\n}\n`;
    expect(await typecheckWorkflow(typed('return ctx.okay("done");'))).toEqual([
      { rule: 'TS2339', severity: 'warning', source: 'typescript', message: "Property 'okay' does not exist on type 'WorkflowContext'.", line: 3, column: 14, endLine: 3, endColumn: 18 },
    ]);
    expect(await typecheckWorkflow(typed('return ctx.ok("done");'))).toEqual([]);
  });

  it('does not keep a process alive that warmed it and never checked anything', async () => {
    const script = `import { warmTypecheck } from ${JSON.stringify(join(root, 'src/main/engine/workflows/typecheck.ts'))};\nwarmTypecheck();\nconsole.log('warmed');\n`;
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output.trim()).toBe('warmed');
    expect(code).toBe(0);
  }, 30_000);
});
