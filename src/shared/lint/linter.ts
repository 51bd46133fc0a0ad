// The workflow safety linter: one parse (TypeScript's parser, no type checker) and one walk over
// the value positions of the tree, with a light scope model so that only references to real
// globals are reported (a local `process` or `obj.process` is fine). What cannot be seen statically
// is the sandbox's job (DESIGN.md §6).
import ts from 'typescript';
import { evaluate, type ConstScope } from './constant.ts';
import { listCompletes } from './flow.ts';
import { MAX_NESTING, nestedTooDeeply } from './nesting.ts';
import { RULE_SEVERITY } from './rules.ts';
import type { LintOptions, LintProblem, LintSeverity } from './types.ts';

// `typescript` exposes its API as getters on a dictionary-mode object: bind what the walk uses once.
const {
  SyntaxKind: SK, NodeFlags, forEachChild, isArrayLiteralExpression, isArrowFunction, isAsExpression,
  isAwaitExpression, isBinaryExpression, isBlock, isCallExpression, isCaseBlock, isCaseOrDefaultClause,
  isCatchClause, isClassDeclaration, isClassExpression, isComputedPropertyName, isElementAccessExpression,
  isExportAssignment, isExportDeclaration, isExternalModuleReference, isFunctionDeclaration,
  isFunctionExpression, isGetAccessorDeclaration, isIdentifier, isMethodDeclaration, isNamedExports,
  isNamespaceImport, isNoSubstitutionTemplateLiteral, isNonNullExpression, isNumericLiteral,
  isObjectBindingPattern, isObjectLiteralExpression, isOmittedExpression, isParenthesizedExpression,
  isPrivateIdentifier, isPropertyAccessExpression, isPropertyAssignment, isSatisfiesExpression,
  isSetAccessorDeclaration, isShorthandPropertyAssignment, isSpreadAssignment, isSpreadElement, isStatement,
  isStringLiteral, isStringLiteralLike, isTypeAssertionExpression, isTypeReferenceNode,
  isVariableDeclarationList, isVariableStatement, isVoidExpression,
} = ts;

// ─── What is refused, and what to say instead ───────────────────────────────────────────────

interface GlobalRule {
  rule: string;
  message: string;
}

const GLOBALS = new Map<string, GlobalRule>();
function refuse(rule: string, names: string[], message: (name: string) => string): void {
  for (const name of names) GLOBALS.set(name, { rule, message: message(name) });
}

refuse('no-require', ['require'], () => '`require` is not available in workflows: import helpers from "vigil" or use ctx.http for network calls');
refuse('no-eval', ['eval'], () => '`eval` is not available in workflows: parse data with JSON.parse or res.json() and write the logic as code');
refuse(
  'no-function-constructor',
  ['Function'],
  () => 'The `Function` constructor is not available in workflows: write the function directly (an arrow function or a function declaration)',
);
refuse(
  'no-node-globals',
  ['process'],
  () => '`process` does not exist in workflows: read inputs from ctx.indicator, ctx.alert and ctx.input, and secrets with ctx.secrets.get("NAME")',
);
refuse('no-node-globals', ['global'], () => '`global` does not exist in workflows: use the value directly (JSON, Math, URL, …) or ctx');
refuse(
  'no-node-globals',
  ['Buffer'],
  () => '`Buffer` does not exist in workflows: use base64Encode, base64Decode, hexEncode or hexDecode from "vigil", or TextEncoder/TextDecoder',
);
refuse('no-node-globals', ['__dirname', '__filename'], (name) => `\`${name}\` does not exist in workflows: a workflow has no files; use ctx.run for facts about the run`);
refuse('no-node-globals', ['module', 'exports'], (name) => `\`${name}\` does not exist in workflows: export the entry point with \`export async function run(ctx)\``);
refuse(
  'no-global-object',
  ['globalThis', 'self', 'window'],
  (name) => `\`${name}\` is not available in workflows: use the value directly (JSON, Math, URL, …), ctx for inputs and services, and imports from "vigil" for helpers`,
);
refuse('no-timers', ['setTimeout', 'setInterval', 'setImmediate'], (name) => `\`${name}\` is not available in workflows: use \`await ctx.sleep(ms)\` to wait (in a loop to poll)`);
refuse('no-timers', ['clearTimeout', 'clearInterval', 'clearImmediate'], (name) => `\`${name}\` is not available in workflows: there are no timers; use \`await ctx.sleep(ms)\` to wait`);
refuse('no-timers', ['queueMicrotask'], () => '`queueMicrotask` is not available in workflows: use `await` (for example `await ctx.sleep(0)`)');
refuse(
  'no-direct-network',
  ['fetch', 'XMLHttpRequest'],
  (name) => `\`${name}\` is not available in workflows: use ctx.http.get/post/put/patch/delete/request (the egress policy, run log and test mocks apply)`,
);
refuse('no-direct-network', ['WebSocket'], () => '`WebSocket` is not available in workflows: make HTTP requests with ctx.http (get/post/put/patch/delete/request)');

const CONSTRUCTOR_MESSAGE =
  '`.constructor` can reach the Function constructor and is not allowed in workflows: write functions directly; to name a value\'s type use `typeof`, `instanceof` or `.constructor.name`';
const PROTO_KEYS = new Set(['__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
const protoMessage = (key: string) =>
  key === '__proto__'
    ? '`__proto__` is not allowed in workflows: use Object.create(proto), spread ({ ...a, ...b }) or a Map'
    : `\`${key}\` is not allowed in workflows: use a getter or setter in an object literal or class, or Object.defineProperty on your own objects`;
const PREPARE_STACK_MESSAGE = '`Error.prepareStackTrace` is not available in workflows: log error.message (or error.stack) instead';

/** Objects whose prototype must not be swapped. */
const BUILTINS = new Set([
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Promise', 'Error', 'TypeError',
  'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'RegExp', 'Date', 'Map',
  'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'JSON', 'Math', 'Reflect', 'Proxy', 'Atomics',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Intl', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'globalThis',
]);

/** `Reflect.x(target, key)` / `Object.x(target, key)` calls whose key is a property name. */
const KEYED_CALLS = new Set(['get', 'set', 'getOwnPropertyDescriptor', 'defineProperty']);
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
/** Calls whose result is as secret as their input (reversible encodings and string tweaks). */
const PASS_THROUGH_FUNCTIONS = new Set(['base64Encode', 'hexEncode', 'String', 'encodeURIComponent', 'encodeURI', 'btoa']);
const PASS_THROUGH_METHODS = new Set([
  'trim', 'trimStart', 'trimEnd', 'toString', 'toLowerCase', 'toUpperCase', 'concat', 'slice', 'substring', 'replace',
  'replaceAll', 'padStart', 'padEnd', 'split', 'join', 'stringify', 'encode',
]);

const PARAMETER_PROPERTY_MODIFIERS = new Set<ts.SyntaxKind>([
  SK.PublicKeyword,
  SK.PrivateKeyword,
  SK.ProtectedKeyword,
  SK.ReadonlyKeyword,
  SK.OverrideKeyword,
]);

/** What "vigil" exports (src/shared/vigil.d.ts; a test keeps the lists in sync). */
export const VIGIL_VALUE_EXPORTS: ReadonlySet<string> = new Set([
  'sha1', 'sha256', 'sha512', 'md5', 'hmac', 'base64Encode', 'base64Decode', 'base64DecodeBytes', 'hexEncode',
  'hexDecode', 'uuid', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder',
]);
export const VIGIL_TYPE_EXPORTS: ReadonlySet<string> = new Set([
  'IndicatorType', 'Indicator', 'Alert', 'RunInfo', 'HttpMethod', 'HttpOptions', 'HttpRequest', 'HttpResponse',
  'HttpClient', 'Logger', 'Secrets', 'Integrations', 'StepFunction', 'WorkflowContext', 'WorkflowResult', 'WorkflowFunction',
  'DigestEncoding', 'HmacAlgorithm', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder',
  'OktaClient', 'OktaUser', 'OktaPasswordReset', 'EntraClient', 'EntraUser', 'EntraMfaReset', 'AuthenticationMethodRef', 'IntegrationError', 'IntegrationErrorCode',
]);

const RUN_TEMPLATE = '`export async function run(ctx: WorkflowContext): Promise<WorkflowResult> { … }`';

// ─── Dispatch ─────────────────────────────────────────────────────────────────────────────

// The walk switches on small integer codes (a jump table) rather than on SyntaxKind members, which
// would be compared one by one. 0 = walk the children.
const V_IDENTIFIER = 1;
/** Types, ambient declarations, jumps: nothing to check or walk. */
const SKIP = 2;
const V_IMPORT = 3;
const V_IMPORT_EQUALS = 4;
const V_EXPORT = 5;
const V_BLOCK = 6;
const V_CASE_BLOCK = 7;
const V_FOR = 8;
const V_CATCH = 9;
const V_FUNCTION_DECLARATION = 10;
const V_FUNCTION = 11;
const V_CLASS = 12;
const V_PROPERTY_DECLARATION = 13;
const V_ENUM = 14;
const V_MODULE = 15;
const V_VARIABLE_STATEMENT = 16;
const V_VARIABLE = 17;
const V_PARAMETER = 18;
const V_PROPERTY_ACCESS = 19;
const V_ELEMENT_ACCESS = 20;
const V_CALL = 21;
const V_META_PROPERTY = 22;
const V_PROPERTY_ASSIGNMENT = 23;
const V_SHORTHAND = 24;
const V_BINARY = 25;
const V_WITH = 26;
const V_RETURN = 27;
const V_LABELED = 28;
const V_EXPORT_ASSIGNMENT = 29;
const V_TYPE_ASSERTION = 30;
const V_DECORATOR = 31;

const DISPATCH = new Uint8Array(SK.Count + 1);
function dispatch(code: number, kinds: ts.SyntaxKind[]): void {
  for (const kind of kinds) DISPATCH[kind] = code;
}
for (let kind: number = SK.FirstTypeNode; kind <= SK.LastTypeNode; kind++) DISPATCH[kind] = SKIP;
dispatch(SKIP, [
  SK.TypeParameter, SK.IndexSignature, SK.InterfaceDeclaration, SK.TypeAliasDeclaration, SK.PropertySignature,
  SK.MethodSignature, SK.CallSignature, SK.ConstructSignature, SK.HeritageClause, SK.SemicolonClassElement,
  SK.NamespaceExportDeclaration, SK.BreakStatement, SK.ContinueStatement, SK.DebuggerStatement, SK.EmptyStatement,
]);
dispatch(V_IDENTIFIER, [SK.Identifier]);
dispatch(V_IMPORT, [SK.ImportDeclaration]);
dispatch(V_IMPORT_EQUALS, [SK.ImportEqualsDeclaration]);
dispatch(V_EXPORT, [SK.ExportDeclaration]);
dispatch(V_BLOCK, [SK.Block, SK.ModuleBlock]);
dispatch(V_CASE_BLOCK, [SK.CaseBlock]);
dispatch(V_FOR, [SK.ForStatement, SK.ForInStatement, SK.ForOfStatement]);
dispatch(V_CATCH, [SK.CatchClause]);
dispatch(V_FUNCTION_DECLARATION, [SK.FunctionDeclaration]);
dispatch(V_FUNCTION, [SK.FunctionExpression, SK.ArrowFunction, SK.MethodDeclaration, SK.Constructor, SK.GetAccessor, SK.SetAccessor]);
dispatch(V_CLASS, [SK.ClassDeclaration, SK.ClassExpression]);
dispatch(V_PROPERTY_DECLARATION, [SK.PropertyDeclaration]);
dispatch(V_ENUM, [SK.EnumDeclaration]);
dispatch(V_MODULE, [SK.ModuleDeclaration]);
dispatch(V_VARIABLE_STATEMENT, [SK.VariableStatement]);
dispatch(V_VARIABLE, [SK.VariableDeclaration]);
dispatch(V_PARAMETER, [SK.Parameter]);
dispatch(V_PROPERTY_ACCESS, [SK.PropertyAccessExpression]);
dispatch(V_ELEMENT_ACCESS, [SK.ElementAccessExpression]);
dispatch(V_CALL, [SK.CallExpression]);
dispatch(V_META_PROPERTY, [SK.MetaProperty]);
dispatch(V_PROPERTY_ASSIGNMENT, [SK.PropertyAssignment]);
dispatch(V_SHORTHAND, [SK.ShorthandPropertyAssignment]);
dispatch(V_BINARY, [SK.BinaryExpression]);
dispatch(V_WITH, [SK.WithStatement]);
dispatch(V_RETURN, [SK.ReturnStatement]);
dispatch(V_LABELED, [SK.LabeledStatement]);
dispatch(V_EXPORT_ASSIGNMENT, [SK.ExportAssignment]);
dispatch(V_TYPE_ASSERTION, [SK.TypeAssertionExpression]);
dispatch(V_DECORATOR, [SK.Decorator]);

// ─── Scopes ─────────────────────────────────────────────────────────────────────────────────

/** What a name can stand for, as far as the linter cares. */
type Role = 'ctx' | 'secrets' | 'log' | 'secretsGet';
type BindingKind = 'var' | 'let' | 'const' | 'param' | 'function' | 'class' | 'import' | 'catch' | 'enum';

interface Binding {
  kind: BindingKind;
  /** Where it is declared. */
  at: ts.Identifier;
  /** For variables declared with a plain identifier: the initializer (for constant keys). */
  init?: ts.Expression;
  role?: Role;
  /** Holds a secret value (or something built from one). */
  secret?: boolean;
  /** The exported name, for an import from "vigil". */
  vigil?: string;
}

const LEXICAL_KINDS = new Set<BindingKind>(['let', 'const', 'class', 'import']);

interface Scope {
  parent: Scope | undefined;
  names: Map<string, Binding>;
}

function strip(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (
      isParenthesizedExpression(current) ||
      isAsExpression(current) ||
      isNonNullExpression(current) ||
      isSatisfiesExpression(current) ||
      isTypeAssertionExpression(current) ||
      isAwaitExpression(current)
    ) {
      current = current.expression;
    } else {
      return current;
    }
  }
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const modifiers = (node as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers;
  return modifiers !== undefined && modifiers.some((modifier) => modifier.kind === kind);
}

const isAmbient = (node: ts.Node) => hasModifier(node, SK.DeclareKeyword);

function propertyNameText(name: ts.PropertyName): string | undefined {
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name) || isPrivateIdentifier(name)) return name.text;
  if (isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

function isWorkflowContextType(type: ts.TypeNode | undefined): boolean {
  if (!type || !isTypeReferenceNode(type)) return false;
  const name = type.typeName;
  return (isIdentifier(name) ? name.text : name.right.text) === 'WorkflowContext';
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : levenshtein(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.floor(name.length / 3) ? best : undefined;
}

// ─── The entry point ────────────────────────────────────────────────────────────────────────

interface RunEntry {
  /** The function Vigil calls, when it is statically visible. */
  fn: ts.FunctionLikeDeclaration | undefined;
  /** Where to report about it. */
  name: ts.Node | undefined;
}

interface RawProblem {
  rule: string;
  severity: LintSeverity;
  message: string;
  start: number;
  end: number;
}

class Linter implements ConstScope {
  readonly sf: ts.SourceFile;
  readonly options: LintOptions;
  readonly problems: RawProblem[] = [];
  scope: Scope = { parent: undefined, names: new Map() };
  run: RunEntry = { fn: undefined, name: undefined };
  /** The innermost function whose body is being walked. */
  currentFn: ts.Node | undefined;
  /** Set once a secret is read: taint tracking is skipped until then. */
  anySecret = false;
  hasSyntaxErrors = false;

  constructor(sf: ts.SourceFile, options: LintOptions) {
    this.sf = sf;
    this.options = options;
  }

  // ── Reporting ──

  report(rule: string, node: ts.Node | { start: number; end: number }, message: string, severity?: LintSeverity): void {
    const start = 'kind' in node ? node.getStart(this.sf) : node.start;
    const end = node.end;
    this.problems.push({ rule, severity: severity ?? RULE_SEVERITY.get(rule) ?? 'error', message, start, end });
  }

  // ── ConstScope ──

  lookup(name: string): Binding | undefined {
    for (let scope: Scope | undefined = this.scope; scope; scope = scope.parent) {
      const binding = scope.names.get(name);
      if (binding) return binding;
    }
    return undefined;
  }

  initializerOf(name: string): ts.Expression | undefined {
    const binding = this.lookup(name);
    return binding && (binding.kind === 'const' || binding.kind === 'let' || binding.kind === 'var') ? binding.init : undefined;
  }

  isGlobal(name: string): boolean {
    return this.lookup(name) === undefined;
  }

  vigilImport(name: string): string | undefined {
    return this.lookup(name)?.vigil;
  }

  constantKey(expression: ts.Expression): string | undefined {
    if (isStringLiteralLike(expression)) return expression.text;
    if (isNumericLiteral(expression)) return undefined;
    const value = evaluate(expression, this);
    return typeof value === 'string' ? value : undefined;
  }

  // ── Declarations ──

  push(): Scope {
    this.scope = { parent: this.scope, names: new Map() };
    return this.scope;
  }

  pop(): void {
    this.scope = this.scope.parent!;
  }

  declare(scope: Scope, name: ts.BindingName, kind: BindingKind, init?: ts.Expression, vigil?: string): void {
    if (isIdentifier(name)) {
      const existing = scope.names.get(name.text);
      if (existing) {
        // JavaScript refuses a second declaration when either one is block-scoped.
        if (LEXICAL_KINDS.has(kind) || LEXICAL_KINDS.has(existing.kind)) {
          const later = existing.at.pos > name.pos ? existing.at : name;
          this.report('syntax', later, `\`${name.text}\` is already declared in this scope: rename one of the two (JavaScript refuses the redeclaration)`);
        }
        if (kind === 'var' || kind === 'function') return;
      }
      const binding: Binding = { kind, at: name };
      if (init) binding.init = init;
      if (vigil) binding.vigil = vigil;
      scope.names.set(name.text, binding);
      return;
    }
    for (const element of name.elements) {
      if (!isOmittedExpression(element)) this.declare(scope, element.name, kind);
    }
  }

  /** Block-scoped declarations of a statement list (let, const, class, function, enum, imports). */
  hoistLexical(statements: readonly ts.Statement[], scope: Scope): void {
    for (const statement of statements) {
      switch (statement.kind) {
        case SK.VariableStatement: {
          const list = (statement as ts.VariableStatement).declarationList;
          if (isAmbient(statement) || !(list.flags & NodeFlags.BlockScoped)) break;
          const kind = list.flags & NodeFlags.Const ? 'const' : 'let';
          for (const declaration of list.declarations) this.declare(scope, declaration.name, kind, declaration.initializer);
          break;
        }
        case SK.FunctionDeclaration: {
          const fn = statement as ts.FunctionDeclaration;
          if (fn.name && fn.body && !isAmbient(fn)) this.declare(scope, fn.name, 'function');
          break;
        }
        case SK.ClassDeclaration: {
          const cls = statement as ts.ClassDeclaration;
          if (cls.name && !isAmbient(cls)) this.declare(scope, cls.name, 'class');
          break;
        }
        case SK.EnumDeclaration: {
          const enumeration = statement as ts.EnumDeclaration;
          if (!isAmbient(enumeration)) this.declare(scope, enumeration.name, 'enum');
          break;
        }
        case SK.ImportDeclaration: {
          const clause = (statement as ts.ImportDeclaration).importClause;
          if (!clause || clause.isTypeOnly) break;
          const specifier = (statement as ts.ImportDeclaration).moduleSpecifier;
          const fromVigil = isStringLiteral(specifier) && specifier.text === 'vigil';
          if (clause.name) this.declare(scope, clause.name, 'import');
          const bindings = clause.namedBindings;
          if (bindings && isNamespaceImport(bindings)) this.declare(scope, bindings.name, 'import');
          else if (bindings) {
            for (const element of bindings.elements) {
              if (!element.isTypeOnly) {
                this.declare(scope, element.name, 'import', undefined, fromVigil ? (element.propertyName ?? element.name).text : undefined);
              }
            }
          }
          break;
        }
        case SK.ImportEqualsDeclaration: {
          const declaration = statement as ts.ImportEqualsDeclaration;
          if (!declaration.isTypeOnly) this.declare(scope, declaration.name, 'import');
          break;
        }
        default:
          break;
      }
    }
  }

  /** `var` declarations anywhere in a function body (not in nested functions). */
  hoistVar(node: ts.Node, scope: Scope): void {
    switch (node.kind) {
      case SK.VariableStatement:
        if (!isAmbient(node)) this.hoistVarList((node as ts.VariableStatement).declarationList, scope);
        return;
      case SK.ForStatement:
      case SK.ForInStatement:
      case SK.ForOfStatement: {
        const initializer = (node as ts.ForStatement | ts.ForInStatement | ts.ForOfStatement).initializer;
        if (initializer && isVariableDeclarationList(initializer)) this.hoistVarList(initializer, scope);
        this.hoistVar((node as ts.IterationStatement).statement, scope);
        return;
      }
      case SK.Block:
      case SK.IfStatement:
      case SK.WhileStatement:
      case SK.DoStatement:
      case SK.TryStatement:
      case SK.CatchClause:
      case SK.SwitchStatement:
      case SK.CaseBlock:
      case SK.CaseClause:
      case SK.DefaultClause:
      case SK.LabeledStatement:
      case SK.WithStatement:
        forEachChild(node, (child) => {
          if (isStatement(child) || isCatchClause(child) || isCaseBlock(child) || isCaseOrDefaultClause(child)) this.hoistVar(child, scope);
        });
        return;
      default:
        return;
    }
  }

  hoistVarList(list: ts.VariableDeclarationList, scope: Scope): void {
    if (list.flags & NodeFlags.BlockScoped) return;
    for (const declaration of list.declarations) this.declare(scope, declaration.name, 'var', declaration.initializer);
  }

  // ── Roles: ctx, ctx.secrets, ctx.log, ctx.secrets.get ──

  roleOf(expression: ts.Expression): Role | undefined {
    const node = strip(expression);
    if (isIdentifier(node)) return this.lookup(node.text)?.role;
    let object: ts.Expression;
    let name: string | undefined;
    if (isPropertyAccessExpression(node)) {
      object = node.expression;
      name = node.name.text;
    } else if (isElementAccessExpression(node)) {
      object = node.expression;
      name = this.constantKey(node.argumentExpression);
    } else {
      return undefined;
    }
    if (name === undefined) return undefined;
    return memberRole(this.roleOf(object), name);
  }

  assignRole(name: ts.BindingName, role: Role): void {
    if (isIdentifier(name)) {
      const binding = this.lookup(name.text);
      if (binding) binding.role = role;
      return;
    }
    if (!isObjectBindingPattern(name)) return;
    for (const element of name.elements) {
      const key = element.propertyName
        ? isComputedPropertyName(element.propertyName)
          ? this.constantKey(element.propertyName.expression)
          : propertyNameText(element.propertyName)
        : isIdentifier(element.name)
          ? element.name.text
          : undefined;
      const child = key === undefined ? undefined : memberRole(role, key);
      if (child) this.assignRole(element.name, child);
    }
  }

  // ── Secrets ──

  isTainted(expression: ts.Expression): boolean {
    const node = strip(expression);
    switch (node.kind) {
      case SK.Identifier:
        return this.lookup((node as ts.Identifier).text)?.secret === true;
      case SK.CallExpression: {
        const call = node as ts.CallExpression;
        const callee = strip(call.expression);
        if (this.roleOf(callee) === 'secretsGet') return true;
        if (isIdentifier(callee)) {
          const name = this.lookup(callee.text)?.vigil ?? (this.isGlobal(callee.text) ? callee.text : undefined);
          return name !== undefined && PASS_THROUGH_FUNCTIONS.has(name) && call.arguments.some((arg) => this.isTainted(arg));
        }
        if (isPropertyAccessExpression(callee) && PASS_THROUGH_METHODS.has(callee.name.text)) {
          return this.isTainted(callee.expression) || call.arguments.some((arg) => this.isTainted(arg));
        }
        return false;
      }
      case SK.TemplateExpression:
        return (node as ts.TemplateExpression).templateSpans.some((span) => this.isTainted(span.expression));
      case SK.BinaryExpression: {
        // Walk the left spine of long chains (a + b + c + …) with a loop, not recursion.
        let binary = node as ts.BinaryExpression;
        for (;;) {
          switch (binary.operatorToken.kind) {
            case SK.PlusToken:
            case SK.QuestionQuestionToken:
            case SK.BarBarToken:
            case SK.AmpersandAmpersandToken:
              if (this.isTainted(binary.right)) return true;
              break;
            case SK.EqualsToken:
            case SK.CommaToken:
              return this.isTainted(binary.right);
            default:
              return false;
          }
          const left = strip(binary.left);
          if (left.kind !== SK.BinaryExpression) return this.isTainted(left);
          binary = left as ts.BinaryExpression;
        }
      }
      case SK.ConditionalExpression:
        return this.isTainted((node as ts.ConditionalExpression).whenTrue) || this.isTainted((node as ts.ConditionalExpression).whenFalse);
      case SK.ObjectLiteralExpression:
        return (node as ts.ObjectLiteralExpression).properties.some((property) => {
          if (isPropertyAssignment(property)) return this.isTainted(property.initializer);
          if (isShorthandPropertyAssignment(property)) return this.lookup(property.name.text)?.secret === true;
          if (isSpreadAssignment(property)) return this.isTainted(property.expression);
          return false;
        });
      case SK.ArrayLiteralExpression:
        return (node as ts.ArrayLiteralExpression).elements.some((element) => this.isTainted(element));
      case SK.SpreadElement:
        return this.isTainted((node as ts.SpreadElement).expression);
      case SK.PropertyAccessExpression:
        return (node as ts.PropertyAccessExpression).name.text !== 'length' && this.isTainted((node as ts.PropertyAccessExpression).expression);
      case SK.ElementAccessExpression:
        return this.isTainted((node as ts.ElementAccessExpression).expression);
      default:
        return false;
    }
  }

  secretGet(call: ts.CallExpression): void {
    this.anySecret = true;
    const arg = call.arguments[0];
    if (!arg) {
      this.report('secret-name-literal', call, 'ctx.secrets.get needs the secret\'s name, e.g. ctx.secrets.get("API_TOKEN")');
      return;
    }
    const name = isStringLiteralLike(arg) ? arg.text : evaluate(arg, this);
    if (typeof name !== 'string') {
      this.report(
        'secret-name-literal',
        arg,
        'ctx.secrets.get needs the secret\'s name as a string literal, e.g. ctx.secrets.get("API_TOKEN"), so Vigil can check that the workflow declares it',
      );
      return;
    }
    const declared = this.options.declaredSecrets;
    // An unknown list (`vigil lint` without --secrets) cannot be checked against: nothing to say.
    if (declared !== undefined && !declared.includes(name)) {
      const suggestion = closest(name, declared);
      const listed = declared.length > 0 ? `declared: ${declared.join(', ')}` : 'none declared';
      this.report(
        'undeclared-secret',
        arg,
        `Secret "${name}" is not in this workflow's secrets list (${listed}): ${suggestion ? `did you mean "${suggestion}"? Otherwise add` : 'add'} "${name}" to the workflow's secrets`,
      );
    }
  }

  // ── Members and calls ──

  /** A read of `object.key` / `object[key]` with a statically known key. */
  member(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, key: string, keyNode: ts.Node, parent: ts.Node): void {
    if (key === 'constructor') {
      if (this.isConstructorAccess(node.expression)) return; // the chain is reported once, on its first link
      if (isHarmlessConstructorUse(node, parent)) return;
      this.report('no-function-constructor', keyNode, CONSTRUCTOR_MESSAGE);
    } else if (PROTO_KEYS.has(key)) {
      this.report('no-proto', keyNode, protoMessage(key));
    } else if (key === 'prepareStackTrace') {
      this.report('no-prepare-stack-trace', keyNode, PREPARE_STACK_MESSAGE);
    }
  }

  isConstructorAccess(expression: ts.Expression): boolean {
    const node = strip(expression);
    if (isPropertyAccessExpression(node)) return node.name.text === 'constructor';
    if (isElementAccessExpression(node)) return this.constantKey(node.argumentExpression) === 'constructor';
    return false;
  }

  /** A property key taken out by destructuring (`const { constructor } = x`). */
  destructuredKey(key: string, keyNode: ts.Node): void {
    if (key === 'constructor') {
      this.report('no-function-constructor', keyNode, 'Taking `constructor` out of an object can reach the Function constructor: use `typeof` or `instanceof` checks, or read `.constructor.name`');
    } else if (PROTO_KEYS.has(key)) {
      this.report('no-proto', keyNode, protoMessage(key));
    } else if (key === 'prepareStackTrace') {
      this.report('no-prepare-stack-trace', keyNode, PREPARE_STACK_MESSAGE);
    }
  }

  call(call: ts.CallExpression): void {
    const callee = strip(call.expression);
    if (!isPropertyAccessExpression(callee) && !isElementAccessExpression(callee) && !isIdentifier(callee)) return;
    if (this.roleOf(callee) === 'secretsGet') {
      this.secretGet(call);
      return;
    }
    if (!isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    if (LOG_LEVELS.has(method) && this.anySecret && this.roleOf(callee.expression) === 'log') {
      for (const arg of call.arguments) {
        if (this.isTainted(arg)) {
          this.report(
            'secret-in-log',
            arg,
            'This log entry includes a secret value (from ctx.secrets.get): log that the secret is set (e.g. { has_token: token !== null }), never the value',
          );
        }
      }
      return;
    }
    const target = callee.expression;
    if (!isIdentifier(target) || (target.text !== 'Reflect' && target.text !== 'Object') || !this.isGlobal(target.text)) return;
    const [first, second] = call.arguments;
    if (KEYED_CALLS.has(method) && second) {
      const key = this.constantKey(second);
      if (key === 'constructor') {
        this.report('no-function-constructor', second, `${target.text}.${method}(…, "constructor") can reach the Function constructor: use \`typeof\` or \`instanceof\` checks instead`);
      } else if (key !== undefined && PROTO_KEYS.has(key)) {
        this.report('no-proto', second, protoMessage(key));
      } else if (key === 'prepareStackTrace') {
        this.report('no-prepare-stack-trace', second, PREPARE_STACK_MESSAGE);
      }
    }
    if (method === 'setPrototypeOf' && first) {
      const what = this.builtinTarget(first);
      if (what) {
        this.report(
          'no-set-prototype',
          call,
          `${target.text}.setPrototypeOf on ${what} is not allowed in workflows: build a new object instead (Object.create(proto), spread or a class)`,
        );
      }
    }
  }

  /** Names the built-in (or ctx) that `expression` denotes, if it is one. */
  builtinTarget(expression: ts.Expression): string | undefined {
    const node = strip(expression);
    if (isIdentifier(node)) {
      const binding = this.lookup(node.text);
      if (binding === undefined) return BUILTINS.has(node.text) ? node.text : undefined;
      return binding.role ? node.text : undefined;
    }
    if (isPropertyAccessExpression(node) || isElementAccessExpression(node)) {
      if (isPropertyAccessExpression(node) && node.name.text === 'prototype') {
        const owner = this.builtinTarget(node.expression);
        return owner ? `${owner}.prototype` : undefined;
      }
      let root: ts.Expression = node;
      while (isPropertyAccessExpression(root) || isElementAccessExpression(root)) root = strip(root.expression);
      if (isIdentifier(root) && this.lookup(root.text)?.role) return node.getText(this.sf);
      return undefined;
    }
    if (isCallExpression(node)) {
      const callee = strip(node.expression);
      if (
        isPropertyAccessExpression(callee) &&
        callee.name.text === 'getPrototypeOf' &&
        isIdentifier(callee.expression) &&
        (callee.expression.text === 'Object' || callee.expression.text === 'Reflect') &&
        this.isGlobal(callee.expression.text)
      ) {
        return 'a prototype';
      }
    }
    return undefined;
  }

  // ── The walk ──

  /** The node whose children `visitChild` is walking (saves a closure per node). */
  parentNode: ts.Node | undefined;
  readonly visitChild = (child: ts.Node): undefined => {
    this.visit(child, this.parentNode!);
    return undefined;
  };

  visitChildren(node: ts.Node): void {
    const saved = this.parentNode;
    this.parentNode = node;
    forEachChild(node, this.visitChild);
    this.parentNode = saved;
  }

  visitStatements(statements: readonly ts.Statement[], parent: ts.Node): void {
    for (const statement of statements) this.visit(statement, parent);
  }

  visitPropertyName(name: ts.PropertyName | undefined, parent: ts.Node): void {
    if (name && isComputedPropertyName(name)) this.visit(name.expression, parent);
  }

  /** Default values, computed keys and dangerous keys of a binding pattern. */
  visitBinding(name: ts.BindingName): void {
    if (isIdentifier(name)) return;
    const isObject = isObjectBindingPattern(name);
    for (const element of name.elements) {
      if (isOmittedExpression(element)) continue;
      if (isObject && !element.dotDotDotToken) {
        let key: string | undefined;
        let keyNode: ts.Node = element.name;
        if (element.propertyName) {
          keyNode = element.propertyName;
          if (isComputedPropertyName(element.propertyName)) {
            this.visit(element.propertyName.expression, element);
            key = this.constantKey(element.propertyName.expression);
          } else {
            key = propertyNameText(element.propertyName);
          }
        } else if (isIdentifier(element.name)) {
          key = element.name.text;
        }
        if (key !== undefined) this.destructuredKey(key, keyNode);
      }
      if (element.initializer) this.visit(element.initializer, element);
      this.visitBinding(element.name);
    }
  }

  /** Keys of a destructuring assignment target: `({ constructor: c } = x)`. */
  visitAssignmentPattern(target: ts.Expression): void {
    const node = strip(target);
    if (isObjectLiteralExpression(node)) {
      for (const property of node.properties) {
        if (isPropertyAssignment(property)) {
          const key = isComputedPropertyName(property.name) ? this.constantKey(property.name.expression) : propertyNameText(property.name);
          if (key !== undefined) this.destructuredKey(key, property.name);
          this.visitAssignmentPattern(property.initializer);
        } else if (isShorthandPropertyAssignment(property)) {
          this.destructuredKey(property.name.text, property.name);
        }
      }
    } else if (isArrayLiteralExpression(node)) {
      for (const element of node.elements) this.visitAssignmentPattern(isSpreadElement(element) ? element.expression : element);
    } else if (isBinaryExpression(node) && node.operatorToken.kind === SK.EqualsToken) {
      this.visitAssignmentPattern(node.left);
    }
  }

  importDeclaration(declaration: ts.ImportDeclaration): void {
    const specifier = declaration.moduleSpecifier;
    if (!isStringLiteral(specifier)) return;
    if (specifier.text !== 'vigil') {
      this.report(
        'import-source',
        specifier,
        `Only "vigil" can be imported in workflows, not "${specifier.text}": use ctx.http for network calls and the helpers exported by "vigil" (sha256, hmac, base64Encode, hexEncode, uuid, URL, …)`,
      );
      return;
    }
    const clause = declaration.importClause;
    if (!clause) return;
    if (clause.name && !clause.isTypeOnly) {
      this.report('import-source', clause.name, '"vigil" has no default export: write `import { sha256 } from "vigil"` or `import * as vigil from "vigil"`');
    }
    const bindings = clause.namedBindings;
    if (!bindings || isNamespaceImport(bindings)) return;
    for (const element of bindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      // A type imported without `type` is harmless: the sandbox binds it to undefined.
      if (VIGIL_VALUE_EXPORTS.has(imported) || VIGIL_TYPE_EXPORTS.has(imported)) continue;
      this.report(
        'import-source',
        element.propertyName ?? element.name,
        `"vigil" has no export named "${imported}": it exports ${[...VIGIL_VALUE_EXPORTS].join(', ')} and the types of the workflow API (WorkflowContext, WorkflowResult, HttpResponse, …)`,
      );
    }
  }

  identifier(node: ts.Identifier): void {
    const refused = GLOBALS.get(node.text);
    if (refused && this.lookup(node.text) === undefined) this.report(refused.rule, node, refused.message);
  }

  fn(node: ts.FunctionLikeDeclaration, parent: ts.Node): void {
    if (!node.body) return;
    this.visitDecorators(node);
    if (isMethodDeclaration(node) || isGetAccessorDeclaration(node) || isSetAccessorDeclaration(node)) this.visitPropertyName(node.name, parent);
    const scope = this.push();
    if (isFunctionExpression(node) && node.name) this.declare(scope, node.name, 'function');
    const isRun = node === this.run.fn;
    for (const parameter of node.parameters) this.declare(scope, parameter.name, 'param');
    node.parameters.forEach((parameter, index) => {
      const ctxLike =
        (isRun && index === 0) ||
        (isIdentifier(parameter.name) && parameter.name.text === 'ctx') ||
        isWorkflowContextType(parameter.type);
      if (ctxLike) this.assignRole(parameter.name, 'ctx');
    });
    const body = node.body;
    if (isBlock(body)) {
      for (const statement of body.statements) this.hoistVar(statement, scope);
      this.hoistLexical(body.statements, scope);
    }
    if (node.kind === SK.Constructor) {
      for (const parameter of node.parameters) {
        if (parameter.modifiers?.some((modifier) => PARAMETER_PROPERTY_MODIFIERS.has(modifier.kind))) {
          this.report(
            'erasable-syntax',
            parameter,
            'Parameter properties (`constructor(private x: T)`) are TypeScript-only syntax that workflows cannot run: declare the field and assign it in the constructor',
          );
        }
      }
    }
    const outerFn = this.currentFn;
    this.currentFn = node;
    for (const parameter of node.parameters) {
      this.visitDecorators(parameter);
      this.visitBinding(parameter.name);
      if (parameter.initializer) this.visit(parameter.initializer, parameter);
    }
    if (isBlock(body)) this.visitStatements(body.statements, body);
    else this.visit(body, node);
    this.currentFn = outerFn;
    this.pop();
    if (isRun && isBlock(body) && !this.hasSyntaxErrors && listCompletes(body.statements)) {
      this.report(
        'run-returns-result',
        this.run.name ?? node,
        '`run` can finish without returning a result: end every path with `return ctx.ok(…)` or `return ctx.fail(…)`',
      );
    }
  }

  /** Decorators live among a declaration's modifiers. */
  visitDecorators(node: ts.Node): void {
    const modifiers = (node as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers;
    if (modifiers) for (const modifier of modifiers) if (modifier.kind === SK.Decorator) this.visit(modifier, node);
  }

  cls(node: ts.ClassLikeDeclaration): void {
    this.visitDecorators(node);
    const named = isClassExpression(node) && node.name !== undefined;
    if (named) this.declare(this.push(), node.name!, 'class');
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token === SK.ExtendsKeyword) for (const type of clause.types) this.visit(type.expression, type);
    }
    for (const member of node.members) this.visit(member, node);
    if (named) this.pop();
  }

  block(statements: readonly ts.Statement[], node: ts.Node): void {
    this.hoistLexical(statements, this.push());
    this.visitStatements(statements, node);
    this.pop();
  }

  visit(node: ts.Node, parent: ts.Node): void {
    const kind = node.kind;
    switch (DISPATCH[kind]) {
      case V_IDENTIFIER:
        this.identifier(node as ts.Identifier);
        return;

      case V_IMPORT:
        this.importDeclaration(node as ts.ImportDeclaration);
        return;
      case V_IMPORT_EQUALS: {
        const declaration = node as ts.ImportEqualsDeclaration;
        if (declaration.isTypeOnly) return;
        if (isExternalModuleReference(declaration.moduleReference)) {
          this.report('no-require', declaration.moduleReference, '`import … = require(…)` is not available in workflows: use `import { … } from "vigil"` for helpers and ctx.http for network calls');
        } else {
          this.report('erasable-syntax', declaration, '`import x = Namespace.member` is TypeScript-only syntax that workflows cannot run: use `const x = Namespace.member`');
        }
        return;
      }
      case V_EXPORT: {
        const declaration = node as ts.ExportDeclaration;
        const specifier = declaration.moduleSpecifier;
        if (!specifier || !isStringLiteral(specifier)) return;
        if (!declaration.isTypeOnly || specifier.text !== 'vigil') {
          this.report(
            'import-source',
            declaration,
            `Workflows cannot re-export (\`export … from "${specifier.text}"\`): import what you need from "vigil" and export only \`run\``,
          );
        }
        return;
      }

      case V_BLOCK:
        this.block((node as ts.Block).statements, node);
        return;
      case V_CASE_BLOCK: {
        const scope = this.push();
        for (const clause of (node as ts.CaseBlock).clauses) this.hoistLexical(clause.statements, scope);
        this.visitChildren(node);
        this.pop();
        return;
      }
      case V_FOR: {
        const initializer = (node as ts.ForStatement).initializer;
        const scope = this.push();
        if (initializer && isVariableDeclarationList(initializer) && initializer.flags & NodeFlags.BlockScoped) {
          const declKind = initializer.flags & NodeFlags.Const ? 'const' : 'let';
          for (const declaration of initializer.declarations) this.declare(scope, declaration.name, declKind, kind === SK.ForStatement ? declaration.initializer : undefined);
        } else if (initializer && kind !== SK.ForStatement && !isVariableDeclarationList(initializer)) {
          this.visitAssignmentPattern(initializer as ts.Expression);
        }
        this.visitChildren(node);
        this.pop();
        return;
      }
      case V_CATCH: {
        const clause = node as ts.CatchClause;
        const scope = this.push();
        if (clause.variableDeclaration) {
          this.declare(scope, clause.variableDeclaration.name, 'catch');
          this.visitBinding(clause.variableDeclaration.name);
        }
        this.visit(clause.block, clause);
        this.pop();
        return;
      }

      case V_FUNCTION_DECLARATION:
        if (!isAmbient(node)) this.fn(node as ts.FunctionDeclaration, parent);
        return;
      case V_FUNCTION:
        this.fn(node as ts.FunctionLikeDeclaration, parent);
        return;
      case V_CLASS:
        if (!isAmbient(node)) this.cls(node as ts.ClassLikeDeclaration);
        return;
      case V_PROPERTY_DECLARATION: {
        const property = node as ts.PropertyDeclaration;
        if (isAmbient(property)) return;
        this.visitDecorators(property);
        this.visitPropertyName(property.name, property);
        if (property.initializer) this.visit(property.initializer, property);
        return;
      }
      case V_ENUM:
        if (isAmbient(node)) return;
        this.report(
          'erasable-syntax',
          (node as ts.EnumDeclaration).name,
          '`enum` is TypeScript-only syntax that workflows cannot run: use a union of string literals (type Level = "low" | "high") or a const object',
        );
        for (const member of (node as ts.EnumDeclaration).members) if (member.initializer) this.visit(member.initializer, member);
        return;
      case V_MODULE: {
        const declaration = node as ts.ModuleDeclaration;
        if (isAmbient(declaration) || !declaration.body) return;
        if (!isTypeOnlyNamespace(declaration)) {
          this.report(
            'erasable-syntax',
            declaration.name,
            'A namespace with values is TypeScript-only syntax that workflows cannot run: use plain functions and objects (const helpers = { … })',
          );
        }
        this.visit(declaration.body, declaration);
        return;
      }
      case V_VARIABLE_STATEMENT:
        if (!isAmbient(node)) this.visit((node as ts.VariableStatement).declarationList, node);
        return;
      case V_VARIABLE: {
        const declaration = node as ts.VariableDeclaration;
        this.visitBinding(declaration.name);
        const init = declaration.initializer;
        if (!init) return;
        this.visit(init, declaration);
        const role = this.roleOf(init);
        if (role) this.assignRole(declaration.name, role);
        if (this.anySecret && isIdentifier(declaration.name) && this.isTainted(init)) {
          const binding = this.lookup(declaration.name.text);
          if (binding) binding.secret = true;
        }
        return;
      }
      case V_PARAMETER:
        this.visitBinding((node as ts.ParameterDeclaration).name);
        if ((node as ts.ParameterDeclaration).initializer) this.visit((node as ts.ParameterDeclaration).initializer!, node);
        return;

      case V_PROPERTY_ACCESS: {
        const access = node as ts.PropertyAccessExpression;
        this.visit(access.expression, access);
        this.member(access, access.name.text, access.name, parent);
        return;
      }
      case V_ELEMENT_ACCESS: {
        const access = node as ts.ElementAccessExpression;
        this.visit(access.expression, access);
        this.visit(access.argumentExpression, access);
        const key = this.constantKey(access.argumentExpression);
        if (key !== undefined) this.member(access, key, access.argumentExpression, parent);
        return;
      }
      case V_CALL: {
        const call = node as ts.CallExpression;
        if (call.expression.kind === SK.ImportKeyword) {
          this.report('no-dynamic-import', call, 'Dynamic `import()` is not available in workflows: import helpers from "vigil" at the top of the file');
          for (const arg of call.arguments) this.visit(arg, call);
          return;
        }
        this.visitChildren(call);
        this.call(call);
        return;
      }
      case V_META_PROPERTY:
        if ((node as ts.MetaProperty).keywordToken === SK.ImportKeyword) {
          this.report('no-import-meta', node, '`import.meta` does not exist in workflows: use ctx.run for facts about the run (id, workflow, version, test)');
        }
        return;
      case V_PROPERTY_ASSIGNMENT: {
        const property = node as ts.PropertyAssignment;
        if (isComputedPropertyName(property.name)) this.visit(property.name.expression, property);
        else if (propertyNameText(property.name) === '__proto__') this.report('no-proto', property.name, protoMessage('__proto__'));
        this.visit(property.initializer, property);
        return;
      }
      case V_SHORTHAND: {
        const property = node as ts.ShorthandPropertyAssignment;
        this.identifier(property.name);
        if (property.objectAssignmentInitializer) this.visit(property.objectAssignmentInitializer, property);
        return;
      }
      case V_BINARY: {
        const binary = node as ts.BinaryExpression;
        if (binary.operatorToken.kind === SK.EqualsToken) {
          const left = strip(binary.left);
          if (isObjectLiteralExpression(left) || isArrayLiteralExpression(left)) this.visitAssignmentPattern(left);
          this.visit(binary.left, binary);
          this.visit(binary.right, binary);
          if (this.anySecret && isIdentifier(left) && this.isTainted(binary.right)) {
            const binding = this.lookup(left.text);
            if (binding) binding.secret = true;
          }
          return;
        }
        // Long chains (a + b + c + …, a || b || …) are left-deep: walk them with a loop, not recursion.
        const rights: ts.BinaryExpression[] = [binary];
        let leftmost = binary.left;
        while (leftmost.kind === SK.BinaryExpression && (leftmost as ts.BinaryExpression).operatorToken.kind !== SK.EqualsToken) {
          rights.push(leftmost as ts.BinaryExpression);
          leftmost = (leftmost as ts.BinaryExpression).left;
        }
        this.visit(leftmost, rights[rights.length - 1]!);
        for (let i = rights.length - 1; i >= 0; i--) this.visit(rights[i]!.right, rights[i]!);
        return;
      }
      case V_WITH:
        this.report(
          'no-with',
          { start: node.getStart(this.sf), end: node.getStart(this.sf) + 4 },
          'The `with` statement is not allowed in workflows: name the object (ctx.indicator.value) or destructure what you need (const { value } = ctx.indicator)',
        );
        this.visitChildren(node);
        return;
      case V_RETURN: {
        const statement = node as ts.ReturnStatement;
        if (this.currentFn !== undefined && this.currentFn === this.run.fn && isEmptyResult(statement.expression)) {
          this.report('run-returns-result', statement, 'This `return` gives no result: return ctx.ok(…) or ctx.fail(…) so the run history says what happened');
        }
        if (statement.expression) this.visit(statement.expression, statement);
        return;
      }
      case V_LABELED:
        this.visit((node as ts.LabeledStatement).statement, node);
        return;
      case V_EXPORT_ASSIGNMENT:
        if ((node as ts.ExportAssignment).isExportEquals) {
          this.report('erasable-syntax', node, '`export =` is TypeScript-only syntax that workflows cannot run: write `export async function run(ctx)`');
        }
        this.visit((node as ts.ExportAssignment).expression, node);
        return;
      case V_TYPE_ASSERTION:
        this.report('erasable-syntax', node, 'The `<T>value` type assertion cannot be stripped from a workflow: write `value as T`');
        this.visit((node as ts.TypeAssertion).expression, node);
        return;
      case V_DECORATOR:
        this.report('erasable-syntax', node, 'Decorators are not supported in workflows: call the function directly');
        this.visit((node as ts.Decorator).expression, node);
        return;
      case SKIP:
        return;
      default:
        this.visitChildren(node);
    }
  }

  // ── The entry point ──

  findRun(): void {
    const sf = this.sf;
    let declared: { fn: ts.FunctionLikeDeclaration | undefined; name: ts.Node; exported: boolean } | undefined;
    let exportedAs: { local: string; node: ts.Node } | undefined;
    const defaultExports: ts.Node[] = [];
    const locals = new Map<string, { fn: ts.FunctionLikeDeclaration | undefined; name: ts.Node }>();
    for (const statement of sf.statements) {
      if (isFunctionDeclaration(statement) && statement.body) {
        const exported = hasModifier(statement, SK.ExportKeyword);
        if (exported && hasModifier(statement, SK.DefaultKeyword)) {
          defaultExports.push(statement.name ?? statement);
          continue;
        }
        if (!statement.name) continue;
        locals.set(statement.name.text, { fn: statement, name: statement.name });
        if (statement.name.text === 'run') declared = { fn: statement, name: statement.name, exported };
      } else if (isVariableStatement(statement) && !isAmbient(statement)) {
        const exported = hasModifier(statement, SK.ExportKeyword);
        for (const declaration of statement.declarationList.declarations) {
          if (!isIdentifier(declaration.name)) continue;
          const init = declaration.initializer ? strip(declaration.initializer) : undefined;
          const fn = init && (isArrowFunction(init) || isFunctionExpression(init)) ? init : undefined;
          locals.set(declaration.name.text, { fn, name: declaration.name });
          if (declaration.name.text === 'run') declared = { fn, name: declaration.name, exported };
        }
      } else if (isExportDeclaration(statement) && !statement.moduleSpecifier && !statement.isTypeOnly && statement.exportClause && isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) {
          if (element.name.text === 'run' && !element.isTypeOnly) exportedAs = { local: (element.propertyName ?? element.name).text, node: element };
        }
      } else if (isExportAssignment(statement) && !statement.isExportEquals) {
        defaultExports.push(statement);
      } else if (isClassDeclaration(statement) && hasModifier(statement, SK.ExportKeyword) && hasModifier(statement, SK.DefaultKeyword)) {
        defaultExports.push(statement.name ?? statement);
      }
    }

    for (const node of defaultExports) {
      this.report('run-export', node, 'Workflows export only `run`, by name: write `export async function run(ctx)` instead of `export default`');
    }
    let entry: { fn: ts.FunctionLikeDeclaration | undefined; name: ts.Node } | undefined;
    if (declared?.exported) entry = declared;
    else if (exportedAs) {
      const local = locals.get(exportedAs.local);
      entry = local ? { fn: local.fn, name: local.name } : { fn: undefined, name: exportedAs.node };
    }
    if (!entry) {
      if (declared) {
        this.report('run-export', declared.name, '`run` is not exported: write `export async function run(ctx)` so Vigil can call it');
      } else if (defaultExports.length === 0) {
        const firstLine = sf.text.split(/\r?\n/, 1)[0] ?? '';
        this.report('run-export', { start: 0, end: firstLine.length }, `A workflow must export its entry point: add ${RUN_TEMPLATE}`);
      }
      return;
    }
    this.run = { fn: entry.fn, name: entry.name };
    const fn = entry.fn;
    if (!fn) {
      this.report('run-export', entry.name, '`run` must be an async function declared in this file: write `export async function run(ctx)`');
    } else if (fn.asteriskToken) {
      this.report('run-export', entry.name, '`run` must be a plain async function, not a generator: write `export async function run(ctx)`');
    } else if (!hasModifier(fn, SK.AsyncKeyword)) {
      this.report('run-export', entry.name, '`run` must be async: write `export async function run(ctx)` and `await` the calls inside');
    }
  }

  lint(): void {
    const diagnostics = (this.sf as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
    for (const diagnostic of diagnostics) {
      const start = diagnostic.start;
      const end = diagnostic.length > 0 ? start + diagnostic.length : Math.min(start + 1, this.sf.text.length);
      this.problems.push({
        rule: 'syntax',
        severity: 'error',
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
        start,
        end: Math.max(start, end),
      });
    }
    this.hasSyntaxErrors = diagnostics.length > 0;
    this.findRun();
    const scope = this.scope;
    for (const statement of this.sf.statements) this.hoistVar(statement, scope);
    this.hoistLexical(this.sf.statements, scope);
    this.visitStatements(this.sf.statements, this.sf);
  }
}

/** A namespace that holds only types (erased by the type stripper, so it is allowed). */
function isTypeOnlyNamespace(declaration: ts.ModuleDeclaration): boolean {
  if (!(declaration.flags & NodeFlags.Namespace) || !isIdentifier(declaration.name)) return false; // `module X {}` or `module "x"`
  const body = declaration.body;
  if (!body) return true;
  if (body.kind === SK.ModuleDeclaration) return isTypeOnlyNamespace(body as ts.ModuleDeclaration);
  return (body as ts.ModuleBlock).statements.every(
    (statement) =>
      statement.kind === SK.InterfaceDeclaration ||
      statement.kind === SK.TypeAliasDeclaration ||
      isAmbient(statement) ||
      (statement.kind === SK.ModuleDeclaration && isTypeOnlyNamespace(statement as ts.ModuleDeclaration)),
  );
}

function memberRole(base: Role | undefined, name: string): Role | undefined {
  if (base === 'ctx') return name === 'secrets' ? 'secrets' : name === 'log' ? 'log' : undefined;
  if (base === 'secrets' && name === 'get') return 'secretsGet';
  return undefined;
}

/** `x.constructor.name`, `a.constructor === b.constructor`, `x instanceof y.constructor`. */
function isHarmlessConstructorUse(node: ts.Expression, parent: ts.Node): boolean {
  if (isPropertyAccessExpression(parent) && parent.expression === node) return parent.name.text === 'name';
  if (isBinaryExpression(parent)) {
    switch (parent.operatorToken.kind) {
      case SK.EqualsEqualsEqualsToken:
      case SK.ExclamationEqualsEqualsToken:
      case SK.EqualsEqualsToken:
      case SK.ExclamationEqualsToken:
        return true;
      case SK.InstanceOfKeyword:
        return parent.right === node;
      default:
        return false;
    }
  }
  return false;
}

function isEmptyResult(expression: ts.Expression | undefined): boolean {
  if (expression === undefined) return true;
  const node = strip(expression);
  return (
    node.kind === SK.NullKeyword ||
    isVoidExpression(node) ||
    (isIdentifier(node) && node.text === 'undefined')
  );
}

/**
 * Lints a workflow's TypeScript source. Returns every problem found, sorted by position; errors
 * make the sandbox refuse the code (or are certain to fail at run time), warnings do not block.
 */
export function lintWorkflow(code: string, options: LintOptions = {}): LintProblem[] {
  try {
    return lintSource(code, options);
  } catch (error) {
    // Thousands of nested parentheses, calls or blocks exhaust the stack of the parser or the walk.
    if (!(error instanceof RangeError)) throw error;
    return [
      {
        rule: 'syntax',
        severity: 'error',
        message: 'The code is nested too deeply to be checked: split long chains of calls, deeply nested expressions or blocks into smaller pieces',
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
      },
    ];
  }
}

function lintSource(code: string, options: LintOptions): LintProblem[] {
  const sf = ts.createSourceFile(
    'workflow.ts',
    code,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    false,
    ts.ScriptKind.TS,
  );
  const tooDeep = nestedTooDeeply(sf);
  if (tooDeep) {
    // The rest of the lint walks the tree recursively; the nesting is what to fix first.
    const start = tooDeep.getStart(sf);
    const message = `The code is nested more than ${MAX_NESTING} levels deep here, deeper than the sandbox can compile: split deeply nested expressions, functions or blocks, or very long chains of calls or operators, into smaller pieces`;
    return finish(sf, [{ rule: 'syntax', severity: 'error', message, start, end: Math.min(tooDeep.end, start + 1) }]);
  }
  const linter = new Linter(sf, options);
  linter.lint();
  return finish(sf, linter.problems);
}

function finish(sf: ts.SourceFile, found: RawProblem[]): LintProblem[] {
  const raw = found.sort((a, b) => a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const problems: LintProblem[] = [];
  let previous: RawProblem | undefined;
  for (const problem of raw) {
    if (previous && previous.start === problem.start && previous.end === problem.end && previous.rule === problem.rule && previous.message === problem.message) continue;
    previous = problem;
    const start = sf.getLineAndCharacterOfPosition(problem.start);
    const end = sf.getLineAndCharacterOfPosition(problem.end);
    problems.push({
      rule: problem.rule,
      severity: problem.severity,
      message: problem.message,
      line: start.line + 1,
      column: start.character + 1,
      endLine: end.line + 1,
      endColumn: end.character + 1,
    });
  }
  return problems;
}
