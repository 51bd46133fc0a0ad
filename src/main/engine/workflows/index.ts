// The workflows room (DESIGN.md §2): the workflows service, the endpoint configuration's rules, the
// linter and type checker behind saving, and how workflows appear to callers.
export { WorkflowService } from './service.ts';
export { endpointBody, resolveEndpoint, storedEndpoint, type EndpointBodyParts } from './endpoint.ts';
export { readVigilTypes, typecheckWorkflow } from './typecheck.ts';
export { loadLinter } from './linter.ts';
export { checkMocks } from './mocks.ts';
export { agentWorkflowView } from './views.ts';
