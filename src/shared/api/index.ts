// The REST contract in one import: every request and answer body of /v1, the error envelope and
// its codes. One file per resource; src/shared/api/common.ts holds the envelope's parts.
export * from './common.ts';
export * from './errors.ts';
export * from './workflows.ts';
export * from './runs.ts';
export * from './testing.ts';
export * from './approvals.ts';
export * from './keys.ts';
export * from './secrets.ts';
export * from './settings.ts';
export * from './generate.ts';
export * from './notifiers.ts';
export * from './integrations.ts';
export * from './workflow-files.ts';
