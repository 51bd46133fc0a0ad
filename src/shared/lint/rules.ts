// The rule table: one entry per rule the linter reports, with a bad and a good example. The docs
// (docs/workflows.md, kept in sync by a test) and the code generator's prompt are built from it.
import type { LintRule } from './types.ts';

const HEAD = 'import type { WorkflowContext, WorkflowResult } from "vigil";\n\n';
const RUN = 'export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n';

/** Wraps a run body (indented by the caller) into a complete workflow. */
function workflow(body: string, before = ''): string {
  return `${HEAD}${before}${RUN}${body}}\n`;
}

export const LINT_RULES: readonly LintRule[] = [
  {
    id: 'syntax',
    severity: 'error',
    description:
      'The code must parse as TypeScript, and as strict JavaScript: a name declared twice in one scope (with `let`, ' +
      '`const`, `class` or an import) is refused too. The message is the parser\'s own; fix the code at the position shown. ' +
      'Code nested more than 500 levels deep (parentheses, functions, blocks, literals; a chain of calls or operators ' +
      'counts half a level per link) is refused as well, because the sandbox could not compile it.',
    bad: workflow('  if (ctx.indicator.value === "" {\n    return ctx.fail("empty indicator");\n  }\n  return ctx.ok("done");\n'),
    good: workflow('  if (ctx.indicator.value === "") {\n    return ctx.fail("empty indicator");\n  }\n  return ctx.ok("done");\n'),
  },
  {
    id: 'erasable-syntax',
    severity: 'error',
    description:
      'Workflows run as JavaScript after their types are stripped, so only TypeScript that erases cleanly is accepted: ' +
      'no `enum`, namespaces with values, parameter properties (`constructor(private x: T)`), `<T>value` assertions ' +
      '(write `value as T`), `import x = N.y`, `export =` or decorators.',
    bad: workflow('  return ctx.ok("level", { level: Level.High });\n', 'enum Level {\n  Low = "low",\n  High = "high",\n}\n\n'),
    good: workflow('  return ctx.ok("level", { level: Level.High });\n', 'const Level = { Low: "low", High: "high" } as const;\n\n'),
  },
  {
    id: 'run-export',
    severity: 'error',
    description:
      'A workflow exports exactly one entry point, `export async function run(ctx)`, which Vigil calls with the run\'s context. ' +
      'It must be exported by name and be `async`; `export default` is refused.',
    bad: `${HEAD}export function run(ctx: WorkflowContext): WorkflowResult {\n  return ctx.ok("done");\n}\n`,
    good: workflow('  return ctx.ok("done");\n'),
  },
  {
    id: 'import-source',
    severity: 'error',
    description:
      'Only "vigil" can be imported, and only the names it exports: there is no module loader in the sandbox. Use ' +
      '`ctx.http` instead of HTTP client libraries and the helpers exported by "vigil" (hashes, HMAC, base64, hex, ' +
      'uuid, URL) instead of npm packages. Re-exports (`export … from`) are refused too.',
    bad: `import axios from "axios";\n${HEAD}${RUN}  const res = await axios.get("https://api.example.com/v1/status");\n  return ctx.ok("status", res.data);\n}\n`,
    good: workflow('  const res = await ctx.http.get("https://api.example.com/v1/status");\n  return ctx.ok("status", res.json());\n'),
  },
  {
    id: 'no-require',
    severity: 'error',
    description: '`require` (and `import x = require(...)`) is not available in workflows: import helpers from "vigil" and use `ctx.http` for network calls.',
    bad: workflow('  const crypto = require("crypto");\n  return ctx.ok(crypto.createHash("sha256").update(ctx.indicator.value).digest("hex"));\n'),
    good: `import { sha256 } from "vigil";\n${workflow('  return ctx.ok(sha256(ctx.indicator.value));\n')}`,
  },
  {
    id: 'no-dynamic-import',
    severity: 'error',
    description: 'Dynamic `import()` is not available in workflows: import what you need from "vigil" at the top of the file.',
    bad: workflow('  const { uuid } = await import("vigil");\n  return ctx.ok(uuid());\n'),
    good: `import { uuid } from "vigil";\n${workflow('  return ctx.ok(uuid());\n')}`,
  },
  {
    id: 'no-import-meta',
    severity: 'error',
    description: '`import.meta` does not exist in workflows (there is no file or URL behind the code). Use `ctx.run` for facts about the run.',
    bad: workflow('  ctx.log.info("running", { file: import.meta.url });\n  return ctx.ok("done");\n'),
    good: workflow('  ctx.log.info("running", { workflow: ctx.run.workflow.name, version: ctx.run.workflow.version });\n  return ctx.ok("done");\n'),
  },
  {
    id: 'no-eval',
    severity: 'error',
    description: '`eval` is not available in workflows. Parse data with `JSON.parse` or `res.json()` and write the logic as code.',
    bad: workflow('  const data = eval("(" + ctx.alert?.fields?.["raw"] + ")");\n  return ctx.ok("parsed", data);\n'),
    good: workflow('  const data = JSON.parse(String(ctx.alert?.fields?.["raw"] ?? "null"));\n  return ctx.ok("parsed", data);\n'),
  },
  {
    id: 'no-function-constructor',
    severity: 'error',
    description:
      'The `Function` constructor compiles strings into code, so it is refused however it is reached: `Function`, ' +
      '`new Function`, `.constructor(...)` and `constructor.constructor` chains, the AsyncFunction trick ' +
      '`(async () => {}).constructor`, and `constructor` taken by destructuring, computed keys or `Reflect.get`. ' +
      'Write functions directly; to name a value\'s type use `typeof`, `instanceof` or `.constructor.name`.',
    bad: workflow('  const pick = new Function("o", "return o.score");\n  return ctx.ok("score", pick(ctx.indicator.enrichment));\n'),
    good: workflow('  const pick = (o: Record<string, unknown> | null) => o?.["score"];\n  return ctx.ok("score", pick(ctx.indicator.enrichment));\n'),
  },
  {
    id: 'no-node-globals',
    severity: 'error',
    description:
      'Workflows do not run in Node: `process`, `global`, `Buffer`, `__dirname`, `__filename`, `module` and `exports` ' +
      'do not exist. Read inputs from `ctx`, secrets with `ctx.secrets.get`, encode with `base64Encode`/`hexEncode` ' +
      'from "vigil", and export `run` with `export`.',
    bad: workflow('  const token = process.env.API_TOKEN;\n  return token ? ctx.ok("configured") : ctx.fail("API_TOKEN missing");\n'),
    good: workflow('  const token = ctx.secrets.get("API_TOKEN");\n  return token ? ctx.ok("configured") : ctx.fail("API_TOKEN missing");\n'),
  },
  {
    id: 'no-global-object',
    severity: 'error',
    description:
      '`globalThis`, `self` and `window` are refused: workflows reach nothing through the global object. Use the value ' +
      'directly (`JSON`, `Math`, `URL`, …), `ctx` for inputs and services, and imports from "vigil" for helpers.',
    bad: workflow('  const parse = globalThis["JSON"].parse;\n  return ctx.ok("parsed", parse("{}"));\n'),
    good: workflow('  return ctx.ok("parsed", JSON.parse("{}"));\n'),
  },
  {
    id: 'no-proto',
    severity: 'error',
    description:
      '`__proto__` (and the legacy `__defineGetter__`/`__lookupGetter__` family) rewires prototypes: refused in any ' +
      'form, including `obj["__proto__"]`. Use `Object.create(proto)`, spread (`{ ...a, ...b }`) or a `Map`.',
    bad: workflow('  const merged: Record<string, unknown> = { __proto__: ctx.indicator.enrichment };\n  return ctx.ok("merged", merged);\n'),
    good: workflow('  const merged: Record<string, unknown> = { ...ctx.indicator.enrichment };\n  return ctx.ok("merged", merged);\n'),
  },
  {
    id: 'no-set-prototype',
    severity: 'error',
    description:
      '`Object.setPrototypeOf`/`Reflect.setPrototypeOf` on a built-in (`Object`, `Array.prototype`, `JSON`, …) or on ' +
      '`ctx` is refused. Build a new object instead (`Object.create`, spread, a class).',
    bad: workflow('  Object.setPrototypeOf(Array.prototype, null);\n  return ctx.ok("done");\n'),
    good: workflow('  const lookup = Object.create(null) as Record<string, string>;\n  lookup[ctx.indicator.value] = "seen";\n  return ctx.ok("done", lookup);\n'),
  },
  {
    id: 'no-prepare-stack-trace',
    severity: 'error',
    description: '`Error.prepareStackTrace` hooks the engine\'s stack formatting and is refused. Log `error.message` (and `error.stack` if you need it) instead.',
    bad: workflow('  Error.prepareStackTrace = (_error, frames) => frames;\n  return ctx.ok("done");\n'),
    good: workflow(
      '  try {\n    JSON.parse("{");\n  } catch (error) {\n    ctx.log.warn("bad JSON", { error: (error as Error).message });\n  }\n  return ctx.ok("done");\n',
    ),
  },
  {
    id: 'no-with',
    severity: 'error',
    description: 'The `with` statement is not allowed (workflows are strict-mode modules). Name the object, or destructure what you need.',
    bad: workflow('  with (ctx.indicator) {\n    return ctx.ok(value);\n  }\n'),
    good: workflow('  const { value } = ctx.indicator;\n  return ctx.ok(value);\n'),
  },
  {
    id: 'no-timers',
    severity: 'error',
    description:
      '`setTimeout`, `setInterval`, `setImmediate`, `queueMicrotask` (and their `clear…` partners) are not available: ' +
      'use `await ctx.sleep(ms)` to wait, and a loop with `ctx.sleep` to poll.',
    bad: workflow('  await new Promise((resolve) => setTimeout(resolve, 1000));\n  return ctx.ok("waited");\n'),
    good: workflow('  await ctx.sleep(1000);\n  return ctx.ok("waited");\n'),
  },
  {
    id: 'no-direct-network',
    severity: 'error',
    description:
      '`fetch`, `XMLHttpRequest` and `WebSocket` do not exist in workflows: every call goes through `ctx.http` ' +
      '(get/post/put/patch/delete/request), which applies the egress policy, logs the call and is mocked in tests.',
    bad: workflow('  const res = await fetch("https://api.example.com/v1/status");\n  return ctx.ok("status", await res.json());\n'),
    good: workflow('  const res = await ctx.http.get("https://api.example.com/v1/status");\n  return ctx.ok("status", res.json());\n'),
  },
  {
    id: 'secret-name-literal',
    severity: 'error',
    description:
      '`ctx.secrets.get` takes the secret\'s name as a string literal (or a `const` holding one), so Vigil can check ' +
      'that the workflow declares it and show which secrets a run needs.',
    bad: workflow('  const name = String(ctx.input);\n  const token = ctx.secrets.get(name);\n  return token ? ctx.ok("configured") : ctx.fail("missing");\n'),
    good: workflow('  const token = ctx.secrets.get("API_TOKEN");\n  return token ? ctx.ok("configured") : ctx.fail("missing");\n'),
  },
  {
    id: 'undeclared-secret',
    severity: 'error',
    description:
      'A workflow can read only the secrets listed in its `secrets` setting; `ctx.secrets.get` of any other name ' +
      'throws. Add the name to the list or fix the spelling. Where the list is not known (`vigil lint` without ' +
      '`--secrets`) names are not checked.',
    bad: workflow('  const token = ctx.secrets.get("API_TOKN");\n  return token ? ctx.ok("configured") : ctx.fail("missing");\n'),
    good: workflow('  const token = ctx.secrets.get("API_TOKEN");\n  return token ? ctx.ok("configured") : ctx.fail("missing");\n'),
  },
  {
    id: 'secret-in-log',
    severity: 'warning',
    description:
      'A secret value (or a string or object built from one, such as an `authorization` header) is passed to ' +
      '`ctx.log`. Values are redacted from stored logs, but log that a secret is set, never the secret itself.',
    bad: workflow(
      '  const token = ctx.secrets.get("API_TOKEN");\n  const headers = { authorization: `Bearer ${token}` };\n  ctx.log.debug("calling the API", { headers });\n  const res = await ctx.http.get("https://api.example.com/v1/me", { headers });\n  return ctx.ok("status", res.status);\n',
    ),
    good: workflow(
      '  const token = ctx.secrets.get("API_TOKEN");\n  const headers = { authorization: `Bearer ${token}` };\n  ctx.log.debug("calling the API", { has_token: token !== null });\n  const res = await ctx.http.get("https://api.example.com/v1/me", { headers });\n  return ctx.ok("status", res.status);\n',
    ),
  },
  {
    id: 'run-returns-result',
    severity: 'warning',
    description:
      '`run` can finish without a result (it falls off the end or uses a bare `return`). End every path with ' +
      '`return ctx.ok(...)` or `return ctx.fail(...)` so the run history says what happened.',
    bad: workflow('  const res = await ctx.http.post("https://fw.example.com/api/block", { json: { ip: ctx.indicator.value } });\n  if (res.ok) return ctx.ok("blocked");\n'),
    good: workflow(
      '  const res = await ctx.http.post("https://fw.example.com/api/block", { json: { ip: ctx.indicator.value } });\n  if (res.ok) return ctx.ok("blocked");\n  return ctx.fail(`firewall answered ${res.status}`);\n',
    ),
  },
];

export const RULE_SEVERITY: ReadonlyMap<string, LintRule['severity']> = new Map(LINT_RULES.map((rule) => [rule.id, rule.severity]));
