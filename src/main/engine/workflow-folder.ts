// Workflows as files on a data folder without a server, for `vigil export` and `vigil import
// --data-dir`: a second, small composition root beside engine.ts that builds only what reading and
// saving workflows needs (no sandbox, no keychain, no notifiers). An import here takes the same
// path as one through the API: the workflows service lints, versions and records every change.
import { ApprovalService } from './approvals/index.ts';
import type { ApiKey, Store } from './db/index.ts';
import { EventBus } from './events/bus.ts';
import { seedBuiltinWorkflows } from './integrations/index.ts';
import { iso, systemClock, type Clock } from './util/time.ts';
import { exportWorkflows, WorkflowImportService, WorkflowService, type ExportOptions, type ImportOptions, type ImportPlan } from './workflows/index.ts';

/** Who the versions an import from the command line saves are recorded as. */
const COMMAND_LINE: ApiKey = {
  id: 0,
  uuid: '00000000-0000-0000-0000-000000000000',
  name: 'vigil import',
  key_type: 'human',
  scopes: ['workflows:write'],
  prefix: 'command line',
  created_at: '1970-01-01T00:00:00.000Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
};

/** The folder's workflows as files (read only: nothing is written to the folder). */
export function exportFolder(store: Store, options: ExportOptions = {}): Map<string, string> {
  return exportWorkflows(store, options);
}

/**
 * Imports files into the folder. The built-in workflows are seeded first, as a start would, so
 * that a built-in's file finds its workflow in a folder no server has opened yet.
 */
export async function importIntoFolder(store: Store, files: Map<string, string>, options: ImportOptions, clock: Clock = systemClock): Promise<ImportPlan> {
  if (!options.dryRun) seedBuiltinWorkflows(store, iso(clock.now()));
  const bus = new EventBus(console);
  const approvals = new ApprovalService({ store, bus, clock, warnings: () => [], onRunQueued: () => {}, log: console });
  // Warnings about unset secrets are for the console's views; an import does not show them.
  const workflows = new WorkflowService({ store, bus, clock, secrets: { warnings: () => [] }, approvals });
  try {
    return await new WorkflowImportService({ store, workflows }).import(COMMAND_LINE, files, options);
  } finally {
    approvals.stop();
  }
}
