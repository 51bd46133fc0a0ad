import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, openStore } from '../../src/main/engine/db/index.ts';
import { POSTGRES_MIGRATIONS } from '../../src/main/engine/db/migrations/postgres/index.ts';
import { migratePostgres, PostgresConnection } from '../../src/main/engine/db/postgres/index.ts';
import type { SqlDatabase } from '../../src/main/engine/db/sql.ts';
import { postgresSkipReason, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

/** What only the PostgreSQL store has: every other difference from the SQLite schema is drift. */
const POSTGRES_ONLY = {
  tables: ['instances', 'vigil_schema'],
  columns: { runs: ['claimed_by'] } as Record<string, string[]>,
  indexes: { runs: ['runs_running_claimed_by'] } as Record<string, string[]>,
};

const POSTGRES_TYPE: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision', BLOB: 'bytea' };

/**
 * One table as both stores can describe it. Keys, foreign keys and indexes are written the way
 * PostgreSQL's pg_get_constraintdef and pg_indexes write them (schema, `USING btree` and casts
 * dropped), CHECK conditions as SQLite's migrations write them, so the same definition compares equal.
 */
interface TableShape {
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  checks: string[];
  keys: string[];
  foreignKeys: string[];
  indexes: Record<string, string>;
}

/** The conditions of a CREATE TABLE statement's CHECK constraints (SQLite keeps no other record of them). */
function checkConditions(createTable: string): string[] {
  const conditions: string[] = [];
  for (let at = createTable.indexOf('CHECK ('); at >= 0; at = createTable.indexOf('CHECK (', at + 1)) {
    const open = at + 'CHECK '.length;
    let end = open;
    for (let depth = 0; end === open || depth > 0; end++) {
      if (createTable[end] === '(') depth++;
      else if (createTable[end] === ')') depth--;
    }
    conditions.push(createTable.slice(open + 1, end - 1).replace(/\s+/g, ' '));
  }
  return conditions.sort();
}

function sqliteShapes(): Record<string, TableShape> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-drift-'));
  const store = openStore(join(dir, 'vigil.db'));
  try {
    const all = <R>(sql: string, ...params: string[]) => store.db.prepare<string[], R>(sql).all(...params);
    const indexColumns = (index: string) => all<{ name: string }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', index).map((c) => c.name).join(', ');
    const shapes: Record<string, TableShape> = {};
    const tables = all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
    for (const { name: table, sql: createTable } of tables) {
      const columns = all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>('SELECT * FROM pragma_table_info(?)', table);
      const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const indexList = all<{ name: string; unique: number; origin: string }>('SELECT * FROM pragma_index_list(?)', table);
      const foreignKeys = all<{ from: string; table: string; to: string; on_update: string; on_delete: string }>('SELECT * FROM pragma_foreign_key_list(?)', table);
      shapes[table] = {
        columns: Object.fromEntries(
          columns.map((c) => [
            c.name,
            // A primary key column is never null: SQLite's rowid keys and WITHOUT ROWID tables
            // refuse null there, whatever table_info says.
            { type: POSTGRES_TYPE[c.type] ?? `unmapped ${c.type}`, nullable: c.notnull === 0 && c.pk === 0, default: c.dflt_value },
          ]),
        ),
        checks: checkConditions(createTable),
        keys: [`PRIMARY KEY (${primaryKey.join(', ')})`, ...indexList.filter((i) => i.origin === 'u').map((i) => `UNIQUE (${indexColumns(i.name)})`)].sort(),
        foreignKeys: foreignKeys
          .map(
            (fk) =>
              `FOREIGN KEY (${fk.from}) REFERENCES ${fk.table}(${fk.to})` +
              (fk.on_update === 'NO ACTION' ? '' : ` ON UPDATE ${fk.on_update}`) +
              (fk.on_delete === 'NO ACTION' ? '' : ` ON DELETE ${fk.on_delete}`),
          )
          .sort(),
        indexes: Object.fromEntries(
          all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table).map((i) => [
            i.name,
            i.sql.replace(/\s+/g, ' '),
          ]),
        ),
      };
    }
    return shapes;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresShapes(client: pg.ClientBase): Promise<Record<string, TableShape>> {
  const shapes: Record<string, TableShape> = {};
  const tables = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  for (const { table_name: table } of tables.rows) {
    const columns = await client.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      'SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
      [table],
    );
    const constraints = await client.query<{ contype: string; def: string }>(
      "SELECT contype, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('c', 'p', 'u', 'f')",
      [table],
    );
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass)`,
      [table],
    );
    shapes[table] = {
      columns: Object.fromEntries(
        columns.rows.map((c) => [
          c.column_name,
          { type: c.data_type, nullable: c.is_nullable === 'YES', default: c.column_default?.replace(/::[a-z ]+$/, '') ?? null },
        ]),
      ),
      checks: constraints.rows
        .filter((c) => c.contype === 'c')
        .map((c) =>
          c.def
            .replace(/::text/g, '')
            .replace(/^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$/, '$1 IN ($2)')
            .replace(/^CHECK \((.*)\)$/, '$1'),
        )
        .sort(),
      keys: constraints.rows.filter((c) => c.contype === 'p' || c.contype === 'u').map((c) => c.def).sort(),
      foreignKeys: constraints.rows.filter((c) => c.contype === 'f').map((c) => c.def).sort(),
      indexes: Object.fromEntries(
        indexes.rows.map((i) => [
          i.indexname,
          i.indexdef
            .replace(/ ON \S+\.(\S+) USING btree /, ' ON $1 ')
            .replace(/::text/g, '')
            .replace(/ WHERE \((.*)\)$/, ' WHERE $1'),
        ]),
      ),
    };
  }
  return shapes;
}

describe('a PostgreSQL server older than 15', () => {
  it('is refused before anything is written, naming the version', () => {
    // What an older server answers; the refusal comes before any statement that would change it.
    const statements: string[] = [];
    const older: SqlDatabase = {
      dialect: 'postgres',
      prepare: (sql: string) => {
        statements.push(sql);
        const row = sql.includes('server_version_num') ? { version: '140011' } : { shown: '14.11 (Debian 14.11-1)' };
        return { run: () => ({ changes: 0 }), get: () => row, all: () => [row] } as never;
      },
      transaction: () => {
        throw new Error('no transaction may begin');
      },
      exec: () => {
        throw new Error('nothing may be executed');
      },
      close: () => undefined,
    };
    expect(() => migratePostgres(older, 'postgres://db.example/vigil')).toThrow(
      'postgres://db.example/vigil is PostgreSQL 14.11 (Debian 14.11-1); Vigil needs PostgreSQL 15 or later. Nothing was changed.',
    );
    expect(statements.every((sql) => sql.startsWith('SELECT current_setting'))).toBe(true);
  });
});

describe.skipIf(postgresSkipReason)('PostgreSQL schema', () => {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  async function connect(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  }

  /** A client on a fresh database, closed when `fn` ends. */
  async function withDatabase<T>(fn: (client: pg.Client, url: string) => Promise<T>): Promise<T> {
    const url = await cluster!.createDatabase();
    const client = await connect(url);
    try {
      return await fn(client, url);
    } finally {
      await client.end();
    }
  }

  /** Migrates as an engine instance does at start, on a connection of its own. */
  function migrate(url: string): void {
    const db = new PostgresConnection(url);
    try {
      migratePostgres(db, 'the test database');
    } finally {
      db.close();
    }
  }

  /** The same, in a process of its own: instances that start together are separate processes. */
  function migrateInProcess(url: string): Promise<void> {
    const source = `import { migratePostgres, PostgresConnection } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/engine/db/postgres/index.ts'))};
const db = new PostgresConnection(process.argv[1]);
try { migratePostgres(db, 'the test database'); } finally { db.close(); }`;
    return new Promise((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', source, url], (error, _stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve())),
    );
  }

  const versions = async (client: pg.ClientBase) => (await client.query<{ version: number }>('SELECT version FROM vigil_schema')).rows.map((r) => r.version);

  it('migrates an empty database, and migrating it again changes nothing', async () => {
    await withDatabase(async (client, url) => {
      migrate(url);
      expect(await versions(client)).toEqual([POSTGRES_MIGRATIONS.length]);
      const before = await postgresShapes(client);
      expect(Object.keys(before)).toContain('runs');

      migrate(url);
      expect(await versions(client)).toEqual([POSTGRES_MIGRATIONS.length]);
      expect(await postgresShapes(client)).toEqual(before);
    });
  });

  it('migrates once when instances start together', async () => {
    await withDatabase(async (client, url) => {
      await Promise.all([migrateInProcess(url), migrateInProcess(url), migrateInProcess(url)]);
      expect(await versions(client)).toEqual([POSTGRES_MIGRATIONS.length]);
    });
  });

  it('has every SQLite table, column, CHECK, key, foreign key and index, and only the listed additions', async () => {
    const sqlite = sqliteShapes();
    const postgres = await withDatabase(async (client, url) => {
      migrate(url);
      return postgresShapes(client);
    });

    expect(Object.keys(postgres).sort()).toEqual([...Object.keys(sqlite), ...POSTGRES_ONLY.tables].sort());
    for (const table of POSTGRES_ONLY.tables) delete postgres[table];
    for (const [table, columns] of Object.entries(POSTGRES_ONLY.columns)) for (const column of columns) delete postgres[table]!.columns[column];
    for (const [table, indexes] of Object.entries(POSTGRES_ONLY.indexes)) for (const index of indexes) delete postgres[table]!.indexes[index];
    // Per table, so a failure names the table that drifted.
    for (const table of Object.keys(sqlite)) expect({ table, ...postgres[table] }).toEqual({ table, ...sqlite[table] });
  });

  it('compares text bytewise, as SQLite does, whatever the database collation', async () => {
    await withDatabase(async (client, url) => {
      migrate(url);
      const { rows } = await client.query<{ table_name: string; column_name: string; collation_name: string | null }>(
        "SELECT table_name, column_name, collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'text'",
      );
      expect(rows.filter((c) => c.collation_name !== 'C')).toEqual([]);
    });
  });

  it('enforces CHECK constraints and foreign keys', async () => {
    await withDatabase(async (client, url) => {
      migrate(url);
      const now = new Date().toISOString();
      const workflow = await client.query<{ id: string }>("INSERT INTO workflows (uuid, name, code, created_at, updated_at) VALUES ('w', 'w', '', $1, $1) RETURNING id", [now]);
      const workflowId = workflow.rows[0]!.id;
      await client.query("INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, input, queued_at) VALUES ('r', $1, 1, 'human', '{}', $2)", [workflowId, now]);

      await expect(client.query("UPDATE runs SET status = 'bogus'")).rejects.toMatchObject({ code: '23514' });
      await expect(client.query("UPDATE workflows SET workflow_type = 'bogus'")).rejects.toMatchObject({ code: '23514' });
      await expect(
        client.query("INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, input, queued_at) VALUES ('r2', $1, 1, 'human', '{}', $2)", [Number(workflowId) + 1000, now]),
      ).rejects.toMatchObject({ code: '23503' });
      await expect(
        client.query(
          "INSERT INTO approvals (uuid, workflow_id, workflow_version, trigger_type, input, created_at, expires_at, run_id) VALUES ('a', $1, 1, 'human', '{}', $2, $2, 999)",
          [workflowId, now],
        ),
      ).rejects.toMatchObject({ code: '23503' });
      // Runs are history: a workflow that has some cannot be deleted from under them.
      await expect(client.query('DELETE FROM workflows WHERE id = $1', [workflowId])).rejects.toMatchObject({ code: '23503' });
    });
  });

  it('refuses a database written by a newer Vigil, and leaves it as it was', async () => {
    await withDatabase(async (client, url) => {
      const newer = POSTGRES_MIGRATIONS.length + 1;
      await client.query('CREATE TABLE vigil_schema (version INTEGER NOT NULL)');
      await client.query('INSERT INTO vigil_schema (version) VALUES ($1)', [newer]);

      expect(() => migrate(url)).toThrow(DatabaseTooNewError);
      expect(() => migrate(url)).toThrow(/newer version of Vigil.*another database/);
      expect(await versions(client)).toEqual([newer]);
      const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
      expect(tables.rows).toEqual([{ table_name: 'vigil_schema' }]);
    });
  });
});
