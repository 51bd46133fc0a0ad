import initial from './001_initial.ts';

/**
 * Ordered PostgreSQL migrations; a migration's number is its position (vigil_schema.version after
 * applying it). They are numbered apart from SQLite's: the first one is SQLite's eighth state.
 * db/postgres/index.ts applies them.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [initial];
