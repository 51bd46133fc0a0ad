// The identity-provider integrations' API vocabulary, shared by the engine (settings, Test
// connection), the sandbox (the clients) and the console: which integrations exist, how their
// settings are shown and changed (secrets write-only), and what a connection test reports.
export const INTEGRATION_NAMES = ['okta', 'entra'] as const;
export type IntegrationName = (typeof INTEGRATION_NAMES)[number];

export interface OktaView {
  name: 'okta';
  configured: boolean;
  org_url: string | null;
  api_token_set: boolean;
}

export interface EntraView {
  name: 'entra';
  configured: boolean;
  tenant_id: string | null;
  client_id: string | null;
  client_secret_set: boolean;
  authority_url: string;
  graph_url: string;
}

export type IntegrationView = OktaView | EntraView;

export interface OktaUpdate {
  org_url: string;
  /** A string stores the token in the keychain; absent keeps the stored one. */
  api_token?: string;
}

export interface EntraUpdate {
  tenant_id: string;
  client_id: string;
  /** A string stores the secret in the keychain; absent keeps the stored one. */
  client_secret?: string;
  /** Absent or null = the public cloud's endpoint. */
  authority_url?: string | null;
  graph_url?: string | null;
}

/** `POST /v1/integrations/{name}/test`. */
export interface ConnectionTest {
  ok: boolean;
  /** What the vendor answered, for a human. */
  message: string;
  /** Vigil's error code when it failed (UNAUTHORIZED, FORBIDDEN, NETWORK_ERROR, …). */
  code: string | null;
  duration_ms: number;
  /** The requests made, credentials redacted. */
  http_calls: Array<{ method: string; url: string; status: number | null; ms: number; error: string | null }>;
}
