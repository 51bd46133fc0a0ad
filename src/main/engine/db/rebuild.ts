// SQLite cannot change a table's CHECK constraints in place. The documented way
// (https://www.sqlite.org/lang_altertable.html#otheralter) is to create the table anew, copy the
// rows, drop the old one and rename the new one, with foreign keys off so the drop cascades
// nowhere; the migration runner turns them off and checks every reference afterwards.
import type { SqliteDb } from './open.ts';

/**
 * Rebuilds `table` from its own CREATE statement as changed by `edit` (so columns earlier
 * migrations added stay), keeping every row and re-creating its indexes.
 */
export function rebuildTable(db: SqliteDb, table: string, edit: (createSql: string) => string): void {
  const row = db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
  if (!row) throw new Error(`rebuild: no table ${table}`);
  const edited = edit(row.sql);
  if (edited === row.sql) throw new Error(`rebuild: the edit of ${table} changed nothing`);
  const head = new RegExp(`^CREATE TABLE ("?)${table}\\1`);
  if (!head.test(edited)) throw new Error(`rebuild: unexpected CREATE statement of ${table}`);
  const indexes = db
    .prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
    .all(table)
    .map((index) => index.sql);
  const columns = (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => `"${column.name}"`).join(', ');
  const scratch = `${table}_rebuilt`;
  db.exec(edited.replace(head, `CREATE TABLE "${scratch}"`));
  db.exec(`INSERT INTO "${scratch}" (${columns}) SELECT ${columns} FROM "${table}"`);
  db.exec(`DROP TABLE "${table}"`);
  db.exec(`ALTER TABLE "${scratch}" RENAME TO "${table}"`);
  for (const sql of indexes) db.exec(sql);
}

/** `edit` for rebuildTable: replaces one exact piece of the statement, refusing when it is not there. */
export function replaceOnce(search: string, replacement: string): (sql: string) => string {
  return (sql) => {
    const at = sql.indexOf(search);
    if (at < 0 || sql.indexOf(search, at + 1) >= 0) throw new Error(`rebuild: expected exactly one ${JSON.stringify(search)}`);
    return sql.slice(0, at) + replacement + sql.slice(at + search.length);
  };
}
