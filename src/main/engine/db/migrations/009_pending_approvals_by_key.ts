// Migration 9: execute counts a key's requests waiting for approval before it adds one (the setting
// max_pending_approvals_per_key). By the triggering key and status, the count reads only the key's
// pending requests, not every request it ever made.
export default /* sql */ `
CREATE INDEX approvals_pending_by_key ON approvals (trigger_key_id, status);
`;
