// Migration 4: what decides what a run may do is part of the version an analyst approves, so each
// version row carries the declared secrets, the egress allowlist and the timeout beside the code.
// Versions saved before this migration get the workflow's values of the moment: the best record
// there is, and exactly what runs of those versions were given until now.
// Agent keys see only the runs and approvals they triggered: their lists are served by an index on
// the triggering key. The scheduler claims the oldest queued run of each key in turn.
export default /* sql */ `
ALTER TABLE workflow_versions ADD COLUMN secrets TEXT NOT NULL DEFAULT '[]';
ALTER TABLE workflow_versions ADD COLUMN allowed_hosts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE workflow_versions ADD COLUMN timeout_seconds INTEGER NOT NULL DEFAULT 60;
UPDATE workflow_versions SET
  secrets = (SELECT w.secrets FROM workflows w WHERE w.id = workflow_versions.workflow_id),
  allowed_hosts = (SELECT w.allowed_hosts FROM workflows w WHERE w.id = workflow_versions.workflow_id),
  timeout_seconds = (SELECT w.timeout_seconds FROM workflows w WHERE w.id = workflow_versions.workflow_id);

CREATE INDEX runs_trigger_key ON runs (trigger_key_id, id);
CREATE INDEX runs_queued_by_key ON runs (status, trigger_key_id, id);
CREATE INDEX approvals_trigger_key ON approvals (trigger_key_id, id);
`;
