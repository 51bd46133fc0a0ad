// The runs room (DESIGN.md §2): executing workflows (the execution service and the run queue),
// reading and cancelling runs, one-off test runs, and the one place a run request is built.
export { ExecutionService } from './execute.ts';
export { RunService, type RunQuery } from './service.ts';
export { RunScheduler } from './scheduler.ts';
export type { Reservation } from './queue.ts';
export { TestRunService, type TestOutcome, type TestRequest } from './test-runs.ts';
export { buildRunRequest, runInput, type InputFields, type RunExecutor } from './request.ts';
