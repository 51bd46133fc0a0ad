// The published authoring contract stays in one piece: the rule table (LINT_RULES) against the
// linter and docs/workflows.md, and the linter's idea of what "vigil" exports against vigil.d.ts.
// `UPDATE_DOCS=1 npx vitest run test/shared/lint-docs.test.ts` rewrites the generated doc section.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LINT_RULES, VIGIL_TYPE_EXPORTS, VIGIL_VALUE_EXPORTS, lintRulesMarkdown, lintWorkflow } from '../../src/shared/lint/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = join(ROOT, 'docs', 'workflows.md');
const START = '<!-- lint-rules:start -->';
const END = '<!-- lint-rules:end -->';
const OPTIONS = { declaredSecrets: ['API_TOKEN'] };

describe('LINT_RULES', () => {
  it('has unique ids, a severity, a description and examples for every rule', () => {
    const ids = LINT_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of LINT_RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['error', 'warning']).toContain(rule.severity);
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.bad).not.toBe(rule.good);
    }
  });

  it.each(LINT_RULES.map((rule) => [rule.id, rule] as const))('%s: the bad example is reported, the good one is clean', (_id, rule) => {
    const bad = lintWorkflow(rule.bad, OPTIONS);
    expect(bad.map((problem) => problem.rule)).toContain(rule.id);
    expect(bad.find((problem) => problem.rule === rule.id)!.severity).toBe(rule.severity);
    expect(lintWorkflow(rule.good, OPTIONS)).toEqual([]);
  });

  it('documents every rule the linter reports, and reports every rule documented', () => {
    // Samples that trip every rule; a rule id missing from the table (or never reported) fails here.
    const code = `import fs from "fs";
enum E { A }
export async function run(ctx) {
  const a = 1; const a = 2;
  require("x"); await import("x"); import.meta.url; eval("1"); Function("x");
  process.env; globalThis.x; ({}).__proto__; Object.setPrototypeOf(Array.prototype, null);
  Error.prepareStackTrace = null; with (ctx) {} setTimeout(() => 1); fetch("x");
  const n = String(ctx.input); ctx.secrets.get(n);
  const t = ctx.secrets.get("NOPE"); ctx.log.info(t);
  if (a) return ctx.ok("x");
}
`;
    const reported = new Set([...lintWorkflow(code, { declaredSecrets: [] }), ...lintWorkflow('')].map((problem) => problem.rule));
    expect([...reported].sort()).toEqual(LINT_RULES.map((rule) => rule.id).sort());
  });
});

describe('docs/workflows.md', () => {
  it('has the generated "Lint rules" section, identical to LINT_RULES', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `docs/workflows.md needs the ${START} … ${END} markers`).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const generated = `${START}\n\n${lintRulesMarkdown()}\n${END}`;
    const current = doc.slice(start, end + END.length);
    if (current !== generated && process.env.UPDATE_DOCS) {
      writeFileSync(DOC, doc.slice(0, start) + generated + doc.slice(end + END.length));
      return;
    }
    expect(current, 'out of date: run UPDATE_DOCS=1 npx vitest run test/shared/lint-docs.test.ts').toBe(generated);
  });

  it('shows only workflows that lint without errors outside the rules section', () => {
    const doc = readFileSync(DOC, 'utf8');
    const prose = doc.slice(0, doc.indexOf(START));
    const blocks = [...prose.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((code) => code.includes('export async function run'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const code of blocks) expect(lintWorkflow(code).filter((problem) => problem.severity === 'error')).toEqual([]);
  });
});

describe('vigil.d.ts', () => {
  const text = readFileSync(join(ROOT, 'src', 'shared', 'vigil.d.ts'), 'utf8');
  const sf = ts.createSourceFile('vigil.d.ts', text, ts.ScriptTarget.Latest, true);
  const module = sf.statements.find(ts.isModuleDeclaration)!;
  const statements = (module.body as ts.ModuleBlock).statements;
  const values = new Set<string>();
  const types = new Set<string>();
  for (const statement of statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) values.add(statement.name.text);
    else if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) values.add((d.name as ts.Identifier).text);
    else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) types.add(statement.name.text);
  }

  it('declares only the "vigil" module (it never changes the global types of whoever includes it)', () => {
    expect(sf.statements).toHaveLength(1);
    expect(module.name.text).toBe('vigil');
    for (const statement of statements) expect(ts.getCombinedModifierFlags(statement as unknown as ts.Declaration) & ts.ModifierFlags.Export).toBeTruthy();
  });

  it('exports what the linter accepts from "vigil"', () => {
    expect([...values].sort()).toEqual([...VIGIL_VALUE_EXPORTS].sort());
    expect([...types].sort()).toEqual([...VIGIL_TYPE_EXPORTS].sort());
  });

  it('has a doc comment on every export and member; the workflow API ones with an example', () => {
    // URL, URLSearchParams, TextEncoder and TextDecoder are the standard WHATWG classes: their members
    // carry a doc comment, and the class itself the example.
    const WHATWG = new Set(['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder']);
    const missing: string[] = [];
    const noExample: string[] = [];
    const check = (node: ts.Node, name: string, needsExample: boolean) => {
      const docs = ts.getJSDocCommentsAndTags(node);
      if (docs.length === 0) missing.push(name);
      else if (needsExample && !docs.some((doc) => doc.getText(sf).includes('@example'))) noExample.push(name);
      const members = ts.isInterfaceDeclaration(node)
        ? node.members
        : ts.isPropertySignature(node) && node.type && ts.isTypeLiteralNode(node.type)
          ? node.type.members
          : [];
      for (const member of members) {
        if (!member.name || ts.isComputedPropertyName(member.name)) continue;
        check(member, `${name}.${member.name.getText(sf)}`, needsExample && !WHATWG.has(name.split('.')[0]!));
      }
    };
    for (const statement of statements) check(statement, (statement as ts.DeclarationStatement).name?.getText(sf) ?? '?', true);
    expect(missing).toEqual([]);
    expect(noExample).toEqual([]);
  });
});
