// Migration 6: schedules. A workflow may run on its own (workflow_type `scheduled`, trigger
// `schedule`), and an occurrence that does not run is recorded as a `skipped` run. The CHECK
// constraints that name the allowed values are widened by rebuilding their tables (rebuild.ts);
// the new columns are plain additions:
// - workflows.schedule (JSON, part of each version), next_run_at (when the schedule fires next;
//   null unless the workflow is active and has one), last_scheduled_at (the last occurrence handled);
// - workflow_versions.schedule; runs.scheduled_for and approvals.scheduled_for (the occurrence).
import type { SqliteDb } from '../open.ts';
import { rebuildTable, replaceOnce } from '../rebuild.ts';

export default {
  run(db: SqliteDb): void {
    rebuildTable(
      db,
      'workflows',
      replaceOnce("CHECK (workflow_type IN ('indicator', 'alert'))", "CHECK (workflow_type IN ('indicator', 'alert', 'scheduled'))"),
    );
    const widenTrigger = replaceOnce("CHECK (trigger_type IN ('human', 'agent'))", "CHECK (trigger_type IN ('human', 'agent', 'schedule'))");
    rebuildTable(db, 'approvals', widenTrigger);
    rebuildTable(db, 'runs', (sql) =>
      replaceOnce(
        "CHECK (status IN ('queued', 'running', 'success', 'failed', 'timed_out', 'cancelled'))",
        "CHECK (status IN ('queued', 'running', 'success', 'failed', 'timed_out', 'cancelled', 'skipped'))",
      )(widenTrigger(sql)),
    );
    db.exec(/* sql */ `
      ALTER TABLE workflows ADD COLUMN schedule TEXT;
      ALTER TABLE workflows ADD COLUMN next_run_at TEXT;
      ALTER TABLE workflows ADD COLUMN last_scheduled_at TEXT;
      ALTER TABLE workflow_versions ADD COLUMN schedule TEXT;
      ALTER TABLE runs ADD COLUMN scheduled_for TEXT;
      ALTER TABLE approvals ADD COLUMN scheduled_for TEXT;
      CREATE INDEX workflows_next_run ON workflows (next_run_at) WHERE next_run_at IS NOT NULL;
      CREATE INDEX runs_workflow_trigger_status ON runs (workflow_id, trigger_type, status);
    `);
  },
};
