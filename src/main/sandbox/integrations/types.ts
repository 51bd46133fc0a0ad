// What the engine hands the sandbox process about the identity-provider integrations of one run,
// and what travels between a guest's ctx.integrations call and the broker. Credentials stop in the
// sandbox process's main thread: the worker and the guest only ever learn whether a client exists.
import type { HttpSummary } from '../protocol.ts';

export { INTEGRATION_NAMES, type IntegrationName } from '../../../shared/integrations.ts';

export interface OktaConfig {
  /** https://your-org.okta.com (no trailing slash). */
  org_url: string;
  api_token: string;
}

export interface EntraConfig {
  tenant_id: string;
  client_id: string;
  client_secret: string;
  /** Token endpoint host; https://login.microsoftonline.com unless a national cloud (or a test). */
  authority_url: string;
  /** Microsoft Graph; https://graph.microsoft.com unless a national cloud (or a test). */
  graph_url: string;
}

/** The integrations configured when the run was created; null = not configured. */
export interface RunIntegrations {
  okta: OktaConfig | null;
  entra: EntraConfig | null;
}

/** A guest's call of one client method, after the guest-side argument checks. */
export interface GuestIntegrationCall {
  integration: string;
  method: string;
  args: unknown[];
}

/** The error a failed client call rejects with in the guest (see IntegrationError in vigil.d.ts). */
export interface IntegrationFailure {
  message: string;
  code: string;
  status: number | null;
  vendor_code: string | null;
}

export type IntegrationResult =
  | { ok: true; value: unknown; summaries: HttpSummary[] }
  | { ok: false; error: IntegrationFailure; summaries: HttpSummary[]; fatal?: string };
