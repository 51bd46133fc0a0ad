// The identity-provider integrations' settings, for the API: secrets go in (to the keychain), only
// "set or not" comes out.
import { INTEGRATION_NAMES, type IntegrationName } from '../../sandbox/index.ts';
import { integrationView, removeIntegration, updateEntra, updateOkta, type EntraUpdate, type IntegrationConfigDeps, type IntegrationView, type OktaUpdate } from './config.ts';

export class IntegrationService {
  private readonly deps: IntegrationConfigDeps;

  constructor(deps: IntegrationConfigDeps) {
    this.deps = deps;
  }

  list(): IntegrationView[] {
    return INTEGRATION_NAMES.map((name) => this.view(name));
  }

  view(name: IntegrationName): IntegrationView {
    return integrationView(this.deps.settings, name);
  }

  /** The body's shape is the one the named integration takes (the API checks it against the name). */
  update(name: IntegrationName, update: OktaUpdate | EntraUpdate): Promise<IntegrationView> {
    return name === 'okta' ? updateOkta(this.deps, update as OktaUpdate) : updateEntra(this.deps, update as EntraUpdate);
  }

  /** Forgets an integration: its settings and its keychain entry. */
  remove(name: IntegrationName): Promise<IntegrationView> {
    return removeIntegration(this.deps, name);
  }
}
