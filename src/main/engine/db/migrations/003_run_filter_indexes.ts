// Migration 3: the run history's combined filters (status with trigger, workflow with status) are
// answered from one index each, count included; with single-column indexes, counting the failed
// agent runs among a million meant reading every failed run's row.
export default /* sql */ `
CREATE INDEX runs_status_trigger ON runs (status, trigger_type, id);
CREATE INDEX runs_workflow_status ON runs (workflow_id, status, id);
`;
