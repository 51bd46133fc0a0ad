// API keys and the console's session (src/main/engine/api/routes/keys.ts and session.ts; the view
// is src/main/engine/keys/views.ts). A key's secret is in the answer that creates it, and nowhere else.
import { Type, type Static } from 'typebox';
import { KEY_TYPES, SCOPES } from '../domain.ts';
import { Closed, DateTime, Enum, Nullable, Uuid } from './common.ts';

export const KeyCreate = Closed({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  key_type: Enum(KEY_TYPES),
  scopes: Type.Optional(Type.Array(Enum(SCOPES), { uniqueItems: true, minItems: 1 })),
  expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
});
export type KeyCreate = Static<typeof KeyCreate>;

export const SessionBody = Closed({
  login_token: Type.String({ minLength: 1, maxLength: 200, description: 'The token from the login URL printed by `vigil serve`.' }),
});
export type SessionBody = Static<typeof SessionBody>;

const keyFields = {
  uuid: Uuid,
  name: Type.String(),
  key_type: Enum(KEY_TYPES),
  scopes: Type.Array(Enum(SCOPES)),
  prefix: Type.String({ description: 'The key\'s first characters, to recognise it.' }),
  created_at: DateTime(),
  expires_at: Nullable(DateTime()),
  last_used_at: Nullable(DateTime()),
  revoked_at: Nullable(DateTime()),
  revoked: Type.Boolean(),
};

/** A key as it is listed: never its secret, nor its hash. */
export const ApiKey = Type.Object(keyFields);
export type ApiKey = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Object({ ...keyFields, key: Type.String({ description: 'The key itself: in this answer only.' }) });
export type CreatedApiKey = Static<typeof CreatedApiKey>;
