// Secrets and the keychain's state (src/main/engine/api/routes/secrets.ts and settings.ts). Values
// go in and never come out: answers carry names and who uses them.
import { Type, type Static } from 'typebox';
import { Closed, DateTime, Nullable } from './common.ts';
import { SECRET_NAME_PATTERN } from './workflows.ts';

export const SecretParams = Type.Object({ name: Type.String({ pattern: SECRET_NAME_PATTERN }) });
export const SecretPut = Closed({ value: Type.String({ minLength: 1, maxLength: 64 * 1024 }) });
export type SecretPut = Static<typeof SecretPut>;

/**
 * Whether the OS keychain can be used (GET /v1/settings `keychain`, GET /v1/secrets
 * `meta.keychain`): `unavailable` says why and how to fix it.
 */
export const KeychainStatus = Type.Union([
  Type.Object({ state: Type.Literal('checking') }),
  Type.Object({ state: Type.Literal('available') }),
  Type.Object({ state: Type.Literal('unavailable'), reason: Type.String({ description: 'no-dbus-session, no-secret-service, locked, timeout, unsupported or platform-failure.' }), why: Type.String(), fix: Type.String() }),
]);
export type KeychainStatus = Static<typeof KeychainStatus>;

const UsedBy = Type.Array(Type.Object({ uuid: Type.String(), name: Type.String() }), { description: 'The workflows that declare it.' });

export const Secret = Type.Object({
  name: Type.String(),
  created_at: Nullable(DateTime()),
  updated_at: Nullable(DateTime()),
  set: Type.Boolean({ description: 'False for a secret a workflow declares but nobody has set.' }),
  used_by: UsedBy,
});
export type Secret = Static<typeof Secret>;

export const SecretSet = Type.Object({ name: Type.String(), set: Type.Literal(true), used_by: UsedBy });
export const SecretDeleted = Type.Object({ name: Type.String(), deleted: Type.Literal(true), used_by: UsedBy });

export const SecretListMeta = Type.Object({ total: Type.Integer({ minimum: 0 }), keychain: KeychainStatus });
