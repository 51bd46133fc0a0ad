import initial from './001_initial.ts';
import builtinWorkflows from './002_builtin_workflows.ts';
import runFilterIndexes from './003_run_filter_indexes.ts';
import trustBoundary from './004_trust_boundary.ts';
import runSteps from './005_run_steps.ts';
import schedules from './006_schedules.ts';
import workflowMocks from './007_workflow_mocks.ts';
import sealedSecrets from './008_sealed_secrets.ts';
import pendingApprovalsByKey from './009_pending_approvals_by_key.ts';
import type { Migration } from '../open.ts';

/** Ordered migrations; a migration's number is its position (user_version after applying it). */
export const MIGRATIONS: readonly Migration[] = [initial, builtinWorkflows, runFilterIndexes, trustBoundary, runSteps, schedules, workflowMocks, sealedSecrets, pendingApprovalsByKey];
