// `vigil lint` end to end: the real command in a child process (the pinned Node 24), its exit
// codes (0 clean, 1 errors, 2 unusable input), its human output and its --json shape.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, vigil } from '../helpers/cli.ts';

let dir: string;
const file = (name: string) => join(dir, name);

const CLEAN = `import type { WorkflowContext, WorkflowResult } from "vigil";
export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const token = ctx.secrets.get("API_TOKEN");
  if (!token) return ctx.fail("API_TOKEN is not set");
  const res = await ctx.http.get("https://api.example.com/v1/status", { headers: { authorization: \`Bearer \${token}\` } });
  return res.ok ? ctx.ok("up") : ctx.fail(\`HTTP \${res.status}\`);
}
`;
const BAD = `import axios from "axios";
export async function run(ctx) {
  const env = process.env;
  setTimeout(() => 1, 10);
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-lint-'));
  writeFileSync(file('clean.ts'), CLEAN);
  writeFileSync(file('bad.ts'), BAD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil lint', () => {
  it('exits 0 on a clean file and says so', async () => {
    const result = await vigil(['lint', file('clean.ts'), '--secrets', 'API_TOKEN']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('1 file checked: no problems\n');
  });

  it('does not check (or mention) secret names without --secrets', async () => {
    const result = await vigil(['lint', file('clean.ts')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('1 file checked: no problems\n');
  });

  it('exits 1 on errors, one line per problem: file:line:col  severity  message  (rule)', async () => {
    const result = await vigil(['lint', file('bad.ts'), file('clean.ts'), '--secrets', '']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).map((line) => line.replace(dir, 'DIR'))).toEqual([
      expect.stringMatching(/^DIR\/bad\.ts:1:19 {2}error {4}Only "vigil" can be imported in workflows, not "axios": .* {2}\(import-source\)$/),
      expect.stringMatching(/^DIR\/bad\.ts:2:23 {2}warning {2}`run` can finish without returning a result: .* {2}\(run-returns-result\)$/),
      expect.stringMatching(/^DIR\/bad\.ts:3:15 {2}error {4}`process` does not exist in workflows: .* {2}\(no-node-globals\)$/),
      expect.stringMatching(/^DIR\/bad\.ts:4:3 {2}error {4}`setTimeout` is not available in workflows: use `await ctx\.sleep\(ms\)`.* {2}\(no-timers\)$/),
      expect.stringMatching(/^DIR\/clean\.ts:3:33 {2}error {4}Secret "API_TOKEN" is not in this workflow's secrets list \(none declared\).* {2}\(undeclared-secret\)$/),
    ]);
    expect(lines.at(-1)).toBe('2 files checked: 4 errors, 1 warning');
  });

  it('prints [{file, problems}] with --json', async () => {
    const result = await vigil(['lint', '--json', file('bad.ts'), file('clean.ts'), '--secrets', 'API_TOKEN,OTHER']);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout);
    expect(output).toEqual([
      { file: file('bad.ts'), problems: expect.any(Array) },
      { file: file('clean.ts'), problems: [] },
    ]);
    expect(output[0].problems).toHaveLength(4);
    expect(output[0].problems[0]).toEqual({
      rule: 'import-source',
      severity: 'error',
      message: expect.stringContaining('"axios"'),
      line: 1,
      column: 19,
      endLine: 1,
      endColumn: 26,
    });
    for (const problem of output[0].problems) {
      expect(Object.keys(problem).sort()).toEqual(['column', 'endColumn', 'endLine', 'line', 'message', 'rule', 'severity']);
    }
  });

  it('exits 2 on a missing file, still linting the others', async () => {
    const result = await vigil(['lint', file('missing.ts'), file('clean.ts'), '--secrets', 'API_TOKEN']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`vigil lint: ${file('missing.ts')}: no such file or directory\n`);
    expect(result.stdout).toBe('1 file checked: no problems\n');
  });

  it('exits 2 without files, on an unknown option, and on a directory without .ts files', async () => {
    const none = await vigil(['lint']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Name at least one workflow file/);
    expect(none.stderr).toMatch(/Usage: vigil lint/);
    const unknown = await vigil(['lint', '--fix', file('clean.ts')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--fix/);
    const empty = mkdtempSync(join(dir, 'empty-'));
    const emptyDir = await vigil(['lint', empty]);
    expect(emptyDir.code).toBe(2);
    expect(emptyDir.stderr).toMatch(/no \.ts files/);
  });

  it('lints every .ts file of a directory: the examples are clean', async () => {
    const secrets = new Set<string>();
    for (const name of readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'))) {
      const line = /^\/\/ Secrets:\s*(.*)$/m.exec(readFileSync(join(ROOT, 'examples', name), 'utf8'))?.[1] ?? '';
      for (const secret of line.split(',')) if (secret.trim()) secrets.add(secret.trim());
    }
    const result = await vigil(['lint', 'examples', '--json', '--secrets', [...secrets].join(',')]);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Array<{ file: string; problems: unknown[] }>;
    expect(output.length).toBeGreaterThanOrEqual(6);
    for (const entry of output) {
      expect(entry.file).toMatch(/^examples\/[a-z-]+\.ts$/);
      expect(entry.problems).toEqual([]);
    }
  });

  it('reports type errors as warnings marked "type" with --typecheck, and only then', async () => {
    // The editor underlines this (TS2352); the safety linter has nothing to say about it.
    writeFileSync(
      file('typed.ts'),
      'import type { WorkflowContext, WorkflowResult } from "vigil";\n' +
        'export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n' +
        '  const port = ctx.indicator.value as number;\n' +
        '  return ctx.ok(`port ${port}`);\n' +
        '}\n',
    );
    const plain = await vigil(['lint', file('typed.ts')]);
    expect(plain.stdout).toBe('1 file checked: no problems\n');
    const typed = await vigil(['lint', file('typed.ts'), '--typecheck']);
    expect(typed.code).toBe(0);
    expect(typed.stderr).toBe('');
    expect(typed.stdout).toMatch(/typed\.ts:3:16 {2}warning {2}Conversion of type 'string' to type 'number' may be a mistake.* {2}\(TS2352, type\)\n1 file checked: 0 errors, 1 warning\n$/);
    const json = JSON.parse((await vigil(['lint', file('typed.ts'), '--typecheck', '--json'])).stdout);
    expect(json[0].problems).toEqual([
      { rule: 'TS2352', severity: 'warning', source: 'typescript', message: expect.stringContaining('Conversion of type'), line: 3, column: 16, endLine: 3, endColumn: 45 },
    ]);
    // A syntax error is the linter's alone: the type checker does not repeat it.
    writeFileSync(file('broken.ts'), 'export async function run(ctx) {\n  if (ctx.indicator.value === "" {\n  return ctx.ok("x");\n}\n');
    const broken = await vigil(['lint', file('broken.ts'), '--typecheck', '--json']);
    expect(new Set(JSON.parse(broken.stdout)[0].problems.map((p: { rule: string }) => p.rule))).toEqual(new Set(['syntax']));
  });

  it('type-checks the examples clean', async () => {
    const result = await vigil(['lint', 'examples', '--typecheck']);
    expect(result.stdout).toMatch(/^\d+ files checked: no problems\n$/);
  });

  it('has help', async () => {
    const result = await vigil(['lint', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--secrets/);
    expect(result.stdout).toMatch(/--json/);
  });
});
