// "Can control fall off the end?" for a function body, without a type checker: a conservative
// completion analysis over statements. Calls are assumed to return (a helper that always throws
// is not known), so the answer errs towards "yes, it can fall off" (a warning, never an error).
import ts from 'typescript';

// `typescript` exposes its API as getters on a dictionary-mode object: bind what the walk uses once.
const {
  SyntaxKind: SK, forEachChild, isBreakStatement, isClassLike, isContinueStatement, isFunctionLike,
  isIterationStatement, isNumericLiteral, isParenthesizedExpression, isSwitchStatement,
} = ts;

/** Whether running `statements` in order can finish normally (reach the end of the list). */
export function listCompletes(statements: readonly ts.Statement[]): boolean {
  for (const statement of statements) {
    if (!completes(statement)) return false;
  }
  return true;
}

function isAlwaysTrue(expression: ts.Expression | undefined): boolean {
  if (expression === undefined) return true;
  let node = expression;
  while (isParenthesizedExpression(node)) node = node.expression;
  if (node.kind === SK.TrueKeyword) return true;
  if (isNumericLiteral(node)) return Number(node.text) !== 0;
  return false;
}

function completes(statement: ts.Statement): boolean {
  switch (statement.kind) {
    case SK.ReturnStatement:
    case SK.ThrowStatement:
    case SK.BreakStatement:
    case SK.ContinueStatement:
      return false;
    case SK.Block:
      return listCompletes((statement as ts.Block).statements);
    case SK.IfStatement: {
      const node = statement as ts.IfStatement;
      if (!node.elseStatement) return true;
      return completes(node.thenStatement) || completes(node.elseStatement);
    }
    case SK.TryStatement: {
      const node = statement as ts.TryStatement;
      if (node.finallyBlock && !completes(node.finallyBlock)) return false;
      if (completes(node.tryBlock)) return true;
      return node.catchClause ? completes(node.catchClause.block) : false;
    }
    case SK.WhileStatement: {
      const node = statement as ts.WhileStatement;
      return !isAlwaysTrue(node.expression) || breaksOut(node.statement, undefined);
    }
    case SK.ForStatement: {
      const node = statement as ts.ForStatement;
      return !isAlwaysTrue(node.condition) || breaksOut(node.statement, undefined);
    }
    case SK.DoStatement: {
      const node = statement as ts.DoStatement;
      if (breaksOut(node.statement, undefined)) return true;
      if (isAlwaysTrue(node.expression)) return false;
      // The condition is reached if the body completes or continues.
      return completes(node.statement) || continues(node.statement);
    }
    case SK.SwitchStatement: {
      const node = statement as ts.SwitchStatement;
      const clauses = node.caseBlock.clauses;
      if (!clauses.some((clause) => clause.kind === SK.DefaultClause)) return true;
      if (clauses.some((clause) => clause.statements.some((inner) => breaksOut(inner, undefined)))) return true;
      const last = clauses[clauses.length - 1];
      return last === undefined || listCompletes(last.statements);
    }
    case SK.LabeledStatement: {
      const node = statement as ts.LabeledStatement;
      return completes(node.statement) || breaksOut(node.statement, node.label.text);
    }
    default:
      return true;
  }
}

/**
 * Whether `node` contains a `break` that leaves the enclosing loop/switch (unlabelled breaks not
 * inside a nested loop or switch) or, with `label`, a `break label`. Nested functions are skipped.
 */
function breaksOut(node: ts.Node, label: string | undefined): boolean {
  if (isBreakStatement(node)) {
    return node.label ? node.label.text === label : label === undefined;
  }
  if (isFunctionLike(node) || isClassLike(node)) return false;
  // Unlabelled breaks inside a nested loop or switch belong to it.
  if (label === undefined && (isIterationStatement(node, false) || isSwitchStatement(node))) return false;
  return forEachChild(node, (child) => (breaksOut(child, label) ? true : undefined)) === true;
}

/** Whether the loop body contains a `continue` for this loop (unlabelled, not in a nested loop). */
function continues(node: ts.Node): boolean {
  if (isContinueStatement(node)) return node.label === undefined;
  if (isFunctionLike(node) || isClassLike(node) || isIterationStatement(node, false)) return false;
  return forEachChild(node, (child) => (continues(child) ? true : undefined)) === true;
}
