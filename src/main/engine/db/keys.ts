import { createHash, randomBytes } from 'node:crypto';
import type { KeyType, Scope } from '../../../shared/domain.ts';
import { newId } from '../util/ids.ts';
import { fromJson, toJson } from '../util/json.ts';
import type { Db } from './open.ts';

export interface ApiKey {
  id: number;
  uuid: string;
  name: string;
  key_type: KeyType;
  scopes: Scope[];
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface ApiKeyRow extends Omit<ApiKey, 'scopes'> {
  scopes: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `vgl_` + 32 random bytes in base62 (43 characters). */
export function generateKeySecret(): string {
  let n = BigInt(`0x${randomBytes(32).toString('hex')}`);
  let out = '';
  while (out.length < 43) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return `vgl_${out}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

// The hash identifies a key but is never read back: nothing outside this file can then leak it.
const KEY_COLUMNS = 'id, uuid, name, key_type, scopes, prefix, created_at, expires_at, last_used_at, revoked_at';

function toKey(row: ApiKeyRow): ApiKey {
  return { ...row, scopes: fromJson(row.scopes) };
}

export class ApiKeyRepository {
  private readonly insert;
  private readonly byHash;
  private readonly byUuid;
  private readonly byId;
  private readonly all;
  private readonly revoke;
  private readonly touch;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO api_keys (uuid, name, key_type, scopes, prefix, key_hash, created_at, expires_at)
       VALUES (@uuid, @name, @key_type, @scopes, @prefix, @key_hash, @created_at, @expires_at)`,
    );
    this.byHash = db.prepare<[string], ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = ?`);
    this.byUuid = db.prepare<[string], ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE uuid = ?`);
    this.byId = db.prepare<[number], ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`);
    this.all = db.prepare<[], ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY id DESC`);
    this.revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE uuid = ? AND revoked_at IS NULL');
    this.touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  }

  /** Returns the stored key and the secret, which exists nowhere else after this call. */
  create(input: { name: string; key_type: KeyType; scopes: Scope[]; expires_at: string | null; now: string }): {
    key: ApiKey;
    secret: string;
  } {
    const secret = generateKeySecret();
    const uuid = newId();
    this.insert.run({
      uuid,
      name: input.name,
      key_type: input.key_type,
      scopes: toJson(input.scopes),
      prefix: secret.slice(0, 12),
      key_hash: hashKey(secret),
      created_at: input.now,
      expires_at: input.expires_at,
    });
    return { key: this.get(uuid)!, secret };
  }

  findByHash(hash: string): ApiKey | undefined {
    const row = this.byHash.get(hash);
    return row && toKey(row);
  }

  get(uuid: string): ApiKey | undefined {
    const row = this.byUuid.get(uuid);
    return row && toKey(row);
  }

  getById(id: number): ApiKey | undefined {
    const row = this.byId.get(id);
    return row && toKey(row);
  }

  list(): ApiKey[] {
    return this.all.all().map(toKey);
  }

  /** True when this call revoked it; false when it was already revoked. */
  revokeKey(uuid: string, now: string): boolean {
    return this.revoke.run(now, uuid).changes === 1;
  }

  markUsed(id: number, now: string): void {
    this.touch.run(now, id);
  }
}
