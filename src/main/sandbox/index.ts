// The sandbox room's door (DESIGN.md §6): everything the engine, the CLI and the Electron shell
// use from the sandbox. Importing it loads only the host side (no QuickJS, no undici); those load
// in the sandbox process.
export type { EndpointRequest, HttpCallRecord, RunOptions, RunOutcome, RunOutcomeStatus, RunRequest, SandboxLimits, TestReport } from './types.ts';
export { DEFAULT_LIMITS, MAX_LIMITS, resolveLimits } from './limits.ts';
export { createSandboxHost, type SandboxHost, type SandboxHostOptions } from './host.ts';
export { forkLauncher, minimalEnv, sandboxProcessEntry, type ForkLauncherOptions, type SandboxChannel, type SandboxLauncher } from './launcher.ts';
export type { HostToSandbox, SandboxToHost } from './protocol.ts';
export { answerEveryCall, MockSpecError, parseMockSpec, type MockResponse, type MockRule, type MockSpec } from './mocks.ts';
export { toTestReport } from './report.ts';
export { REDACTED } from './redact.ts';
export { INTEGRATION_NAMES, type EntraConfig, type IntegrationName, type OktaConfig, type RunIntegrations } from './integrations/types.ts';
