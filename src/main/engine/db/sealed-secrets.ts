import type { Db } from './open.ts';

/** One sealed value: the data key wrapped by the master key named by `master_key`, and the value sealed by the data key. */
export interface SealedSecretRow {
  service: string;
  name: string;
  master_key: string;
  wrapped_key: Buffer;
  value: Buffer;
  updated_at: string;
}

/** Sealed secret values (secrets/sealed.ts does the cryptography; this only stores bytes). */
export class SealedSecretRepository {
  private readonly one;
  private readonly upsert;
  private readonly remove;
  private readonly every;
  private readonly rewrapOne;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.one = db.prepare<[string, string], SealedSecretRow>('SELECT * FROM sealed_secrets WHERE service = ? AND name = ?');
    this.upsert = db.prepare(
      'INSERT INTO sealed_secrets (service, name, master_key, wrapped_key, value, updated_at) VALUES (@service, @name, @master_key, @wrapped_key, @value, @updated_at) ' +
        'ON CONFLICT (service, name) DO UPDATE SET master_key = excluded.master_key, wrapped_key = excluded.wrapped_key, value = excluded.value, updated_at = excluded.updated_at',
    );
    this.remove = db.prepare('DELETE FROM sealed_secrets WHERE service = ? AND name = ?');
    this.every = db.prepare<[], SealedSecretRow>('SELECT * FROM sealed_secrets ORDER BY service, name');
    this.rewrapOne = db.prepare('UPDATE sealed_secrets SET master_key = ?, wrapped_key = ? WHERE service = ? AND name = ?');
  }

  get(service: string, name: string): SealedSecretRow | undefined {
    return this.one.get(service, name);
  }

  put(row: SealedSecretRow): void {
    this.upsert.run(row);
  }

  delete(service: string, name: string): boolean {
    return this.remove.run(service, name).changes > 0;
  }

  all(): SealedSecretRow[] {
    return this.every.all();
  }

  /** Replaces every row's wrapped key at once: all rows move to the new master key, or none. */
  rewrap(rows: Array<Pick<SealedSecretRow, 'service' | 'name' | 'master_key' | 'wrapped_key'>>): void {
    this.db.transaction(() => {
      for (const row of rows) this.rewrapOne.run(row.master_key, row.wrapped_key, row.service, row.name);
    }).immediate();
  }
}
