import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, ensureDataDir, openStore } from '../../src/main/engine/index.ts';
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
    const store = openStore(path);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    store.keys.create({ name: 'k', key_type: 'human', scopes: ['admin'], expires_at: null, now: new Date().toISOString() });
    store.close();
    const again = openStore(path);
    expect(again.keys.list()).toHaveLength(1);
    again.close();
  });

  it('refuses a database from a newer version and leaves it untouched', () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec('CREATE TABLE future (x)');
    db.pragma('user_version = 42');
    db.close();
    expect(() => openStore(path)).toThrow(DatabaseTooNewError);
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(42);
    after.close();
  });

  it('enforces foreign keys', () => {
    const store = openStore(dbPath());
    expect(() =>
      store.db
        .prepare("INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, input, queued_at) VALUES ('x', 999, 1, 'human', '{}', 'now')")
        .run(),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('has an index for every list query it serves', () => {
    const store = openStore(dbPath());
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
    const store = underUmask(() => openStore(path));
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
    const store = openStore(path);
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
