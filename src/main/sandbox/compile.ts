// Turns a workflow's TypeScript into the one script the guest evaluates. QuickJS gets no module
// loader: Node's type stripper removes the types (keeping every line and column where it was), then
// the `import … from "vigil"` and `export` statements are rewritten, in place, into bindings of the
// guest's standard-library object, and the module body becomes an async function that returns
// `run`. Anything else that imports or loads code simply has nothing to load it.
import { stripTypeScriptTypes } from 'node:module';
import { parse, type Node as AcornNode, type Pattern, type Program } from 'acorn';

/** Runtime exports of "vigil" (src/shared/vigil.d.ts). */
export const STD_EXPORTS: readonly string[] = [
  'sha1',
  'sha256',
  'sha512',
  'md5',
  'hmac',
  'base64Encode',
  'base64Decode',
  'base64DecodeBytes',
  'hexEncode',
  'hexDecode',
  'uuid',
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
];

/**
 * Type-only exports of "vigil". Importing one without `import type` is harmless (TypeScript would
 * erase it), so it binds to undefined rather than failing the run.
 */
const STD_TYPES = new Set([
  'IndicatorType',
  'Indicator',
  'Alert',
  'RunInfo',
  'HttpMethod',
  'HttpOptions',
  'HttpRequest',
  'HttpResponse',
  'HttpClient',
  'Logger',
  'Secrets',
  'Integrations',
  'OktaClient',
  'OktaUser',
  'OktaPasswordReset',
  'EntraClient',
  'EntraUser',
  'EntraMfaReset',
  'AuthenticationMethodRef',
  'IntegrationError',
  'IntegrationErrorCode',
  'WorkflowContext',
  'WorkflowResult',
  'WorkflowFunction',
  'DigestEncoding',
  'HmacAlgorithm',
]);

/** Identifier the module body receives the standard library under. */
export const STD_PARAM = '__vigil$std';
export const WORKFLOW_FILENAME = 'workflow.ts';

/**
 * `strippingBroke`: Node's type stripper itself failed (its wasm trapped, as deep nesting makes it)
 * rather than finding a syntax error. Such a trap leaves the stripper of that thread broken for
 * every later script (process/compiler.ts), so its thread must not compile again.
 */
export type CompileResult = { ok: true; script: string } | { ok: false; error: string; strippingBroke?: true };

export class CompileError extends Error {}

/** The type stripper failed in itself: see CompileResult. */
class StripperFailure extends CompileError {}

/** The stripper's own errors for code it refuses; anything else is the stripper failing. */
const STRIPPER_SYNTAX_ERRORS = new Set(['ERR_INVALID_TYPESCRIPT_SYNTAX', 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX']);

interface Edit {
  start: number;
  end: number;
}

/** Strips types and rewrites the module syntax; every failure is a message with a line number. */
export function compileWorkflow(source: string): CompileResult {
  try {
    return { ok: true, script: compile(source) };
  } catch (error) {
    if (error instanceof StripperFailure) return { ok: false, error: error.message, strippingBroke: true };
    if (error instanceof CompileError) return { ok: false, error: error.message };
    if (error instanceof RangeError) return { ok: false, error: 'the workflow is nested too deeply to compile' };
    return { ok: false, error: `the workflow could not be compiled: ${firstLine((error as Error).message)}` };
  }
}

function firstLine(text: string): string {
  return String(text).split('\n')[0]!.slice(0, 500);
}

function compile(source: string): string {
  let js: string;
  try {
    js = stripTypeScriptTypes(source, { mode: 'strip' });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    if (!STRIPPER_SYNTAX_ERRORS.has(code ?? '')) throw new StripperFailure(`the workflow is nested too deeply to compile (the type stripper failed: ${firstLine(message)})`);
    throw new CompileError(describeStripError(error as Error));
  }
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (error) {
    const e = error as Error & { loc?: { line: number; column: number } };
    const message = e.message.replace(/\s*\(\d+:\d+\)$/, '');
    throw new CompileError(e.loc ? `line ${e.loc.line}: SyntaxError: ${message} (column ${e.loc.column + 1})` : `SyntaxError: ${message}`);
  }
  const bindings: string[] = [];
  const exported = new Map<string, string>(); // exported name → local name
  const edits: Edit[] = [];
  const problems: string[] = [];
  const line = (node: AcornNode) => node.loc?.start.line ?? 0;

  for (const node of program.body) {
    if (node.type === 'ImportDeclaration') {
      const from = String(node.source.value);
      if (from !== 'vigil') {
        problems.push(`line ${line(node)}: imports other than "vigil" are not available in workflows ("${from}")`);
        continue;
      }
      for (const spec of node.specifiers) {
        if (spec.type === 'ImportNamespaceSpecifier') {
          bindings.push(`const ${spec.local.name} = ${STD_PARAM};`);
        } else if (spec.type === 'ImportDefaultSpecifier') {
          problems.push(`line ${line(node)}: "vigil" has no default export; use import { sha256 } from "vigil" or import * as vigil from "vigil"`);
        } else {
          const imported = spec.imported.type === 'Identifier' ? spec.imported.name : String(spec.imported.value);
          if (STD_EXPORTS.includes(imported)) {
            bindings.push(`const ${spec.local.name} = ${STD_PARAM}[${JSON.stringify(imported)}];`);
          } else if (STD_TYPES.has(imported)) {
            bindings.push(`const ${spec.local.name} = undefined;`);
          } else {
            problems.push(`line ${line(node)}: "vigil" has no export named "${imported}"`);
          }
        }
      }
      edits.push({ start: node.start, end: node.end });
    } else if (node.type === 'ExportNamedDeclaration') {
      if (node.source) {
        problems.push(`line ${line(node)}: re-exports (export … from) are not supported in workflows`);
        continue;
      }
      if (node.declaration) {
        // `export ` is the only text to remove: the declaration stays where it is.
        edits.push({ start: node.start, end: node.declaration.start });
        const declaration = node.declaration;
        if (declaration.type === 'VariableDeclaration') {
          for (const declarator of declaration.declarations) for (const name of patternNames(declarator.id)) exported.set(name, name);
        } else if (declaration.id) {
          exported.set(declaration.id.name, declaration.id.name);
        }
      } else {
        for (const spec of node.specifiers) {
          const local = spec.local.type === 'Identifier' ? spec.local.name : String(spec.local.value);
          const name = spec.exported.type === 'Identifier' ? spec.exported.name : String(spec.exported.value);
          exported.set(name, local);
        }
        edits.push({ start: node.start, end: node.end });
      }
    } else if (node.type === 'ExportDefaultDeclaration') {
      problems.push(`line ${line(node)}: export default is not supported: export async function run(ctx) instead`);
    } else if (node.type === 'ExportAllDeclaration') {
      problems.push(`line ${line(node)}: export * is not supported in workflows`);
    }
  }
  const runLocal = exported.get('run');
  if (runLocal === undefined) problems.push('the workflow must export async function run(ctx)');
  if (problems.length > 0) throw new CompileError(problems.join('; '));

  let body = js;
  // Apply edits back to front; blanking keeps newlines so line numbers stay true.
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    body = body.slice(0, edit.start) + blank(body.slice(edit.start, edit.end)) + body.slice(edit.end);
  }
  // Everything added goes on the first line (imports are hoisted there, as ES modules hoist them)
  // and after the last one, so QuickJS reports the author's own line numbers.
  const header = `(async function (${STD_PARAM}) {"use strict";${bindings.join('')}`;
  return `${header}${body}\n;return ${runLocal};\n})`;
}

function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((p) => (p.type === 'RestElement' ? patternNames(p.argument) : patternNames(p.value)));
    case 'ArrayPattern':
      return pattern.elements.flatMap((e) => (e ? patternNames(e) : []));
    case 'RestElement':
      return patternNames(pattern.argument);
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    default:
      return [];
  }
}

function describeStripError(error: Error & { code?: string }): string {
  // Node's stripper puts ":LINE" on the first line of the stack and the snippet after it.
  const location = /^[^\n]*:(\d+)\s*$/m.exec(String(error.stack ?? '').split('\n')[0] ?? '');
  const where = location ? `line ${location[1]}: ` : '';
  const message = firstLine(error.message);
  if (error.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return `${where}${message} (workflows may use only TypeScript that erases to JavaScript: no enum, namespace or parameter properties)`;
  }
  return `${where}SyntaxError: ${message}`;
}
