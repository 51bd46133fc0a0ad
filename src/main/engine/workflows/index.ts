// The workflows room (DESIGN.md §2): the workflows service, the endpoint configuration's rules, the
// linter and type checker behind saving, and how workflows appear to callers.
export { WorkflowService, type WorkflowMocks } from './service.ts';
export { endpointBody, resolveEndpoint, storedEndpoint, type EndpointBodyParts } from './endpoint.ts';
export { lintWorkflowCode, readVigilTypes, typecheckWorkflow } from './code-check-thread.ts';
export { checkMocks } from './mocks.ts';
export { WorkflowImportService, type ImportOptions, type ImportPlan, type ImportPlanItem } from './import.ts';
export { exportWorkflows, type ExportOptions } from './export.ts';
export { agentWorkflowView } from './views.ts';
