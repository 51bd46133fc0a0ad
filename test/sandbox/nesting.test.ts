// Whatever nesting the linter accepts, the sandbox compiles and runs: Node's type stripper traps on
// deep nesting (src/shared/lint/nesting.ts) and QuickJS parses some chains recursively, so the
// linter's limit must sit below both. For each construct, the deepest code the linter accepts runs
// with a run's default limits, and one level more is refused with the nesting message.
import { afterAll, describe, expect, it } from 'vitest';
import { lintWorkflow } from '../../src/shared/lint/index.ts';
import { DEFAULT_LIMITS } from '../../src/main/sandbox/limits.ts';
import { sandbox } from './helpers.ts';

const box = sandbox();
afterAll(() => box.close());

const wf = (before: string, value = '"x"') => `export async function run(ctx: any) {\n${before}\n  return ctx.ok("done", ${value});\n}\n`;

const CONSTRUCTS: Record<string, (n: number) => string> = {
  parentheses: (n) => wf('', `${'('.repeat(n)}1${')'.repeat(n)}`),
  'arrow functions': (n) => wf(`  const f = ${'() => '.repeat(n)}1;`),
  'object literals': (n) => wf(`  const o = ${'{ a: '.repeat(n)}1${' }'.repeat(n)};`),
  arrays: (n) => wf(`  const a = ${'['.repeat(n)}1${']'.repeat(n)};`),
  blocks: (n) => wf(`  ${'{'.repeat(n)}${'}'.repeat(n)}`),
  generics: (n) => wf(`  type T = ${'Array<'.repeat(n)}number${'>'.repeat(n)};`),
  'type literals': (n) => wf(`  type T = ${'{ a: '.repeat(n)}number${' }'.repeat(n)};`),
  'nested calls': (n) => wf(`  const f = (x: unknown) => x;\n  const c = ${'f('.repeat(n)}1${')'.repeat(n)};`),
  templates: (n) => wf(`  const t = ${'`${'.repeat(n)}1${'}`'.repeat(n)};`),
  'if without braces': (n) => wf(`  let x = 0;\n  ${'if (ctx) '.repeat(n)}x = 1;`),
  functions: (n) => wf(`  ${'function f() {'.repeat(n)}${'}'.repeat(n)}`),
  classes: (n) => wf(`  ${'class A { m() {'.repeat(n)}${'} }'.repeat(n)}`),
  'new expressions': (n) => wf(`  class F { constructor(_: unknown) {} }\n  const c = ${'new F('.repeat(n)}1${')'.repeat(n)};`),
  'unary operators': (n) => wf(`  const u = ${'!'.repeat(n)}1;`),
  awaits: (n) => wf(`  const u = ${'await '.repeat(n)}1;`),
  'as casts': (n) => wf(`  const c = ${'('.repeat(n)}1${' as any)'.repeat(n)};`),
  '+ chains': (n) => wf(`  const s = "a"${' + "a"'.repeat(n)};`),
  '|| chains': (n) => wf(`  const a = 0;\n  const s = a${' || a'.repeat(n)};`),
  'assignment chains': (n) => wf(`  let a = 0;\n  ${'a = '.repeat(n)}1;`),
  '** chains': (n) => wf(`  const s = 1${' ** 1'.repeat(n)};`),
  'else if chains': (n) => wf(`  let x = 0;\n  if (!ctx) {}${' else if (!ctx) {}'.repeat(n)} else { x = 1; }`),
  'method chains': (n) => wf(`  const a: any = { b() { return a; } };\n  const m = a${'.b()'.repeat(n)};`),
  'property chains': (n) => wf(`  const a: any = {};\n  a.b = a;\n  const m = a${'.b'.repeat(n)};`),
  'optional chains': (n) => wf(`  const a: any = {};\n  a.b = a;\n  const m = a${'?.b'.repeat(n)};`),
  'element chains': (n) => wf(`  const a: any = [];\n  a[0] = a;\n  const m = a${'[0]'.repeat(n)};`),
  'call chains': (n) => wf(`  const f: any = () => f;\n  const m = f${'()'.repeat(n)};`),
  ternaries: (n) => wf(`  const t = ${'ctx ? 1 : '.repeat(n)}2;`),
  'nested ternaries': (n) => wf(`  const t = ${'ctx ? '.repeat(n)}1${' : 2'.repeat(n)};`),
};

const errors = (code: string) => lintWorkflow(code).filter((problem) => problem.severity === 'error');

/** The largest n whose code the linter accepts (it accepts n = 1, and refuses 100,000). */
function deepestAccepted(make: (n: number) => string): number {
  let accepted = 1;
  let refused = 100_000;
  while (refused - accepted > 1) {
    const mid = Math.floor((accepted + refused) / 2);
    if (errors(make(mid)).length === 0) accepted = mid;
    else refused = mid;
  }
  return accepted;
}

describe('nesting the linter accepts', () => {
  for (const [name, make] of Object.entries(CONSTRUCTS)) {
    it(`${name}: the deepest the linter accepts runs, one more is refused for its nesting`, async () => {
      expect(errors(make(1))).toEqual([]);
      const deepest = deepestAccepted(make);
      // Refused for nesting, not for something else about the code.
      expect(errors(make(deepest + 1))).toEqual([expect.objectContaining({ rule: 'syntax', message: expect.stringMatching(/nested more than 500 levels deep/) })]);
      const outcome = await box.run(make(deepest), { limits: { ...DEFAULT_LIMITS } });
      expect(outcome.status, `${name} × ${deepest}: ${outcome.error}`).toBe('success');
    });
  }
});
