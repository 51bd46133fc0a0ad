import type { Db } from './open.ts';

export interface StoredResponse {
  body_hash: string;
  response: unknown;
}

/**
 * Idempotency records: (key, caller) → body hash and the answer that was sent, kept 24 h. Only
 * accepted executions are recorded (a dry run stores nothing, a refusal is not an answer to
 * repeat), so the status column always holds the API's 202 Accepted.
 */
const ACCEPTED = 202;

export class IdempotencyRepository {
  private readonly find;
  private readonly insert;
  private readonly purge;

  constructor(db: Db) {
    this.find = db.prepare<[number, string, string], { body_hash: string; response: string }>(
      'SELECT body_hash, response FROM idempotency WHERE key_id = ? AND idem_key = ? AND created_at > ?',
    );
    // A record older than the window is replaced; a live one is never overwritten, so of two
    // instances that took the same key at once, the second learns it lost (see `put`).
    this.insert = db.prepare(`
      INSERT INTO idempotency (key_id, idem_key, body_hash, status_code, response, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (key_id, idem_key) DO UPDATE SET body_hash = excluded.body_hash, status_code = excluded.status_code,
        response = excluded.response, created_at = excluded.created_at
      WHERE idempotency.created_at <= ?`);
    this.purge = db.prepare('DELETE FROM idempotency WHERE created_at <= ?');
  }

  get(keyId: number, idemKey: string, notBefore: string): StoredResponse | undefined {
    const row = this.find.get(keyId, idemKey, notBefore);
    return row && { body_hash: row.body_hash, response: JSON.parse(row.response) };
  }

  /**
   * Records the answer under this key unless a record newer than `notBefore` holds it; false then
   * (another instance's execute took the key first, and its answer is the one to repeat).
   */
  put(keyId: number, idemKey: string, bodyHash: string, response: unknown, now: string, notBefore: string): boolean {
    return this.insert.run(keyId, idemKey, bodyHash, ACCEPTED, JSON.stringify(response), now, notBefore).changes === 1;
  }

  deleteOlderThan(cutoff: string): number {
    return this.purge.run(cutoff).changes;
  }
}

/** Names of the secrets kept in the OS keychain. The values never touch SQLite. */
export class SecretNameRepository {
  private readonly all;
  private readonly upsert;
  private readonly remove;
  private readonly one;

  constructor(db: Db) {
    this.all = db.prepare<[], { name: string; created_at: string; updated_at: string }>(
      'SELECT name, created_at, updated_at FROM secrets ORDER BY name',
    );
    this.one = db.prepare<[string], { name: string }>('SELECT name FROM secrets WHERE name = ?');
    this.upsert = db.prepare(
      'INSERT INTO secrets (name, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at',
    );
    this.remove = db.prepare('DELETE FROM secrets WHERE name = ?');
  }

  list(): Array<{ name: string; created_at: string; updated_at: string }> {
    return this.all.all();
  }

  has(name: string): boolean {
    return this.one.get(name) !== undefined;
  }

  record(name: string, now: string): void {
    this.upsert.run(name, now, now);
  }

  delete(name: string): boolean {
    return this.remove.run(name).changes === 1;
  }
}

export class SettingsRepository {
  private readonly all;
  private readonly upsert;

  constructor(db: Db) {
    this.all = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.upsert = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  read(): Record<string, unknown> {
    return Object.fromEntries(this.all.all().map((row) => [row.key, JSON.parse(row.value)]));
  }

  write(values: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(values)) this.upsert.run(key, JSON.stringify(value));
  }
}
