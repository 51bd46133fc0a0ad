// The identity-provider integrations (src/main/engine/api/routes/integrations.ts): settings in,
// secrets write-only, and what a connection test reports.
import { Type, type Static } from 'typebox';
import { INTEGRATION_NAMES, type IntegrationName } from '../integrations.ts';
import { Closed, Nullable } from './common.ts';

export const IntegrationParams = Type.Object({
  name: Type.Unsafe<IntegrationName>({ type: 'string', enum: [...INTEGRATION_NAMES], description: 'okta or entra' }),
});

const Url = (description: string) => Type.String({ minLength: 1, maxLength: 500, description });

export const OktaPut = Closed({
  org_url: Url('The Okta org URL, e.g. https://example.okta.com'),
  api_token: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'An Okta API token; stored in the OS keychain, never returned. Absent keeps the stored token.' }),
  ),
});
export type OktaUpdate = Static<typeof OktaPut>;

export const EntraPut = Closed({
  tenant_id: Type.String({ minLength: 1, maxLength: 253, description: 'Directory (tenant) id or a verified domain' }),
  client_id: Type.String({ minLength: 1, maxLength: 64, description: "The app registration's application (client) id" }),
  client_secret: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'A client secret value; stored in the OS keychain, never returned. Absent keeps the stored secret.',
    }),
  ),
  authority_url: Type.Optional(Type.Union([Url('Token endpoint host; default https://login.microsoftonline.com'), Type.Null()])),
  graph_url: Type.Optional(Type.Union([Url('Microsoft Graph; default https://graph.microsoft.com'), Type.Null()])),
});
export type EntraUpdate = Static<typeof EntraPut>;

export const OktaView = Type.Object({
  name: Type.Literal('okta'),
  configured: Type.Boolean(),
  org_url: Nullable(Type.String()),
  api_token_set: Type.Boolean(),
});
export type OktaView = Static<typeof OktaView>;

export const EntraView = Type.Object({
  name: Type.Literal('entra'),
  configured: Type.Boolean(),
  tenant_id: Nullable(Type.String()),
  client_id: Nullable(Type.String()),
  client_secret_set: Type.Boolean(),
  authority_url: Type.String(),
  graph_url: Type.String(),
});
export type EntraView = Static<typeof EntraView>;

export const IntegrationView = Type.Union([OktaView, EntraView]);
export type IntegrationView = Static<typeof IntegrationView>;

export const ConnectionTest = Type.Object({
  ok: Type.Boolean(),
  message: Type.String({ description: 'What the vendor answered, for a human.' }),
  code: Nullable(Type.String(), { description: 'Vigil\'s error code when it failed (UNAUTHORIZED, FORBIDDEN, NETWORK_ERROR, KEYCHAIN_UNAVAILABLE, …).' }),
  duration_ms: Type.Number(),
  http_calls: Type.Array(
    Type.Object({ method: Type.String(), url: Type.String(), status: Nullable(Type.Integer()), ms: Type.Number(), error: Nullable(Type.String()) }),
    { description: 'The requests made, credentials redacted.' },
  ),
});
export type ConnectionTest = Static<typeof ConnectionTest>;
