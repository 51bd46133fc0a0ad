import type { ClientBase } from 'pg';
import { DatabaseTooNewError } from '../../open.ts';
import initial from './001_initial.ts';

/**
 * Ordered PostgreSQL migrations; a migration's number is its position (vigil_schema.version after
 * applying it). They are numbered apart from SQLite's: the first one is SQLite's eighth state.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [initial];

/**
 * The advisory lock that serialises migrating: the ASCII bytes of "vigil-db" read as one
 * big-endian number. Advisory locks are shared by everything that uses the database, so the key is
 * one no other application is likely to pick by accident.
 */
const MIGRATION_LOCK = 0x7669_6769_6c2d_6462n;

/**
 * Brings the database to the newest schema, in one transaction. Instances that start together all
 * call this: the first to take the lock migrates, the others wait for it and then find nothing to do.
 */
export async function migratePostgres(client: ClientBase): Promise<void> {
  // Read committed whatever the database's default: a later snapshot (repeatable read would take
  // it before waiting for the lock) would miss the version the instance before us stored.
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS vigil_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM vigil_schema');
    const current = rows[0]?.version ?? 0;
    if (current > POSTGRES_MIGRATIONS.length) throw new DatabaseTooNewError('the PostgreSQL server', current, POSTGRES_MIGRATIONS.length);
    for (const migration of POSTGRES_MIGRATIONS.slice(current)) await client.query(migration);
    if (rows.length === 0) await client.query('INSERT INTO vigil_schema (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length]);
    else await client.query('UPDATE vigil_schema SET version = $1', [POSTGRES_MIGRATIONS.length]);
    await client.query('COMMIT');
  } catch (error) {
    // A rollback fails only when the connection is gone, which ends the transaction anyway; the
    // first error is the one that says what went wrong.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
