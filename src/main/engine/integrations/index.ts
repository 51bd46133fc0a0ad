// The integrations room of the engine (DESIGN.md §2): Okta and Entra settings (keychain for the
// secrets), the nine built-in identity workflows and their seeding, and what a run or an execute
// needs to know about them. The clients themselves run in the sandbox process
// (src/main/sandbox/integrations), next to the broker whose budgets and egress policy they share.
import type { IntegrationName } from '../../sandbox/index.ts';
import type { Workflow } from '../db/index.ts';
import { BUILTIN_WORKFLOWS } from './builtins.ts';

export { BUILTIN_WORKFLOWS, type BuiltinWorkflow } from './builtins.ts';
export { BUILTIN_AUTHOR, seedBuiltinWorkflows } from './seed.ts';
export {
  configuredIntegrations,
  DEFAULT_ENTRA_AUTHORITY_URL,
  DEFAULT_GRAPH_URL,
  entraView,
  INTEGRATION_CREDENTIALS,
  integrationView,
  IntegrationSettingsError,
  oktaView,
  removeIntegration,
  resolveIntegrations,
  TEST_MODE_CREDENTIAL,
  testModeIntegrations,
  updateEntra,
  updateOkta,
  type EntraUpdate,
  type EntraView,
  type IntegrationConfigDeps,
  type IntegrationView,
  type OktaUpdate,
  type OktaView,
} from './config.ts';

const BUILTIN_INTEGRATION = new Map(BUILTIN_WORKFLOWS.map((builtin) => [builtin.key, builtin.integration]));

/** The integration a built-in workflow needs; null for the analyst's own workflows. */
export function builtinIntegration(workflow: Pick<Workflow, 'builtin_key'>): IntegrationName | null {
  return workflow.builtin_key ? (BUILTIN_INTEGRATION.get(workflow.builtin_key) ?? null) : null;
}

/**
 * Which integrations a run of this code may use. Reading credentials costs a keychain round trip,
 * so runs whose code never mentions ctx.integrations' clients get none; code that reaches them
 * some other way sees `null`, which every workflow must handle anyway.
 */
export function integrationsUsedBy(code: string): IntegrationName[] {
  if (!code.includes('integrations')) return [];
  const used: IntegrationName[] = [];
  if (code.includes('okta')) used.push('okta');
  if (code.includes('entra')) used.push('entra');
  return used;
}
export { IntegrationService } from './service.ts';
