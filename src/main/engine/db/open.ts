import { chmodSync, closeSync, fstatSync, fchmodSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.ts';
import type { SqlDatabase } from './sql.ts';

/** What the repositories are written against: a SQLite or a PostgreSQL connection. */
export type Db = SqlDatabase;
/** The SQLite connection itself, for what only SQLite has (pragmas, migrations that rebuild tables). */
export type SqliteDb = Database.Database & { readonly dialect: 'sqlite' };

/**
 * SQL text, or code for what SQL alone cannot say (rebuilding a table to change its constraints).
 * Code migrations run with foreign keys off, as a rebuild needs, and every reference is checked
 * before they commit.
 */
export type Migration = string | { run(db: SqliteDb): void };

export class DatabaseTooNewError extends Error {
  readonly code = 'DATABASE_TOO_NEW';
  constructor(path: string, found: number, supported: number, elsewhere = 'another data folder') {
    super(
      `The database at ${path} was written by a newer version of Vigil (schema ${found}; this version knows up to ${supported}). ` +
        `Upgrade Vigil, or point it at ${elsewhere}. Nothing was changed.`,
    );
  }
}

/**
 * Opens (creating if needed) and migrates the store. WAL with synchronous=NORMAL keeps every
 * committed transaction across a process crash; foreign keys are enforced.
 */
export function openDatabase(path: string): SqliteDb {
  restrictToOwner(path);
  const db = Object.defineProperty(new Database(path), 'dialect', { value: 'sqlite', enumerable: true }) as SqliteDb;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Savepoint and statement journals in memory. Group commit runs every execute of a turn in a
    // savepoint, and a busy turn's journal outgrew SQLite's 64 KB before it spills to a temporary
    // file, which the transaction then created, wrote and closed (design-decisions.md).
    db.pragma('temp_store = MEMORY');
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The database holds key hashes, run inputs and results: readable by its owner only (0600). SQLite
 * would create it 0644, and creates its -wal and -shm files with the database file's mode, so the
 * file is created (or tightened) before SQLite opens it; leftovers of a crash are tightened too.
 */
function restrictToOwner(path: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  for (const companion of [`${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(companion).mode & 0o077) !== 0) chmodSync(companion, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function migrate(db: SqliteDb, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new DatabaseTooNewError(path, current, MIGRATIONS.length);
  // Every migration and its version bump commit together: a crash mid-way leaves the previous schema.
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const migration = MIGRATIONS[version - 1]!;
    if (typeof migration === 'string') {
      db.transaction(() => {
        db.exec(migration);
        db.pragma(`user_version = ${version}`);
      }).immediate();
      continue;
    }
    // The pragma is a no-op inside a transaction, so it is switched around it.
    db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        migration.run(db);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${version} left ${broken.length} broken references; nothing was changed`);
        db.pragma(`user_version = ${version}`);
      }).immediate();
    } finally {
      db.pragma('foreign_keys = ON');
    }
  }
}
