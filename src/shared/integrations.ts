// The identity-provider integrations' API vocabulary, shared by the engine (settings, Test
// connection), the sandbox (the clients) and the console: which integrations exist, how their
// settings are shown and changed (secrets write-only), and what a connection test reports.
export const INTEGRATION_NAMES = ['okta', 'entra'] as const;
export type IntegrationName = (typeof INTEGRATION_NAMES)[number];

// How they are shown and changed is part of the API contract.
export type { ConnectionTest, EntraUpdate, EntraView, IntegrationView, OktaUpdate, OktaView } from './api/integrations.ts';
