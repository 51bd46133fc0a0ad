// How an API key appears to callers: never its hash.
import type { ApiKey } from '../db/index.ts';

/** Named field by field: a column added to the keys table stays private until it is listed here. */
export function keyView(key: ApiKey) {
  return {
    uuid: key.uuid,
    name: key.name,
    key_type: key.key_type,
    scopes: key.scopes,
    prefix: key.prefix,
    created_at: key.created_at,
    expires_at: key.expires_at,
    last_used_at: key.last_used_at,
    revoked_at: key.revoked_at,
    revoked: key.revoked_at !== null,
  };
}
