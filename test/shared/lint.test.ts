// The workflow safety linter, rule by rule: for each rule, code it must refuse (with the exact
// positions) and ordinary code it must leave alone. Problems are compared as `rule@line:column`
// lists, so an extra problem (a false positive) fails a case as surely as a missing one.
import { describe, expect, it } from 'vitest';
import { hasErrors, lintWorkflow, type LintOptions, type LintProblem } from '../../src/shared/lint/index.ts';

/** A workflow whose run body is `body`: the body's first line is line 2 (plus the lines of `before`). */
function wrap(body: string, before = ''): string {
  return `${before}export async function run(ctx) {\n${body}\n  return ctx.ok("done");\n}\n`;
}

const brief = (problems: LintProblem[]) => problems.map((problem) => `${problem.rule}@${problem.line}:${problem.column}`);

interface Case {
  name: string;
  code: string;
  options?: LintOptions;
  /** Every problem expected, as rule@line:column, in order. */
  expect: string[];
}

function table(rule: string, cases: Case[]): void {
  describe(rule, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(brief(lintWorkflow(c.code, c.options))).toEqual(c.expect);
    });
  });
}

const SECRETS: LintOptions = { declaredSecrets: ['API_TOKEN', 'SLACK_SIGNING_SECRET'] };

table('syntax', [
  { name: 'a missing expression', code: wrap('  const x = ;'), expect: ['syntax@2:13'] },
  { name: 'an unclosed call', code: 'export async function run(ctx) {\n  ctx.log.info("a"\n  return ctx.ok("x");\n}\n', expect: ['syntax@3:3'] },
  { name: 'a legacy octal literal', code: wrap('  const mode = 0755;'), expect: ['syntax@2:16'] },
  { name: 'a redeclared const', code: wrap('  const a = 1;\n  const a = 2;'), expect: ['syntax@3:9'] },
  { name: 'let and var of one name', code: wrap('  let b = 1;\n  var b = 2;'), expect: ['syntax@3:7'] },
  { name: 'a parameter redeclared with let', code: 'function f(p) {\n  let p = 1;\n  return p;\n}\n' + wrap(''), expect: ['syntax@2:7'] },
  { name: 'good: var twice, shadowing in an inner block, for-let shadowed in the body', code: wrap('  var v = 1;\n  var v = 2;\n  const s = 1;\n  { const s = 2; }\n  for (let i = 0; i < 1; i++) { const i = 3; }'), expect: [] },
]);

table('erasable-syntax', [
  { name: 'enum', code: wrap('', 'enum Level { Low, High }\n'), expect: ['erasable-syntax@1:6'] },
  { name: 'const enum', code: wrap('', 'const enum Level { Low }\n'), expect: ['erasable-syntax@1:12'] },
  { name: 'namespace with values', code: wrap('', 'namespace Helpers { export const x = 1; }\n'), expect: ['erasable-syntax@1:11'] },
  { name: 'module keyword', code: wrap('', 'module Legacy { }\n'), expect: ['erasable-syntax@1:8'] },
  { name: 'parameter property', code: wrap('', 'class Client { constructor(private token: string) {} }\n'), expect: ['erasable-syntax@1:28'] },
  { name: 'angle-bracket assertion', code: wrap('  const n = <number>(ctx.input as unknown);'), expect: ['erasable-syntax@2:13'] },
  { name: 'import = entity', code: wrap('', 'import Alias = Some.Thing;\n'), expect: ['erasable-syntax@1:1'] },
  { name: 'export =', code: 'export = {};\n' + wrap(''), expect: ['erasable-syntax@1:1'] },
  { name: 'decorator', code: wrap('', 'function sealed(x: unknown) { return x; }\n@sealed class Box {}\n'), expect: ['erasable-syntax@2:1'] },
  {
    name: 'good: types, as, satisfies, generics, abstract, declare, type-only namespace',
    code: wrap(
      '  const n = ctx.input as number;\n  const o = { a: 1 } satisfies Record<string, number>;\n  const id = <T,>(x: T): T => x;\n  ctx.log.info("x", { n, o, id });',
      'interface A { x: number }\ntype B = A | null;\nabstract class C { abstract m(): void }\ndeclare enum D { X }\nnamespace Types { export type T = string }\ndeclare const injected: string;\n',
    ),
    expect: [],
  },
]);

table('run-export', [
  { name: 'missing', code: 'const a = 1;\n', expect: ['run-export@1:1'] },
  { name: 'empty file', code: '', expect: ['run-export@1:1'] },
  { name: 'not async', code: 'export function run(ctx) {\n  return ctx.ok("x");\n}\n', expect: ['run-export@1:17'] },
  { name: 'not exported', code: 'async function run(ctx) {\n  return ctx.ok("x");\n}\n', expect: ['run-export@1:16'] },
  { name: 'export default', code: 'export default async function run(ctx) {\n  return ctx.ok("x");\n}\n', expect: ['run-export@1:31'] },
  { name: 'export default beside run', code: wrap('') + 'export default 1;\n', expect: ['run-export@5:1'] },
  { name: 'generator', code: 'export async function* run(ctx) {\n  return ctx.ok("x");\n}\n', expect: ['run-export@1:24'] },
  { name: 'arrow that is not async', code: 'export const run = (ctx) => ctx.ok("x");\n', expect: ['run-export@1:14'] },
  { name: 'not a function', code: 'export const run = makeRun();\n', expect: ['run-export@1:14'] },
  { name: 'good: async arrow', code: 'export const run = async (ctx) => ctx.ok("x");\n', expect: [] },
  { name: 'good: export { handler as run }', code: 'const handler = async (ctx) => {\n  return ctx.ok("x");\n};\nexport { handler as run };\n', expect: [] },
  { name: 'good: typed, destructured context', code: 'import type { WorkflowContext } from "vigil";\nexport async function run({ ok, log }: WorkflowContext) {\n  log.info("x");\n  return ok("x");\n}\n', expect: [] },
]);

table('import-source', [
  { name: 'an npm package', code: 'import axios from "axios";\n' + wrap(''), expect: ['import-source@1:19'] },
  { name: 'a relative file, even type-only', code: 'import type { Foo } from "./foo";\n' + wrap(''), expect: ['import-source@1:26'] },
  { name: 'a node built-in', code: 'import { readFileSync } from "node:fs";\n' + wrap(''), expect: ['import-source@1:30'] },
  { name: 'a default import of vigil', code: 'import vigil from "vigil";\n' + wrap(''), expect: ['import-source@1:8'] },
  { name: 'a name vigil does not export', code: 'import { sha256, fetchJson } from "vigil";\n' + wrap(''), expect: ['import-source@1:18'] },
  { name: 're-export', code: 'export * from "vigil";\n' + wrap(''), expect: ['import-source@1:1'] },
  { name: 're-export from elsewhere', code: 'export { x } from "lodash";\n' + wrap(''), expect: ['import-source@1:1'] },
  {
    name: 'good: vigil helpers, types, namespace import, type names without `type`',
    code: 'import type { WorkflowContext, WorkflowResult } from "vigil";\nimport { sha256, hmac as sign, URL, WorkflowContext as C } from "vigil";\nimport * as vigil from "vigil";\n' + wrap('  ctx.log.info("x", { a: sha256("a"), b: sign("sha256", "k", "d"), c: vigil.uuid() });'),
    expect: [],
  },
]);

table('no-require', [
  { name: 'require()', code: wrap('  const fs = require("fs");'), expect: ['no-require@2:14'] },
  { name: 'require.resolve', code: wrap('  require.resolve("x");'), expect: ['no-require@2:3'] },
  { name: 'import = require', code: 'import fs = require("fs");\n' + wrap(''), expect: ['no-require@1:13'] },
  { name: 'aliased', code: wrap('  const load = require;'), expect: ['no-require@2:16'] },
  { name: 'good: a method or a local named require', code: wrap('  const rules = { require: (x: string) => x };\n  rules.require("a");\n  function check(require: boolean) { return require; }\n  check(true);'), expect: [] },
]);

table('no-dynamic-import', [
  { name: 'import()', code: wrap('  const m = await import("vigil");'), expect: ['no-dynamic-import@2:19'] },
  { name: 'computed import()', code: wrap('  await import("fs" + "");'), expect: ['no-dynamic-import@2:9'] },
  { name: 'good: import types in type positions', code: wrap('  let v: typeof import("vigil") | undefined;\n  ctx.log.info("x", { v });'), expect: [] },
]);

table('no-import-meta', [
  { name: 'import.meta.url', code: wrap('  ctx.log.info(import.meta.url);'), expect: ['no-import-meta@2:16'] },
  { name: 'good: ctx.run', code: wrap('  ctx.log.info("running", { id: ctx.run.id, meta: ctx.input });'), expect: [] },
]);

table('no-eval', [
  { name: 'eval()', code: wrap('  eval("1 + 1");'), expect: ['no-eval@2:3'] },
  { name: 'indirect eval', code: wrap('  (0, eval)("this");'), expect: ['no-eval@2:7'] },
  { name: 'aliased', code: wrap('  const run2 = eval;'), expect: ['no-eval@2:16'] },
  { name: 'good: the word eval in strings, properties and keys', code: wrap('  ctx.log.info("eval and Function are refused", { eval: 1 });\n  const o = { eval: (x: number) => x };\n  o.eval(1);'), expect: [] },
]);

table('no-function-constructor', [
  { name: 'Function()', code: wrap('  Function("return 1")();'), expect: ['no-function-constructor@2:3'] },
  { name: 'new Function', code: wrap('  new Function("a", "return a");'), expect: ['no-function-constructor@2:7'] },
  { name: 'aliasing Function', code: wrap('  const F = Function;\n  F("x");'), expect: ['no-function-constructor@2:13'] },
  { name: 'extends Function', code: wrap('', 'class Fn extends Function {}\n'), expect: ['no-function-constructor@1:18'] },
  { name: '.constructor(...) call', code: wrap('  ctx.log.constructor("return 1");'), expect: ['no-function-constructor@2:11'] },
  { name: 'constructor.constructor (reported once)', code: wrap('  const f = ctx.constructor.constructor;'), expect: ['no-function-constructor@2:17'] },
  { name: 'AsyncFunction trick', code: wrap('  const AsyncFunction = (async () => {}).constructor;'), expect: ['no-function-constructor@2:42'] },
  { name: 'AsyncFunction via getPrototypeOf', code: wrap('  Object.getPrototypeOf(async function () {}).constructor;'), expect: ['no-function-constructor@2:47'] },
  { name: 'reading .constructor into a variable', code: wrap('  const C = [].constructor;'), expect: ['no-function-constructor@2:16'] },
  { name: 'computed "constr" + "uctor"', code: wrap('  ctx["constr" + "uctor"];'), expect: ['no-function-constructor@2:7'] },
  { name: 'template literal key', code: wrap('  ctx.http[`constr${"uctor"}`];'), expect: ['no-function-constructor@2:12'] },
  { name: 'joined array key', code: wrap('  const key = ["con", "struc", "tor"].join("");\n  ctx[key];'), expect: ['no-function-constructor@3:7'] },
  { name: 'String.fromCharCode key', code: wrap('  ctx[String.fromCharCode(99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114)];'), expect: ['no-function-constructor@2:7'] },
  { name: 'reversed string key', code: wrap('  ctx["rotcurtsnoc".split("").reverse().join("")];'), expect: ['no-function-constructor@2:7'] },
  { name: 'base64Decode key', code: 'import { base64Decode } from "vigil";\n' + wrap('  ctx[base64Decode("Y29uc3RydWN0b3I=")];').replace('\n  ctx', '\n  ctx'), expect: ['no-function-constructor@3:7'] },
  { name: 'destructuring constructor', code: wrap('  const { constructor } = async () => {};'), expect: ['no-function-constructor@2:11'] },
  { name: 'destructuring constructor: renamed', code: wrap('  const { constructor: Make } = ctx;'), expect: ['no-function-constructor@2:11'] },
  { name: 'destructuring constructor: computed', code: wrap('  const { ["constr" + "uctor"]: Make } = ctx;'), expect: ['no-function-constructor@2:11'] },
  { name: 'destructuring assignment', code: wrap('  let Make;\n  ({ constructor: Make } = ctx);'), expect: ['no-function-constructor@3:6'] },
  { name: 'Reflect.get', code: wrap('  Reflect.get(ctx, "constructor");'), expect: ['no-function-constructor@2:20'] },
  { name: 'Object.getOwnPropertyDescriptor', code: wrap('  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(ctx), "constructor");'), expect: ['no-function-constructor@2:63'] },
  {
    name: 'good: .constructor.name, comparisons, class constructors, keys, types, strings',
    code: wrap(
      '  const e = new Error("x");\n  ctx.log.info(e.constructor.name, { same: e.constructor === Error });\n  const box = new Box();\n  const o = { constructor: 1 };\n  const f: Function | null = null;\n  ctx.log.info("constructor", { box, o, f });',
      'class Box { constructor() {} }\n',
    ),
    expect: [],
  },
]);

table('no-node-globals', [
  { name: 'process.env', code: wrap('  const t = process.env.TOKEN;'), expect: ['no-node-globals@2:13'] },
  { name: 'typeof process', code: wrap('  if (typeof process !== "undefined") ctx.log.info("node");'), expect: ['no-node-globals@2:14'] },
  { name: 'shorthand { process }', code: wrap('  ctx.log.info("x", { process });'), expect: ['no-node-globals@2:23'] },
  { name: 'global', code: wrap('  global.x = 1;'), expect: ['no-node-globals@2:3'] },
  { name: 'Buffer', code: wrap('  Buffer.from("x").toString("base64");'), expect: ['no-node-globals@2:3'] },
  { name: '__dirname and __filename', code: wrap('  ctx.log.info(__dirname + __filename);'), expect: ['no-node-globals@2:16', 'no-node-globals@2:28'] },
  { name: 'module.exports and exports', code: wrap('  module.exports = {};\n  exports.x = 1;'), expect: ['no-node-globals@2:3', 'no-node-globals@3:3'] },
  { name: 'shadowed in an inner block only', code: wrap('  { const process = 1; }\n  process.exit(1);'), expect: ['no-node-globals@3:3'] },
  { name: 'an ambient declaration does not make it local', code: 'declare const process: { exit(code: number): never };\n' + wrap('  process.exit(1);'), expect: ['no-node-globals@3:3'] },
  {
    name: 'good: locals, parameters and properties with these names',
    code: wrap(
      '  const process = (items: string[]) => items.length;\n  process([]);\n  const p = { process: 1, Buffer: 2, module: 3 };\n  ctx.log.info("x", { a: p.process, b: (ctx.input as { global?: boolean } | null)?.global, c: p.module });\n  [1].forEach((module) => module);',
    ),
    expect: [],
  },
  { name: 'good: a function declared after use', code: wrap('  exports();') + 'function exports() { return 1; }\n', expect: [] },
]);

table('no-global-object', [
  { name: 'globalThis', code: wrap('  globalThis.x = 1;'), expect: ['no-global-object@2:3'] },
  { name: 'globalThis computed', code: wrap('  const p = globalThis["pro" + "cess"];'), expect: ['no-global-object@2:13'] },
  { name: 'self and window', code: wrap('  self.postMessage("x");\n  window.location;'), expect: ['no-global-object@2:3', 'no-global-object@3:3'] },
  { name: 'aliasing the global object', code: wrap('  const g = globalThis;'), expect: ['no-global-object@2:13'] },
  { name: 'good: a local self and properties named window', code: wrap('  const self = ctx;\n  self.log.info("x", { w: (ctx.input as { window?: number } | null)?.window });'), expect: [] },
]);

table('no-proto', [
  { name: '.__proto__', code: wrap('  const p = ctx.__proto__;'), expect: ['no-proto@2:17'] },
  { name: '["__proto__"]', code: wrap('  const o: Record<string, unknown> = {};\n  o["__proto__"] = null;'), expect: ['no-proto@3:5'] },
  { name: 'computed __proto__ key', code: wrap('  const k = "__pro" + "to__";\n  ({} as Record<string, unknown>)[k];'), expect: ['no-proto@3:35'] },
  { name: 'object literal __proto__', code: wrap('  const o = { __proto__: null, a: 1 };'), expect: ['no-proto@2:15'] },
  { name: 'destructuring __proto__', code: wrap('  const { __proto__: p } = ctx;'), expect: ['no-proto@2:11'] },
  { name: 'legacy accessors', code: wrap('  ({}).__lookupGetter__("x");\n  Object.prototype.__defineGetter__("y", () => 1);'), expect: ['no-proto@2:8', 'no-proto@3:20'] },
  { name: 'Reflect.get __proto__', code: wrap('  Reflect.get(ctx, "__proto__");'), expect: ['no-proto@2:20'] },
  { name: 'good: Object.create, getPrototypeOf, a computed own key', code: wrap('  const dict = Object.create(null);\n  const proto = Object.getPrototypeOf(dict);\n  const own = { ["__proto__"]: 1 };\n  ctx.log.info("x", { dict, proto, own });'), expect: [] },
]);

table('no-set-prototype', [
  { name: 'a built-in prototype', code: wrap('  Object.setPrototypeOf(Array.prototype, null);'), expect: ['no-set-prototype@2:3'] },
  { name: 'a built-in object', code: wrap('  Reflect.setPrototypeOf(JSON, {});'), expect: ['no-set-prototype@2:3'] },
  { name: 'ctx and its members', code: wrap('  Object.setPrototypeOf(ctx, null);\n  Object.setPrototypeOf(ctx.http, {});'), expect: ['no-set-prototype@2:3', 'no-set-prototype@3:3'] },
  { name: 'the prototype of anything', code: wrap('  Object.setPrototypeOf(Object.getPrototypeOf([]), null);'), expect: ['no-set-prototype@2:3'] },
  { name: 'good: your own objects', code: wrap('  const base = { kind: "base" };\n  const child = Object.setPrototypeOf({ a: 1 }, base);\n  ctx.log.info("x", { child });'), expect: [] },
]);

table('no-prepare-stack-trace', [
  { name: 'assignment', code: wrap('  Error.prepareStackTrace = (_e, frames) => frames;'), expect: ['no-prepare-stack-trace@2:9'] },
  { name: 'computed read', code: wrap('  const hook = Error["prepareStackTrace"];'), expect: ['no-prepare-stack-trace@2:22'] },
  { name: 'through an alias', code: wrap('  const E = Error;\n  E.prepareStackTrace = undefined;'), expect: ['no-prepare-stack-trace@3:5'] },
  { name: 'good: error.stack and error.message', code: wrap('  try {\n    JSON.parse("{");\n  } catch (error) {\n    ctx.log.warn((error as Error).message, { stack: (error as Error).stack });\n  }'), expect: [] },
]);

table('no-with', [
  { name: 'with', code: wrap('  with (ctx.indicator) {\n    ctx.log.info(value);\n  }'), expect: ['no-with@2:3'] },
  { name: 'good: a property named with', code: wrap('  const o = { with: 1 };\n  ctx.log.info("x", { w: o.with });'), expect: [] },
]);

table('no-timers', [
  { name: 'setTimeout in a promise', code: wrap('  await new Promise((resolve) => setTimeout(resolve, 1000));'), expect: ['no-timers@2:34'] },
  { name: 'setInterval, setImmediate, queueMicrotask', code: wrap('  setInterval(() => 1, 10);\n  setImmediate(() => 1);\n  queueMicrotask(() => 1);'), expect: ['no-timers@2:3', 'no-timers@3:3', 'no-timers@4:3'] },
  { name: 'clearTimeout', code: wrap('  clearTimeout(1);'), expect: ['no-timers@2:3'] },
  { name: 'aliased', code: wrap('  const later = setTimeout;'), expect: ['no-timers@2:17'] },
  { name: 'good: ctx.sleep and a property named setTimeout', code: wrap('  await ctx.sleep(1000);\n  const cfg = { setTimeout: 5 };\n  ctx.log.info("x", { t: cfg.setTimeout });'), expect: [] },
]);

table('no-direct-network', [
  { name: 'fetch', code: wrap('  const res = await fetch("https://api.example.com");'), expect: ['no-direct-network@2:21'] },
  { name: 'XMLHttpRequest and WebSocket', code: wrap('  new XMLHttpRequest();\n  new WebSocket("wss://x.example.com");'), expect: ['no-direct-network@2:7', 'no-direct-network@3:7'] },
  { name: 'good: ctx.http and a local called fetch', code: wrap('  const fetch = (url: string) => ctx.http.get(url);\n  await fetch("https://api.example.com");'), expect: [] },
]);

table('secret-name-literal', [
  { name: 'a variable', code: wrap('  const name = String(ctx.input);\n  ctx.secrets.get(name);'), options: SECRETS, expect: ['secret-name-literal@3:19'] },
  { name: 'a call', code: wrap('  ctx.secrets.get(pickName());'), options: SECRETS, expect: ['secret-name-literal@2:19'] },
  { name: 'a template with a run-time part', code: wrap('  ctx.secrets.get(`API_${ctx.indicator.type}`);'), options: SECRETS, expect: ['secret-name-literal@2:19'] },
  { name: 'no name at all', code: wrap('  ctx.secrets.get();'), options: SECRETS, expect: ['secret-name-literal@2:3'] },
  { name: 'a helper that takes the name', code: 'import type { WorkflowContext } from "vigil";\nfunction secret(c: WorkflowContext, name: string) {\n  return c.secrets.get(name);\n}\n' + wrap(''), options: SECRETS, expect: ['secret-name-literal@3:24'] },
  {
    name: 'good: literals, a const, a template without parts, a const declared later',
    code: wrap('  ctx.secrets.get("API_TOKEN");\n  ctx.secrets.get(`API_TOKEN`);\n  const NAME = "SLACK_SIGNING_SECRET";\n  ctx.secrets.get(NAME);\n  ctx.secrets.get(LATER);') + 'const LATER = "API_" + "TOKEN";\n',
    options: SECRETS,
    expect: [],
  },
]);

table('undeclared-secret', [
  { name: 'not in the list', code: wrap('  ctx.secrets.get("OKTA_TOKEN");'), options: SECRETS, expect: ['undeclared-secret@2:19'] },
  { name: 'an empty list', code: wrap('  ctx.secrets.get("API_TOKEN");'), options: { declaredSecrets: [] }, expect: ['undeclared-secret@2:19'] },
  { name: 'through ctx.secrets aliases', code: wrap('  const s = ctx.secrets;\n  s.get("A");\n  const { secrets } = ctx;\n  secrets.get("B");\n  const { secrets: { get } } = ctx;\n  get("C");\n  ctx.secrets["get"]("D");'), options: SECRETS, expect: ['undeclared-secret@3:9', 'undeclared-secret@5:15', 'undeclared-secret@7:7', 'undeclared-secret@8:22'] },
  { name: 'a context parameter with another name', code: 'export async function run(c) {\n  c.secrets.get("NOPE");\n  return c.ok("x");\n}\n', options: SECRETS, expect: ['undeclared-secret@2:17'] },
  { name: 'unknown list: not checked, nothing reported', code: wrap('  ctx.secrets.get("X");\n  ctx.secrets.get("Y");'), expect: [] },
  { name: 'good: declared', code: wrap('  ctx.secrets.get("API_TOKEN");'), options: SECRETS, expect: [] },
  { name: 'good: a method named get on something else', code: wrap('  const cache = new Map<string, string>();\n  cache.get("OKTA_TOKEN");\n  (ctx.input as Map<string, string>).get("X");'), options: SECRETS, expect: [] },
]);

table('secret-in-log', [
  { name: 'the value', code: wrap('  const token = ctx.secrets.get("API_TOKEN");\n  ctx.log.debug("token", { token });'), options: SECRETS, expect: ['secret-in-log@3:26'] },
  { name: 'in a template', code: wrap('  const token = ctx.secrets.get("API_TOKEN");\n  ctx.log.info(`using ${token}`);'), options: SECRETS, expect: ['secret-in-log@3:16'] },
  { name: 'inside a headers object', code: wrap('  const token = ctx.secrets.get("API_TOKEN");\n  const headers = { authorization: `Bearer ${token}` };\n  ctx.log.debug("request", { headers });'), options: SECRETS, expect: ['secret-in-log@4:28'] },
  { name: 'base64 of it', code: 'import { base64Encode } from "vigil";\n' + wrap('  const basic = base64Encode(`user:${ctx.secrets.get("API_TOKEN")}`);\n  ctx.log.warn("auth", { basic });'), options: SECRETS, expect: ['secret-in-log@4:24'] },
  { name: 'straight from ctx.secrets.get', code: wrap('  ctx.log.error("x", { t: ctx.secrets.get("API_TOKEN") });'), options: SECRETS, expect: ['secret-in-log@2:22'] },
  { name: 'assigned later', code: wrap('  let t = "";\n  t = ctx.secrets.get("API_TOKEN") ?? "";\n  ctx.log.info(t);'), options: SECRETS, expect: ['secret-in-log@4:16'] },
  {
    name: 'good: whether it is set, its length, a hash of it',
    code: 'import { sha256 } from "vigil";\n' + wrap('  const token = ctx.secrets.get("API_TOKEN");\n  ctx.log.info("auth", { set: token !== null, ok: !!token, len: token?.length, state: token ? "set" : "missing", fp: sha256(token ?? "").slice(0, 8) });'),
    options: SECRETS,
    expect: [],
  },
]);

table('run-returns-result', [
  { name: 'falls off after an if', code: 'export async function run(ctx) {\n  if (ctx.input) return ctx.ok("x");\n}\n', expect: ['run-returns-result@1:23'] },
  { name: 'a bare return', code: 'export async function run(ctx) {\n  if (!ctx.input) return;\n  return ctx.ok("x");\n}\n', expect: ['run-returns-result@2:19'] },
  { name: 'return null', code: 'export async function run(ctx) {\n  return null;\n}\n', expect: ['run-returns-result@2:3'] },
  { name: 'a catch that logs only', code: 'export async function run(ctx) {\n  try {\n    return ctx.ok("a");\n  } catch (e) {\n    ctx.log.error("x");\n  }\n}\n', expect: ['run-returns-result@1:23'] },
  { name: 'a switch without default', code: 'export async function run(ctx) {\n  switch (ctx.indicator.type) {\n    case "ip":\n      return ctx.ok("ip");\n  }\n}\n', expect: ['run-returns-result@1:23'] },
  { name: 'a switch that breaks', code: 'export async function run(ctx) {\n  switch (ctx.indicator.type) {\n    case "ip":\n      break;\n    default:\n      return ctx.fail("no");\n  }\n}\n', expect: ['run-returns-result@1:23'] },
  { name: 'a loop with a break', code: 'export async function run(ctx) {\n  while (true) {\n    if (ctx.input) break;\n    await ctx.sleep(1);\n  }\n}\n', expect: ['run-returns-result@1:23'] },
  { name: 'an empty body', code: 'export const run = async (ctx) => {};\n', expect: ['run-returns-result@1:14'] },
  {
    name: 'good: if/else, throw, switch with default, endless loop, try/finally, nested callbacks',
    code:
      'export async function run(ctx) {\n  [1].forEach(() => { return; });\n  if (ctx.input === 1) {\n    return ctx.ok("a");\n  } else if (ctx.input === 2) {\n    throw new Error("b");\n  }\n' +
      '  switch (ctx.indicator.type) {\n    case "ip":\n    case "domain": {\n      for (;;) {\n        for (const x of [1]) if (x) break;\n        if (ctx.input) return ctx.ok("loop");\n      }\n    }\n    default:\n      try {\n        return ctx.ok("x");\n      } finally {\n        ctx.log.info("done");\n      }\n  }\n}\n',
    expect: [],
  },
  { name: 'good: an expression body', code: 'export const run = async (ctx) => ctx.ok("x");\n', expect: [] },
]);

describe('bypass attempts (issue 4)', () => {
  const attempts: Array<[string, string, string]> = [
    ['ctx["constr"+"uctor"]', '  ctx["constr"+"uctor"]("return process")();', 'no-function-constructor'],
    ['const f = Function', '  const f = Function;\n  f("return 1")();', 'no-function-constructor'],
    ['const { constructor } = …', '  const { constructor: C } = ctx.log.info;\n  C("x");', 'no-function-constructor'],
    ['Reflect.get(obj, "constructor")', '  Reflect.get(ctx.http.get, "constructor")("x");', 'no-function-constructor'],
    ['key held in a const', '  const k = "constructor";\n  ctx.sleep[k]("x");', 'no-function-constructor'],
    ['key held in a let', '  let k = `${"const"}ructor`;\n  ctx.sleep[k]("x");', 'no-function-constructor'],
    ['upper-cased key', '  ctx.log["CONSTRUCTOR".toLowerCase()]("x");', 'no-function-constructor'],
    ['array index key', '  ctx.log[["constructor"][0]]("x");', 'no-function-constructor'],
    ['optional chaining', '  ctx?.constructor?.("x");', 'no-function-constructor'],
    ['generator function trick', '  (function* () {}).constructor("yield 1");', 'no-function-constructor'],
    ['bracket __proto__', '  const o: any = {};\n  o["__pro" + "to__"].polluted = 1;', 'no-proto'],
    ['eval through a comma', '  (0, eval)("1");', 'no-eval'],
    ['globalThis through a const', '  const g = globalThis;\n  g.process;', 'no-global-object'],
    ['process in a default parameter', '  const f = (p = process) => p;\n  f();', 'no-node-globals'],
    ['require in a class field', '  class K { fs = require("fs"); }\n  new K();', 'no-require'],
    ['timers in a computed key', '  const o = { [String(setTimeout)]: 1 };\n  ctx.log.info("x", o);', 'no-timers'],
    ['fetch as a tagged template', '  fetch`https://x.example.com`;', 'no-direct-network'],
  ];
  it.each(attempts)('%s', (_name, body, rule) => {
    const problems = lintWorkflow(wrap(body));
    expect(problems.map((problem) => problem.rule)).toContain(rule);
    expect(hasErrors(problems)).toBe(true);
  });
});

describe('positions and output', () => {
  it('reports every problem with 1-based start and exclusive end, sorted by position', () => {
    const code = [
      'import fs from "fs";', //                                   1
      'export async function run(ctx) {', //                       2
      '  const data = eval("1");', //                              3
      '  const env = process.env;', //                             4
      '  setTimeout(() => 1, 5);', //                              5
      '  return ctx.ok("x", { data, env, fs });', //               6
      '}',
      '',
    ].join('\n');
    const problems = lintWorkflow(code);
    expect(problems.map(({ rule, line, column, endLine, endColumn }) => ({ rule, line, column, endLine, endColumn }))).toEqual([
      { rule: 'import-source', line: 1, column: 16, endLine: 1, endColumn: 20 },
      { rule: 'no-eval', line: 3, column: 16, endLine: 3, endColumn: 20 },
      { rule: 'no-node-globals', line: 4, column: 15, endLine: 4, endColumn: 22 },
      { rule: 'no-timers', line: 5, column: 3, endLine: 5, endColumn: 13 },
    ]);
    for (const problem of problems) {
      expect(problem.message.length).toBeGreaterThan(20);
      expect(['error', 'warning']).toContain(problem.severity);
    }
  });

  it('spans multi-line nodes and counts columns in UTF-16 code units after non-ASCII text', () => {
    const code = 'export async function run(ctx) {\n  const note = "🔥 naïve";  with (ctx) {\n  }\n  Object.setPrototypeOf(\n    Array.prototype, null);\n  return ctx.ok(note);\n}\n';
    const problems = lintWorkflow(code);
    expect(problems.map(({ rule, line, column, endLine, endColumn }) => ({ rule, line, column, endLine, endColumn }))).toEqual([
      { rule: 'no-with', line: 2, column: 29, endLine: 2, endColumn: 33 },
      { rule: 'no-set-prototype', line: 4, column: 3, endLine: 5, endColumn: 27 },
    ]);
  });

  it('handles CRLF line endings', () => {
    const problems = lintWorkflow('export async function run(ctx) {\r\n  eval("1");\r\n  return ctx.ok("x");\r\n}\r\n');
    expect(brief(problems)).toEqual(['no-eval@2:3']);
  });

  it('reports syntax errors with the parser’s message and still checks the rest', () => {
    const problems = lintWorkflow('export async function run(ctx) {\n  const x = ;\n  eval("1");\n  return ctx.ok("x");\n}\n');
    expect(brief(problems)).toEqual(['syntax@2:13', 'no-eval@3:3']);
    expect(problems[0]!.message).toBe('Expression expected.');
  });

  it('says what to do instead', () => {
    const [problem] = lintWorkflow(wrap('  const fs = require("fs");'));
    expect(problem!.message).toBe('`require` is not available in workflows: import helpers from "vigil" or use ctx.http for network calls');
    const [secret] = lintWorkflow(wrap('  ctx.secrets.get("API_TOKN");'), SECRETS);
    expect(secret!.message).toContain('did you mean "API_TOKEN"?');
  });

  it('refuses nesting deeper than the sandbox can compile, where it goes too deep', () => {
    const chain = (length: number) => Array.from({ length }, (_, i) => `"${i}"`).join(' + ');
    expect(lintWorkflow(wrap(`  const q = ${chain(900)};\n  eval(q);`))).toEqual([expect.objectContaining({ rule: 'no-eval', line: 3 })]);
    const long = lintWorkflow(wrap(`  const q = ${chain(20_000)};\n  eval(q);`));
    expect(long).toEqual([expect.objectContaining({ rule: 'syntax', severity: 'error', line: 2, message: expect.stringMatching(/^The code is nested more than 500 levels deep here/) })]);
    const parens = (depth: number) => `  const ok = true;\n  const x = ${'('.repeat(depth)}1${')'.repeat(depth)};`;
    expect(lintWorkflow(wrap(parens(400)))).toEqual([]);
    const [deep] = lintWorkflow(wrap(parens(600)));
    // Reported at the first parenthesis past the limit, on the line that nests.
    expect(deep).toMatchObject({ rule: 'syntax', severity: 'error', line: 3 });
    expect(deep!.column).toBeGreaterThan(400);
  });

  it('reports nesting too deep even to parse instead of throwing', () => {
    const nested = lintWorkflow(wrap(`  const x = ${'('.repeat(50_000)}1${')'.repeat(50_000)};`));
    expect(nested).toEqual([expect.objectContaining({ rule: 'syntax', severity: 'error', line: 1, column: 1, message: expect.stringMatching(/nested too deeply/) })]);
  });

  it('hasErrors ignores warnings', () => {
    expect(hasErrors(lintWorkflow(wrap('  ctx.secrets.get("X");')))).toBe(false);
    expect(hasErrors(lintWorkflow(wrap('  ctx.secrets.get("X");'), { declaredSecrets: [] }))).toBe(true);
    expect(hasErrors([])).toBe(false);
  });

  it('a clean workflow has no problems', () => {
    const code = `import type { WorkflowContext, WorkflowResult } from "vigil";
import { hmac } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const token = ctx.secrets.get("API_TOKEN");
  if (!token) return ctx.fail("API_TOKEN is not set");
  const body = JSON.stringify({ ip: ctx.indicator.value });
  const res = await ctx.http.post("https://api.example.com/v1/block", {
    headers: { authorization: \`Bearer \${token}\`, "x-signature": hmac("sha256", token, body) },
    body,
  });
  ctx.log.info("answered", { status: res.status });
  return res.ok ? ctx.ok("blocked") : ctx.fail(\`HTTP \${res.status}\`);
}
`;
    expect(lintWorkflow(code, { declaredSecrets: ['API_TOKEN'] })).toEqual([]);
  });
});
