import initial from './001_initial.ts';
import pendingApprovalsByKey from './002_pending_approvals_by_key.ts';

/**
 * Ordered PostgreSQL migrations; a migration's number is its position (vigil_schema.version after
 * applying it). They are numbered apart from SQLite's: the first one is SQLite's eighth state, and
 * each after it is the SQLite migration its header names.
 * db/postgres/index.ts applies them.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [initial, pendingApprovalsByKey];
