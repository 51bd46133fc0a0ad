// How deeply a workflow nests, measured the way compiling it pays for it. Node's type stripper
// (swc built to wasm) recurses once per level of nesting and traps on its thread's stack: on the
// sandbox process's main thread at ~730 nested arrow functions, ~780 parentheses, ~1,000 generics
// or `new`, ~1,450 blocks (design-decisions.md § Sandbox compile thread). Chains cost it less per
// link: ~2,700 `.b()` calls, ~3,500 `?.b`, ~3,700 `a = a = …`, ~4,100 ternaries, ~6,500 `+`.
// Two more walks recurse on chains: this linter's own, which on a 1 MB stack overflowed at ~1,500
// chained calls or ternaries, and QuickJS's parser, which at a run's default stack limit (256 KB)
// compiles 1,500 `else if` but not 2,000. The linter refuses code past a limit below all of
// these, so that code it accepts compiles and runs (test/sandbox/nesting.test.ts).
import ts from 'typescript';

const { SyntaxKind: SK, forEachChild } = ts;

/** The deepest nesting accepted, in levels of parentheses, functions, blocks or literals. */
export const MAX_NESTING = 500;

/** A level costs two; a link of a chain costs one, so a chain may be 1,000 links long. */
const LEVEL = 2;
const CHAIN_LINK = 1;

function isChainLink(parent: ts.Node, child: ts.Node): boolean {
  switch (parent.kind) {
    case SK.BinaryExpression:
      return child.kind === SK.BinaryExpression;
    case SK.ConditionalExpression:
      return child.kind === SK.ConditionalExpression;
    case SK.PropertyAccessExpression:
    case SK.ElementAccessExpression:
    case SK.CallExpression:
    case SK.NonNullExpression:
      return child === (parent as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression | ts.NonNullExpression).expression;
    case SK.IfStatement:
      return child === (parent as ts.IfStatement).elseStatement && child.kind === SK.IfStatement;
    default:
      return false;
  }
}

/**
 * The first node (in source order) nested past MAX_NESTING, or undefined when none is. Walks with
 * its own stack, so any depth the parser could build is measured without exhausting the caller's.
 */
export function nestedTooDeeply(sf: ts.SourceFile): ts.Node | undefined {
  const limit = MAX_NESTING * LEVEL;
  const pending: Array<{ node: ts.Node; depth: number }> = [{ node: sf, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth } = next;
    if (depth > limit) return node;
    const children: Array<{ node: ts.Node; depth: number }> = [];
    forEachChild(node, (child) => {
      children.push({ node: child, depth: depth + (isChainLink(node, child) ? CHAIN_LINK : LEVEL) });
    });
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return undefined;
}
