// Static evaluation of the string expressions that obfuscated property keys are made of:
// `"constr" + "uctor"`, `` `constr${"uctor"}` ``, `["con", "structor"].join("")`, a `const` holding
// one, `String.fromCharCode(...)`, `base64Decode("...")`. Anything else is "not constant".
import ts from 'typescript';

// `typescript` exposes its API as getters on a dictionary-mode object: bind what the walk uses once.
const {
  SyntaxKind: SK, isAsExpression, isIdentifier, isNonNullExpression, isParenthesizedExpression,
  isPropertyAccessExpression, isSatisfiesExpression, isSpreadElement, isTypeAssertionExpression,
} = ts;

export type ConstValue = string | number | boolean | ConstValue[];

/** How the evaluator sees names: the linter's scope lookup. */
export interface ConstScope {
  /** The initializer of a variable declared with a plain identifier, if `name` resolves to one. */
  initializerOf(name: string, at: ts.Node): ts.Expression | undefined;
  /** Whether `name` resolves to nothing declared in the file (a global). */
  isGlobal(name: string, at: ts.Node): boolean;
  /** The name a "vigil" import binds, e.g. `base64Decode` for `import { base64Decode as b }`. */
  vigilImport(name: string, at: ts.Node): string | undefined;
}

const MAX_DEPTH = 24;
const MAX_LENGTH = 4096;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeBase64(input: string): string | undefined {
  const clean = input.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const char of clean) {
    const index = B64.indexOf(char);
    if (index < 0) return undefined;
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  // Latin-1 bytes → UTF-8 text; property names of interest are ASCII anyway.
  try {
    return decodeURIComponent(escapeBytes(out));
  } catch {
    return out;
  }
}

function escapeBytes(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += `%${bytes.charCodeAt(i).toString(16).padStart(2, '0')}`;
  return out;
}

function strip(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (
      isParenthesizedExpression(current) ||
      isAsExpression(current) ||
      isNonNullExpression(current) ||
      isSatisfiesExpression(current) ||
      isTypeAssertionExpression(current)
    ) {
      current = current.expression;
    } else {
      return current;
    }
  }
}

function asString(value: ConstValue): string {
  return Array.isArray(value) ? value.map(asString).join(',') : String(value);
}

function bounded(value: string): string | undefined {
  return value.length > MAX_LENGTH ? undefined : value;
}

/** The value of `node` when it is statically known, else `undefined`. */
export function evaluate(node: ts.Expression, scope: ConstScope, depth = 0): ConstValue | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const expr = strip(node);
  switch (expr.kind) {
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return (expr as ts.StringLiteralLike).text;
    case SK.NumericLiteral:
      return Number((expr as ts.NumericLiteral).text);
    case SK.TrueKeyword:
      return true;
    case SK.FalseKeyword:
      return false;
    case SK.TemplateExpression: {
      const template = expr as ts.TemplateExpression;
      let out = template.head.text;
      for (const span of template.templateSpans) {
        const value = evaluate(span.expression, scope, depth + 1);
        if (value === undefined) return undefined;
        out += asString(value) + span.literal.text;
      }
      return bounded(out);
    }
    case SK.BinaryExpression: {
      const binary = expr as ts.BinaryExpression;
      if (binary.operatorToken.kind !== SK.PlusToken) return undefined;
      const left = evaluate(binary.left, scope, depth + 1);
      if (left === undefined) return undefined;
      const right = evaluate(binary.right, scope, depth + 1);
      if (right === undefined) return undefined;
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      return bounded(asString(left) + asString(right));
    }
    case SK.ArrayLiteralExpression: {
      const out: ConstValue[] = [];
      for (const element of (expr as ts.ArrayLiteralExpression).elements) {
        if (isSpreadElement(element)) {
          const spread = evaluate(element.expression, scope, depth + 1);
          if (spread === undefined) return undefined;
          if (Array.isArray(spread)) out.push(...spread);
          else if (typeof spread === 'string') out.push(...spread);
          else return undefined;
        } else {
          const value = evaluate(element, scope, depth + 1);
          if (value === undefined) return undefined;
          out.push(value);
        }
        if (out.length > MAX_LENGTH) return undefined;
      }
      return out;
    }
    case SK.Identifier: {
      const init = scope.initializerOf((expr as ts.Identifier).text, expr);
      return init ? evaluate(init, scope, depth + 1) : undefined;
    }
    case SK.ElementAccessExpression: {
      const access = expr as ts.ElementAccessExpression;
      const target = evaluate(access.expression, scope, depth + 1);
      const index = evaluate(access.argumentExpression, scope, depth + 1);
      if (target === undefined || typeof index !== 'number') return undefined;
      if (typeof target === 'string') return target.charAt(index) || undefined;
      return Array.isArray(target) ? target[index] : undefined;
    }
    case SK.CallExpression:
      return evaluateCall(expr as ts.CallExpression, scope, depth);
    default:
      return undefined;
  }
}

function evaluateArgs(call: ts.CallExpression, scope: ConstScope, depth: number): ConstValue[] | undefined {
  const out: ConstValue[] = [];
  for (const arg of call.arguments) {
    const value = evaluate(arg, scope, depth + 1);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

function evaluateCall(call: ts.CallExpression, scope: ConstScope, depth: number): ConstValue | undefined {
  const callee = strip(call.expression);
  if (isIdentifier(callee)) {
    const args = evaluateArgs(call, scope, depth);
    if (!args) return undefined;
    const first = args[0];
    const name = callee.text;
    const vigil = scope.vigilImport(name, callee);
    if (vigil === 'base64Decode' && typeof first === 'string') return decodeBase64(first);
    if (!scope.isGlobal(name, callee)) return undefined;
    if (name === 'String') return first === undefined ? '' : bounded(asString(first));
    if (name === 'atob' && typeof first === 'string') return decodeBase64(first);
    if ((name === 'decodeURIComponent' || name === 'decodeURI') && typeof first === 'string') {
      try {
        return decodeURIComponent(first);
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (!isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const args = evaluateArgs(call, scope, depth);
  if (!args) return undefined;
  const target = strip(callee.expression);
  if (isIdentifier(target) && target.text === 'String' && scope.isGlobal('String', target)) {
    if ((method === 'fromCharCode' || method === 'fromCodePoint') && args.every((arg) => typeof arg === 'number')) {
      try {
        return bounded(method === 'fromCharCode' ? String.fromCharCode(...(args as number[])) : String.fromCodePoint(...(args as number[])));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  const self = evaluate(target, scope, depth + 1);
  if (self === undefined) return undefined;
  const [a, b] = args;
  if (typeof self === 'string') {
    switch (method) {
      case 'toLowerCase':
      case 'toLocaleLowerCase':
        return self.toLowerCase();
      case 'toUpperCase':
      case 'toLocaleUpperCase':
        return self.toUpperCase();
      case 'trim':
        return self.trim();
      case 'trimStart':
        return self.trimStart();
      case 'trimEnd':
        return self.trimEnd();
      case 'toString':
      case 'valueOf':
      case 'normalize':
        return self;
      case 'concat':
        return bounded(self + args.map(asString).join(''));
      case 'slice':
        return self.slice(typeof a === 'number' ? a : undefined, typeof b === 'number' ? b : undefined);
      case 'substring':
        return self.substring(typeof a === 'number' ? a : 0, typeof b === 'number' ? b : undefined);
      case 'charAt':
        return self.charAt(typeof a === 'number' ? a : 0);
      case 'at':
        return typeof a === 'number' ? self.at(a) : undefined;
      case 'repeat':
        return typeof a === 'number' && a >= 0 && a * self.length <= MAX_LENGTH ? self.repeat(a) : undefined;
      case 'replace':
        return typeof a === 'string' && typeof b === 'string' ? bounded(self.replace(a, () => b)) : undefined;
      case 'replaceAll':
        return typeof a === 'string' && typeof b === 'string' ? bounded(self.split(a).join(b)) : undefined;
      case 'split':
        return typeof a === 'string' ? self.split(a) : undefined;
      default:
        return undefined;
    }
  }
  if (Array.isArray(self)) {
    switch (method) {
      case 'join':
        return bounded(self.map(asString).join(a === undefined ? ',' : asString(a)));
      case 'reverse':
      case 'toReversed':
        return [...self].reverse();
      case 'slice':
        return self.slice(typeof a === 'number' ? a : undefined, typeof b === 'number' ? b : undefined);
      case 'concat':
        return self.concat(...args);
      case 'at':
        return typeof a === 'number' ? self.at(a) : undefined;
      case 'toString':
        return bounded(self.map(asString).join(','));
      default:
        return undefined;
    }
  }
  return undefined;
}
