import { DatabaseTooNewError } from '../open.ts';
import { POSTGRES_MIGRATIONS } from '../migrations/postgres/index.ts';
import type { SqlDatabase } from '../sql.ts';
import { DatabaseUnavailableError, PostgresConnection } from './connection.ts';

export { DatabaseUnavailableError, PostgresConnection, PostgresError } from './connection.ts';

/** Work the instances sharing a database do one at a time (see Store.serialized). */
export type SerializedTask = 'migrate' | 'schedules' | 'approval-expiry';

// pg_advisory_xact_lock(int4, int4): the first number is Vigil's ("VIGI" in ASCII), so it cannot
// meet another application's locks on the same database; the second names the task.
const LOCK_SPACE = 0x56494749;
const TASK_LOCKS: Record<SerializedTask, number> = { migrate: 1, schedules: 2, 'approval-expiry': 3 };

/** The statement that waits for, then holds until the transaction ends, the task's lock. */
export function advisoryLockSql(task: SerializedTask): string {
  return `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${TASK_LOCKS[task]})`;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The URL without its password, for messages and logs. Written as text, not through URL: a URL for
 * a Unix socket (`postgres://user@/db?host=/run/postgresql`) has no host, which URL refuses.
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Connects and brings the schema up to date; several instances starting together migrate once. */
export function openPostgres(url: string): { db: PostgresConnection; label: string } {
  const label = redactDatabaseUrl(url);
  const db = new PostgresConnection(url);
  try {
    migratePostgres(db, label);
    return { db, label };
  } catch (error) {
    db.close();
    if (error instanceof DatabaseUnavailableError) throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${label}: ${error.message}`, error.code);
    throw error;
  }
}

/** The oldest PostgreSQL the schema and the statements are written for. */
const MINIMUM_SERVER_VERSION = 150000;

/**
 * Brings the database to the newest schema in one transaction. Instances that start together all
 * call this: the first to take the lock migrates; the others wait, then find nothing to do.
 */
export function migratePostgres(db: SqlDatabase, label: string): void {
  const { version } = db.prepare<[], { version: string }>("SELECT current_setting('server_version_num') AS version").get()!;
  if (Number(version) < MINIMUM_SERVER_VERSION) {
    const shown = db.prepare<[], { shown: string }>("SELECT current_setting('server_version') AS shown").get()!.shown;
    throw new Error(`${label} is PostgreSQL ${shown}; Vigil needs PostgreSQL 15 or later. Nothing was changed.`);
  }
  db.transaction(() => {
    db.prepare(advisoryLockSql('migrate')).get();
    db.exec('CREATE TABLE IF NOT EXISTS vigil_schema (version INTEGER NOT NULL)');
    const row = db.prepare<[], { version: number }>('SELECT version FROM vigil_schema').get();
    const current = row?.version ?? 0;
    if (current > POSTGRES_MIGRATIONS.length) throw new DatabaseTooNewError(label, current, POSTGRES_MIGRATIONS.length, 'another database');
    for (let version = current + 1; version <= POSTGRES_MIGRATIONS.length; version++) db.exec(POSTGRES_MIGRATIONS[version - 1]!);
    if (!row) db.prepare('INSERT INTO vigil_schema (version) VALUES (?)').run(POSTGRES_MIGRATIONS.length);
    else db.prepare('UPDATE vigil_schema SET version = ?').run(POSTGRES_MIGRATIONS.length);
  })();
}
