// SQLite's migration 9 (../009_pending_approvals_by_key.ts): a key's requests waiting for approval,
// counted before execute adds one.
export default /* sql */ `
CREATE INDEX approvals_pending_by_key ON approvals (trigger_key_id, status);
`;
