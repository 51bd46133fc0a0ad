// The part of a SQL connection the repositories use: better-sqlite3's synchronous shape, which the
// SQLite store is and the PostgreSQL store keeps (postgres/connection.ts). Statements take `?`
// positional or `@name` named parameters in both dialects.

export type Dialect = 'sqlite' | 'postgres';

export type BindParameters = unknown[] | object;
type Args<P extends BindParameters> = P extends unknown[] ? P : [P];

export interface Statement<P extends BindParameters = unknown[], R = unknown> {
  run(...params: Args<P>): { changes: number };
  get(...params: Args<P>): R | undefined;
  all(...params: Args<P>): R[];
}

// `any` as better-sqlite3 declares it: a transaction passes any arguments through to its function.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

export interface Transaction<F extends AnyFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  /** SQLite takes the write lock at BEGIN; PostgreSQL locks rows as statements touch them. */
  immediate(...args: Parameters<F>): ReturnType<F>;
}

export interface SqlDatabase {
  readonly dialect: Dialect;
  prepare<P extends BindParameters = unknown[], R = unknown>(sql: string): Statement<P, R>;
  /** Outermost: a transaction; nested: a savepoint. A throw rolls back to where it began. */
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  exec(sql: string): void;
  close(): void;
}

/**
 * A bound parameter the query planner does not look at: `CAST(? AS BIGINT)`. SQLite compiles a
 * statement again whenever a parameter its plan could depend on is bound anew (an equality beside
 * `ORDER BY … LIMIT`, the key that drives a join, `LIMIT ?`), and better-sqlite3 clears every
 * binding after each execution, so such a statement is compiled on every call: 30–60 µs each,
 * several times per run. A CAST is an expression, not a bare parameter, so the plan is made once.
 * Valid in both dialects. test/engine/statement-plans.test.ts finds the statements that need it.
 */
export function opaque(type: 'BIGINT' | 'TEXT'): string {
  return `CAST(? AS ${type})`;
}
