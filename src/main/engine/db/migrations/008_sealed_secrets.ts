// Migration 8: secret values sealed in the database, for servers without an OS keychain
// (secrets/sealed.ts). Each value is encrypted with its own data key; the data key is stored
// wrapped by the operator's master key, whose fingerprint says which master key wrapped it.
export default /* sql */ `
CREATE TABLE sealed_secrets (
  service     TEXT NOT NULL,
  name        TEXT NOT NULL,
  master_key  TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  value       BLOB NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (service, name)
) STRICT;
`;
