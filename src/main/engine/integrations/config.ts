// Integration settings, the way the LLM settings are kept: non-secret configuration (Okta org URL;
// Entra tenant, client id and endpoints) in the settings table under `integrations.*`, the Okta API
// token and the Entra client secret in Vigil's credentials keychain (never SQLite, never a
// response, never a log line). A flag in the settings table records whether the secret was
// stored, so views and the `not configured` badges never touch the keychain.
import type { IntegrationName, RunIntegrations } from '../../sandbox/index.ts';
import { DomainError, type Problem } from '../errors.ts';
import type { SettingsTable } from '../db/index.ts';
import type { SecretStore } from '../secrets/index.ts';
import type { EntraUpdate, EntraView, IntegrationView, OktaUpdate, OktaView } from '../../../shared/integrations.ts';

export type { EntraUpdate, EntraView, IntegrationView, OktaUpdate, OktaView };

export const DEFAULT_ENTRA_AUTHORITY_URL = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';

export const INTEGRATION_CREDENTIALS: Record<IntegrationName, string> = {
  okta: 'INTEGRATION_OKTA_API_TOKEN',
  entra: 'INTEGRATION_ENTRA_CLIENT_SECRET',
};

const KEY = {
  okta: { org_url: 'integrations.okta.org_url', secret_set: 'integrations.okta.api_token_set' },
  entra: {
    tenant_id: 'integrations.entra.tenant_id',
    client_id: 'integrations.entra.client_id',
    authority_url: 'integrations.entra.authority_url',
    graph_url: 'integrations.entra.graph_url',
    secret_set: 'integrations.entra.client_secret_set',
  },
} as const;

export interface IntegrationConfigDeps {
  settings: SettingsTable;
  /** Vigil's own credentials store (keychain service `vigil.credentials`). */
  credentials: SecretStore;
}

/** Bad input, listed field by field. */
export class IntegrationSettingsError extends DomainError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('invalid', 'VALIDATION_ERROR', `The request is not valid: ${problems.length} problem(s).`, { problems });
    this.name = 'IntegrationSettingsError';
    this.problems = problems;
  }
}

const text = (stored: Record<string, unknown>, key: string) => (typeof stored[key] === 'string' && stored[key] !== '' ? (stored[key] as string) : null);

export function oktaView(table: SettingsTable): OktaView {
  const stored = table.read();
  const org_url = text(stored, KEY.okta.org_url);
  const api_token_set = stored[KEY.okta.secret_set] === true;
  return { name: 'okta', configured: Boolean(org_url && api_token_set), org_url, api_token_set };
}

export function entraView(table: SettingsTable): EntraView {
  const stored = table.read();
  const tenant_id = text(stored, KEY.entra.tenant_id);
  const client_id = text(stored, KEY.entra.client_id);
  const client_secret_set = stored[KEY.entra.secret_set] === true;
  return {
    name: 'entra',
    configured: Boolean(tenant_id && client_id && client_secret_set),
    tenant_id,
    client_id,
    client_secret_set,
    authority_url: text(stored, KEY.entra.authority_url) ?? DEFAULT_ENTRA_AUTHORITY_URL,
    graph_url: text(stored, KEY.entra.graph_url) ?? DEFAULT_GRAPH_URL,
  };
}

export function integrationView(table: SettingsTable, name: IntegrationName): IntegrationView {
  return name === 'okta' ? oktaView(table) : entraView(table);
}

/** Which integrations are configured (the workflow list's `not configured` badges). */
export function configuredIntegrations(table: SettingsTable): Record<IntegrationName, boolean> {
  return { okta: oktaView(table).configured, entra: entraView(table).configured };
}

/** Stores the Okta settings; the keychain goes first, so nothing changes when it is unavailable. */
export async function updateOkta(deps: IntegrationConfigDeps, update: OktaUpdate): Promise<OktaView> {
  const problems: Problem[] = [];
  const orgUrl = baseUrl(update.org_url, 'body.org_url', problems);
  const current = oktaView(deps.settings);
  if (update.api_token === undefined && !current.api_token_set) problems.push({ field: 'body.api_token', message: 'is required (an Okta API token; it is stored in the OS keychain)' });
  if (update.api_token !== undefined && !/^[\x21-\x7e]{8,512}$/.test(update.api_token)) problems.push({ field: 'body.api_token', message: 'must be 8–512 visible ASCII characters' });
  if (problems.length > 0) throw new IntegrationSettingsError(problems);
  if (update.api_token !== undefined) await deps.credentials.set(INTEGRATION_CREDENTIALS.okta, update.api_token);
  deps.settings.write({ [KEY.okta.org_url]: orgUrl, ...(update.api_token !== undefined ? { [KEY.okta.secret_set]: true } : {}) });
  return oktaView(deps.settings);
}

export async function updateEntra(deps: IntegrationConfigDeps, update: EntraUpdate): Promise<EntraView> {
  const problems: Problem[] = [];
  const tenant = update.tenant_id.trim();
  const client = update.client_id.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(tenant)) problems.push({ field: 'body.tenant_id', message: 'must be the directory (tenant) id, a GUID, or a verified domain such as contoso.onmicrosoft.com' });
  if (!GUID.test(client)) problems.push({ field: 'body.client_id', message: "must be the app registration's application (client) id, a GUID" });
  const authority = update.authority_url ? baseUrl(update.authority_url, 'body.authority_url', problems) : null;
  const graph = update.graph_url ? baseUrl(update.graph_url, 'body.graph_url', problems) : null;
  const current = entraView(deps.settings);
  if (update.client_secret === undefined && !current.client_secret_set) problems.push({ field: 'body.client_secret', message: 'is required (a client secret value of the app registration; it is stored in the OS keychain)' });
  if (update.client_secret !== undefined && !/^[\x20-\x7e]{8,1024}$/.test(update.client_secret)) problems.push({ field: 'body.client_secret', message: 'must be 8–1024 printable ASCII characters (the secret value, not its id)' });
  if (problems.length > 0) throw new IntegrationSettingsError(problems);
  if (update.client_secret !== undefined) await deps.credentials.set(INTEGRATION_CREDENTIALS.entra, update.client_secret);
  deps.settings.write({
    [KEY.entra.tenant_id]: tenant,
    [KEY.entra.client_id]: client,
    [KEY.entra.authority_url]: authority,
    [KEY.entra.graph_url]: graph,
    ...(update.client_secret !== undefined ? { [KEY.entra.secret_set]: true } : {}),
  });
  return entraView(deps.settings);
}

/** Forgets an integration: its settings and its keychain entry. */
export async function removeIntegration(deps: IntegrationConfigDeps, name: IntegrationName): Promise<IntegrationView> {
  await deps.credentials.delete(INTEGRATION_CREDENTIALS[name]);
  deps.settings.write(Object.fromEntries(Object.values(KEY[name]).map((key) => [key, key.endsWith('_set') ? false : null])));
  return integrationView(deps.settings, name);
}

/**
 * The configuration a run gets, credentials read from the keychain, for the integrations named.
 * An integration that is not configured is null; a locked keychain propagates as its own error.
 */
export async function resolveIntegrations(deps: IntegrationConfigDeps, names: Iterable<IntegrationName>): Promise<RunIntegrations> {
  const out: RunIntegrations = { okta: null, entra: null };
  for (const name of new Set(names)) {
    if (name === 'okta') {
      const view = oktaView(deps.settings);
      if (!view.configured) continue;
      const token = await deps.credentials.get(INTEGRATION_CREDENTIALS.okta);
      if (token !== null) out.okta = { org_url: view.org_url!, api_token: token };
    } else {
      const view = entraView(deps.settings);
      if (!view.configured) continue;
      const secret = await deps.credentials.get(INTEGRATION_CREDENTIALS.entra);
      if (secret !== null) {
        out.entra = { tenant_id: view.tenant_id!, client_id: view.client_id!, client_secret: secret, authority_url: view.authority_url, graph_url: view.graph_url };
      }
    }
  }
  return out;
}

/** Stands in for the secret in test mode, where mocks answer every call and the keychain is not read. */
export const TEST_MODE_CREDENTIAL = 'vigil-test-mode-credential';

/** Test runs: the configured integrations with a placeholder credential (mocks answer, nothing leaves). */
export function testModeIntegrations(table: SettingsTable, names: Iterable<IntegrationName>): RunIntegrations {
  const out: RunIntegrations = { okta: null, entra: null };
  for (const name of new Set(names)) {
    if (name === 'okta') {
      const view = oktaView(table);
      if (view.configured) out.okta = { org_url: view.org_url!, api_token: TEST_MODE_CREDENTIAL };
    } else {
      const view = entraView(table);
      if (view.configured) {
        out.entra = { tenant_id: view.tenant_id!, client_id: view.client_id!, client_secret: TEST_MODE_CREDENTIAL, authority_url: view.authority_url, graph_url: view.graph_url };
      }
    }
  }
  return out;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An http(s) origin with nothing after it; the trailing slash is dropped. */
function baseUrl(value: string, field: string, problems: Problem[]): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    problems.push({ field, message: 'must be an absolute https:// URL, e.g. https://example.okta.com' });
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push({ field, message: 'must be an https:// URL' });
  if (url.username || url.password) problems.push({ field, message: 'must not carry credentials' });
  if (url.pathname !== '/' || url.search || url.hash) problems.push({ field, message: 'must be the base URL only (no path, query or fragment), e.g. https://example.okta.com' });
  return url.origin;
}
