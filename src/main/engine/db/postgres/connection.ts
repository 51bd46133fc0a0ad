// One PostgreSQL connection with the synchronous shape of better-sqlite3 (../sql.ts), so the
// repositories, their transactions and the engine above them are the same code on both stores.
//
// The `pg` driver runs on a worker thread that owns the connection; each statement is handed to it
// and the calling thread waits (Atomics.wait) for the answer, which it then takes off the port with
// receiveMessageOnPort. An instance's statements therefore run one at a time on one connection, as
// they do on SQLite: a transaction never interleaves with another piece of the engine's work. The
// price is that the event loop waits out each round trip (tens of microseconds over a local socket;
// measured in docs/performance.md). A team scales by instances, each with its own connection.
import { createRequire } from 'node:module';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { awaitReply } from '../../../thread-reply.ts';
import type { BindParameters, SqlDatabase, Statement, Transaction } from '../sql.ts';
import { translateParameters, type TranslatedSql } from './parameters.ts';

/** A statement PostgreSQL refused, with its SQLSTATE (`23505` unique violation, `40P01` deadlock…). */
export class PostgresError extends Error {
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  constructor(message: string, code?: string, constraint?: string) {
    super(message);
    this.name = 'PostgresError';
    this.code = code;
    this.constraint = constraint;
  }
}

/**
 * PostgreSQL cannot be reached (down, restarting, the connection lost): nothing about the request
 * was wrong, and the same request may succeed in a moment. The API answers 503 with Retry-After.
 */
export class DatabaseUnavailableError extends PostgresError {
  constructor(message: string, code?: string) {
    super(message, code);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The worker's code. An `eval` worker inherits `--input-type`, so it uses no `require` or `import`
 * of its own; it gets the driver's resolved path from the main thread.
 *
 * Messages are handled one at a time, in order. Those marked `noReply` (BEGIN, SAVEPOINT, RELEASE:
 * the calling thread need not wait for them) report a failure through the statements after them.
 * A transaction that lost its connection, or one of whose unanswered statements failed, is
 * broken: every statement until the transaction's end fails, so none lands outside it (on a new
 * connection, in autocommit). Between transactions a lost connection is opened again on the next
 * statement.
 */
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { createRequire } = process.getBuiltinModule('node:module');
const { port, signal: shared, pgPath, config } = workerData;
const signal = new Int32Array(shared);
const pg = createRequire(pgPath)(pgPath);
// int8: ids and counts, far below 2^53.
pg.types.setTypeParser(20, Number);
let client = null;
let inTransaction = false;
let broken = null;
function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}
const unavailable = (error) => Object.assign(error, { unavailable: true });
// Connection exceptions (08…) and an administrator's or a crash's shutdown (57P01–57P03).
const UNAVAILABLE_CODES = /^(08|57P0[123])/;
function forget(c, error) {
  if (client !== c) return;
  client = null;
  if (inTransaction) broken ??= unavailable(new Error('the connection to PostgreSQL was lost during the transaction, which was rolled back: ' + error.message));
  c.end().catch(() => {});
}
async function connection() {
  if (client) return client;
  const c = new pg.Client(config);
  c.on('error', (error) => forget(c, error));
  c.on('end', () => forget(c, new Error('the connection to PostgreSQL was closed')));
  try {
    await c.connect();
  } catch (error) {
    c.end().catch(() => {});
    throw unavailable(error);
  }
  client = c;
  return c;
}
const toBuffer = (value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
async function handle(message) {
  if (message.op === 'close') {
    const c = client;
    client = null;
    if (c) await c.end();
    return {};
  }
  if (broken) {
    const error = broken;
    if (message.op === 'rollback' || message.op === 'commit') {
      broken = null;
      inTransaction = false;
      if (message.op === 'rollback') return {};
    }
    throw error;
  }
  const c = await connection();
  if (message.op === 'begin') {
    // Whatever the database's default: the claims, compare-and-set decisions and unique keys are
    // written for statements that each see what committed before them.
    await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    inTransaction = true;
    return {};
  }
  if (message.op === 'commit' || message.op === 'rollback') {
    try {
      await c.query(message.op === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } finally {
      inTransaction = false;
      // A loss noticed while this ended the transaction belongs to it: the statements after it
      // run on a new connection rather than fail with the transaction's error.
      broken = null;
    }
    return {};
  }
  let result;
  try {
    result = await c.query(message.values ? { text: message.text, values: message.values.map(toBuffer) } : message.text);
  } catch (error) {
    // The statement failed because the connection did (it is no longer the current one).
    if (client !== c || UNAVAILABLE_CODES.test(error?.code ?? '')) unavailable(error);
    throw error;
  }
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return { rows: last?.rows ?? [], count: last?.rowCount ?? 0 };
}
let queue = Promise.resolve();
port.on('message', (message) => {
  queue = queue.then(() => handle(message)).then(
    (result) => {
      if (!message.noReply) reply(result);
    },
    (error) => {
      if (message.noReply) {
        broken ??= error;
        return;
      }
      reply({
        error: {
          message: error instanceof Error ? error.message : String(error),
          code: error?.code,
          constraint: error?.constraint,
          unavailable: error?.unavailable === true,
        },
      });
    },
  );
});
`;

type Request =
  | { op: 'begin' | 'commit' | 'rollback' | 'close' }
  | { op: 'query'; text: string; values?: unknown[] };
type Unanswered = { op: 'begin' } | { op: 'query'; text: string };
type Reply = {
  rows?: Record<string, unknown>[];
  count?: number;
  error?: { message: string; code?: string; constraint?: string; unavailable: boolean };
};

/** How long one statement may run before PostgreSQL cancels it. */
const STATEMENT_TIMEOUT_MS = 30_000;
/** How long a statement waits for a row another instance holds before it fails (SQLite's busy_timeout). */
const LOCK_TIMEOUT_MS = 5_000;
/** How long to wait for the connection to open. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Long enough for any statement the timeouts let run, and the connection to open first. */
const REPLY_WAIT_MS = STATEMENT_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 5_000;

export class PostgresConnection implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private depth = 0;
  private closed = false;
  private dead: Error | undefined;

  constructor(url: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const config = {
      connectionString: url,
      application_name: 'vigil',
      statement_timeout: STATEMENT_TIMEOUT_MS,
      lock_timeout: LOCK_TIMEOUT_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    };
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, signal: this.signal.buffer, pgPath: createRequire(import.meta.url).resolve('pg'), config },
      transferList: [port2],
    });
    this.worker.on('error', (error) => (this.dead = error));
    this.worker.on('exit', (code) => (this.dead ??= new Error(`the PostgreSQL worker thread exited with code ${code}`)));
    this.worker.unref();
    this.port.unref();
  }

  prepare<P extends BindParameters = unknown[], R = unknown>(sql: string): Statement<P, R> {
    const translated = translateParameters(sql);
    const query = (params: unknown[]) => this.query(translated, params);
    return {
      run: (...params) => ({ changes: query(params).count ?? 0 }),
      get: (...params) => query(params).rows?.[0] as R | undefined,
      all: (...params) => (query(params).rows ?? []) as R[],
    };
  }

  exec(sql: string): void {
    this.call({ op: 'query', text: sql });
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F> {
    const run = (...args: Parameters<F>): ReturnType<F> => {
      const savepoint = this.depth > 0 ? `vigil_${this.depth}` : undefined;
      this.send(savepoint ? { op: 'query', text: `SAVEPOINT ${savepoint}` } : { op: 'begin' });
      this.depth++;
      let result: ReturnType<F>;
      try {
        result = fn(...args) as ReturnType<F>;
      } catch (error) {
        this.depth--;
        try {
          if (savepoint) this.send({ op: 'query', text: `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}` });
          else this.call({ op: 'rollback' });
        } catch {
          // The statement's own error says more than the rollback's (a lost connection rolled back already).
        }
        throw error;
      }
      this.depth--;
      if (savepoint) this.send({ op: 'query', text: `RELEASE SAVEPOINT ${savepoint}` });
      else this.call({ op: 'commit' });
      return result;
    };
    return Object.assign(run, { immediate: run }) as Transaction<F>;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.dead) this.call({ op: 'close' });
    } finally {
      void this.worker.terminate();
      this.port.close();
    }
  }

  private query(translated: TranslatedSql, params: unknown[]): Reply {
    return this.call({ op: 'query', text: translated.text, values: translated.bind(params) });
  }

  /** A statement whose answer the caller need not wait for; a failure fails the statements after it. */
  private send(request: Unanswered): void {
    if (this.dead) throw new DatabaseUnavailableError(`The PostgreSQL connection is gone: ${this.dead.message}`);
    this.port.postMessage({ ...request, noReply: true });
  }

  private call(request: Request): Reply {
    if (this.dead) throw new DatabaseUnavailableError(`The PostgreSQL connection is gone: ${this.dead.message}`);
    if (this.closed && request.op !== 'close') throw new PostgresError('The PostgreSQL connection is closed.');
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    const reply = awaitReply(this.port, this.signal, REPLY_WAIT_MS) as Reply | undefined;
    if (!reply) {
      this.dead = new Error(`no answer within ${REPLY_WAIT_MS} ms`);
      void this.worker.terminate();
      throw new DatabaseUnavailableError(`PostgreSQL did not answer within ${REPLY_WAIT_MS} ms; the connection was dropped.`);
    }
    if (reply.error?.unavailable) throw new DatabaseUnavailableError(reply.error.message, reply.error.code);
    if (reply.error) throw new PostgresError(reply.error.message, reply.error.code, reply.error.constraint);
    if (reply.rows) for (const row of reply.rows) restoreBuffers(row);
    return reply;
  }
}

/** bytea arrives as a Uint8Array (a Buffer does not survive the thread hop); the code reads Buffers. */
function restoreBuffers(row: Record<string, unknown>): void {
  for (const [column, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[column] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
}
