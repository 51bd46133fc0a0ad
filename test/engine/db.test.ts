import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, ensureDataDir, openSqliteStore } from '../../src/main/engine/index.ts';
import { MIGRATIONS } from '../../src/main/engine/db/migrations/index.ts';

const dirs: string[] = [];
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-db-'));
  dirs.push(dir);
  return join(dir, 'vigil.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('store', () => {
  it('creates the schema in WAL mode with foreign keys, and reopening changes nothing', () => {
    const path = dbPath();
    const store = openSqliteStore(path);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    store.keys.create({ name: 'k', key_type: 'human', scopes: ['admin'], expires_at: null, now: new Date().toISOString() });
    store.close();
    const again = openSqliteStore(path);
    expect(again.keys.list()).toHaveLength(1);
    again.close();
  });

  // SQLite keeps a savepoint's journal in memory up to 64 KB, then in a temporary file that it
  // creates and deletes with the transaction; group commit runs every execute of a turn in a
  // savepoint, and a claim or the runs' ends of a busy turn change more pages than that.
  it.skipIf(process.platform !== 'linux')('keeps a savepoint journal of many pages in memory, not in a temporary file', () => {
    const store = openSqliteStore(dbPath());
    const now = new Date().toISOString();
    store.transaction(() => {
      for (let i = 0; i < 300; i++) store.keys.create({ name: `key ${i} `.padEnd(400, 'x'), key_type: 'agent', scopes: ['workflows:execute'], expires_at: null, now });
    });
    // SQLite makes its temporary files unnamed (O_TMPFILE) or unlinks them at once.
    const openDeletedFiles = () =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.endsWith(' (deleted)') ? [target] : [];
        } catch {
          return [];
        }
      });
    const before = openDeletedFiles();
    let during: string[] = [];
    store.transaction(() => {
      // A savepoint inside the transaction that rewrites every page of the table.
      store.db.transaction(() => store.db.prepare("UPDATE api_keys SET name = name || 'y'").run())();
      during = openDeletedFiles().filter((file) => !before.includes(file));
    });
    expect(store.keys.list().every((key) => key.name.endsWith('xy'))).toBe(true);
    expect(during).toEqual([]);
    store.close();
  });

  it('refuses a database from a newer version and leaves it untouched', () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec('CREATE TABLE future (x)');
    db.pragma('user_version = 42');
    db.close();
    expect(() => openSqliteStore(path)).toThrow(DatabaseTooNewError);
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(42);
    after.close();
  });

  it('enforces foreign keys', () => {
    const store = openSqliteStore(dbPath());
    expect(() =>
      store.db
        .prepare("INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, input, queued_at) VALUES ('x', 999, 1, 'human', '{}', 'now')")
        .run(),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('has an index for every list query it serves', () => {
    const store = openSqliteStore(dbPath());
    const plan = (sql: string) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join(' | ');
    expect(plan("SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT 8")).toMatch(/USING (COVERING )?INDEX runs_status/);
    expect(plan('SELECT * FROM runs WHERE workflow_id = 1 ORDER BY id DESC LIMIT 50')).toMatch(/INDEX runs_workflow/);
    expect(plan("SELECT * FROM runs WHERE trigger_type = 'agent' ORDER BY id DESC LIMIT 50")).toMatch(/INDEX runs_trigger/);
    expect(plan("SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= 'x'")).toMatch(/INDEX approvals_status_expiry/);
    expect(plan("SELECT workflow_id FROM workflow_tags WHERE tag = 'x'")).toMatch(/PRIMARY KEY|INDEX/);
    store.close();
  });
});

describe('file modes', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;
  /** Runs `fn` under the umask most systems use, whatever this process was started with. */
  function underUmask<T>(fn: () => T): T {
    const previous = process.umask(0o022);
    try {
      return fn();
    } finally {
      process.umask(previous);
    }
  }

  it('creates the database, its WAL and shared-memory files 0600', () => {
    const path = dbPath();
    const store = underUmask(() => openSqliteStore(path));
    try {
      store.keys.create({ name: 'k', key_type: 'human', scopes: ['admin'], expires_at: null, now: new Date().toISOString() });
      expect(mode(path)).toBe(0o600);
      for (const companion of [`${path}-wal`, `${path}-shm`]) {
        expect(existsSync(companion), companion).toBe(true);
        expect(mode(companion), companion).toBe(0o600);
      }
    } finally {
      store.close();
    }
  });

  it('tightens an existing database (and a leftover WAL) to 0600 when it opens it', () => {
    const path = dbPath();
    new Database(path).close();
    writeFileSync(`${path}-wal`, '');
    chmodSync(path, 0o644);
    chmodSync(`${path}-wal`, 0o644);
    const store = openSqliteStore(path);
    try {
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('creates the data folder 0700, and leaves the mode of a folder that already exists', () => {
    const parent = mkdtempSync(join(tmpdir(), 'vigil-dir-'));
    dirs.push(parent);
    const created = join(parent, 'nested', 'vigil');
    underUmask(() => ensureDataDir(created));
    expect(mode(created)).toBe(0o700);
    const chosen = join(parent, 'chosen');
    mkdirSync(chosen, { mode: 0o755 });
    chmodSync(chosen, 0o755);
    underUmask(() => ensureDataDir(chosen));
    expect(mode(chosen)).toBe(0o755);
  });
});

describe('upgrade to schedules (migration 6)', () => {
  /** A database as Vigil 5 left it: schema 5, with a workflow, a version, a tag, an approval, its run and a log line. */
  function schema5(path: string): void {
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    for (const migration of MIGRATIONS.slice(0, 5)) db.exec(migration as string);
    db.pragma('user_version = 5');
    db.exec(`
      INSERT INTO api_keys (id, uuid, name, key_type, scopes, prefix, key_hash, created_at)
        VALUES (1, 'k1', 'agent', 'agent', '[]', 'vk_', 'hash', '2026-01-01T00:00:00.000Z');
      INSERT INTO workflows (id, uuid, name, workflow_type, code, created_at, updated_at, tags)
        VALUES (1, 'w1', 'Block IP', 'indicator', 'code v1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '["net"]');
      INSERT INTO workflow_tags (workflow_id, tag) VALUES (1, 'net');
      INSERT INTO workflow_versions (workflow_id, version, code, saved_at) VALUES (1, 1, 'code v1', '2026-01-01T00:00:00.000Z');
      INSERT INTO approvals (id, uuid, workflow_id, workflow_version, trigger_type, trigger_key_id, input, status, created_at, expires_at)
        VALUES (1, 'a1', 1, 1, 'agent', 1, '{"indicator":{"type":"ip","value":"203.0.113.7"}}', 'approved', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z');
      INSERT INTO runs (id, uuid, workflow_id, workflow_version, trigger_type, trigger_key_id, input, status, queued_at, approval_id, steps)
        VALUES (1, 'r1', 1, 1, 'agent', 1, '{"indicator":{"type":"ip","value":"203.0.113.7"}}', 'success', '2026-01-01T00:00:01.000Z', 1, '[]');
      UPDATE approvals SET run_id = 1 WHERE id = 1;
      INSERT INTO run_logs (run_id, seq, ts, level, message) VALUES (1, 0, '2026-01-01T00:00:02.000Z', 'info', 'blocked');
    `);
    db.close();
  }

  it('keeps every row and reference, widens the allowed values and adds the schedule columns', () => {
    const path = dbPath();
    schema5(path);
    const store = openSqliteStore(path);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
      const workflow = store.workflows.get('w1')!;
      expect(workflow).toMatchObject({ name: 'Block IP', tags: ['net'], schedule: null, next_run_at: null, last_scheduled_at: null });
      expect(store.workflows.version(1, 1)).toMatchObject({ code: 'code v1', schedule: null });
      const run = store.runs.get('r1')!;
      expect(run).toMatchObject({ status: 'success', approval_uuid: 'a1', scheduled_for: null, trigger_key: { name: 'agent' } });
      expect(store.runs.logs(1).map((log) => log.message)).toEqual(['blocked']);
      expect(store.approvals.get('a1')).toMatchObject({ run_uuid: 'r1', scheduled_for: null });
      // The widened checks take the new values; the old ones still refuse nonsense.
      const skipped = store.runs.insertSkipped(
        {
          workflow_id: 1,
          workflow_version: 1,
          trigger_type: 'schedule',
          trigger_key_id: null,
          reason: 'skipped: test',
          confidence: null,
          input: { indicator: null, alert: null, alert_uuid: null, context: {} },
          approval_id: null,
          scheduled_for: '2026-01-02T00:00:00.000Z',
        },
        '2026-01-02T00:00:01.000Z',
      );
      expect(store.runs.get(skipped.uuid)).toMatchObject({ status: 'skipped', trigger_type: 'schedule', scheduled_for: '2026-01-02T00:00:00.000Z' });
      expect(() => store.db.prepare("UPDATE runs SET status = 'bogus' WHERE id = 1").run()).toThrow(/CHECK/);
      expect(() => store.db.prepare("UPDATE workflows SET workflow_type = 'scheduled' WHERE id = 1").run()).not.toThrow();
      // Foreign keys still hold after the tables were rebuilt.
      expect(() => store.db.prepare("INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, input, queued_at) VALUES ('x', 99, 1, 'human', '{}', 'now')").run()).toThrow(/FOREIGN KEY/);
      const indexes = (store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL").all() as Array<{ name: string }>).map((row) => row.name);
      expect(indexes).toEqual(expect.arrayContaining(['runs_status', 'runs_trigger_key', 'runs_queued_by_key', 'approvals_trigger_key', 'workflows_live_name', 'workflows_next_run']));
    } finally {
      store.close();
    }
  });
});
