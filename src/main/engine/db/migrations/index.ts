import initial from './001_initial.ts';

/** Ordered migrations; a migration's number is its position (user_version after applying it). */
export const MIGRATIONS: readonly string[] = [initial];
