import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { INTEGRATION_NAMES, type IntegrationName } from '../../../sandbox/index.ts';
import { invalid } from '../../errors.ts';
import type { IntegrationService } from '../../integrations/index.ts';
import type { TestRunService } from '../../runs/index.ts';

const tags = ['settings'];
const admin = { scopes: ['admin'] };

const NameParams = Type.Object({ name: Type.Unsafe<IntegrationName>({ type: 'string', enum: [...INTEGRATION_NAMES], description: 'okta or entra' }) });

const Url = (description: string) => Type.String({ minLength: 1, maxLength: 500, description });

export const OktaPut = Type.Object(
  {
    org_url: Url('The Okta org URL, e.g. https://example.okta.com'),
    api_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'An Okta API token; stored in the OS keychain, never returned. Absent keeps the stored token.' })),
  },
  { additionalProperties: false },
);
export type OktaPut = Static<typeof OktaPut>;

export const EntraPut = Type.Object(
  {
    tenant_id: Type.String({ minLength: 1, maxLength: 253, description: 'Directory (tenant) id or a verified domain' }),
    client_id: Type.String({ minLength: 1, maxLength: 64, description: "The app registration's application (client) id" }),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'A client secret value; stored in the OS keychain, never returned. Absent keeps the stored secret.' })),
    authority_url: Type.Optional(Type.Union([Url('Token endpoint host; default https://login.microsoftonline.com'), Type.Null()])),
    graph_url: Type.Optional(Type.Union([Url('Microsoft Graph; default https://graph.microsoft.com'), Type.Null()])),
  },
  { additionalProperties: false },
);
export type EntraPut = Static<typeof EntraPut>;

/**
 * `/v1/integrations[/{okta|entra}]` (admin only): the identity-provider integrations behind
 * ctx.integrations and the built-in identity workflows. Secrets go in, only "set or not" comes out.
 */
export function integrationRoutes(integrations: IntegrationService, testRuns: Pick<TestRunService, 'connection'>) {
  return async function integrationsPlugin(app: FastifyInstance) {
    app.get('/v1/integrations', { config: admin, schema: { tags, summary: 'The Okta and Entra integrations (never their secrets)' } }, async () => ({
      data: integrations.list(),
      meta: {},
    }));

    app.get<{ Params: { name: IntegrationName } }>(
      '/v1/integrations/:name',
      { config: admin, schema: { tags, summary: 'One integration (never its secret)', params: NameParams } },
      async (request) => ({ data: integrations.view(request.params.name), meta: {} }),
    );

    app.put<{ Params: { name: IntegrationName }; Body: OktaPut | EntraPut }>(
      '/v1/integrations/:name',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Configure an integration; its secret goes to the OS keychain',
          description:
            'okta: `{org_url, api_token}`. entra: `{tenant_id, client_id, client_secret, authority_url?, graph_url?}`. ' +
            'The secret may be left out to keep the stored one. The answer is the same as GET.',
          params: NameParams,
          body: Type.Union([OktaPut, EntraPut]),
        },
      },
      async (request) => {
        const { name } = request.params;
        const body = request.body as Record<string, unknown>;
        // The union lets either shape through; the integration named in the path decides which applies.
        const allowed = name === 'okta' ? Object.keys(OktaPut.properties) : Object.keys(EntraPut.properties);
        const required = name === 'okta' ? ['org_url'] : ['tenant_id', 'client_id'];
        const problems = [
          ...Object.keys(body).filter((key) => !allowed.includes(key)).map((key) => ({ field: `body.${key}`, message: `unknown field ${key} for ${name}` })),
          ...required.filter((key) => typeof body[key] !== 'string').map((key) => ({ field: `body.${key}`, message: `${key} is required` })),
        ];
        if (problems.length > 0) throw invalid(problems);
        return { data: await integrations.update(name, body as OktaPut | EntraPut), meta: {} };
      },
    );

    app.delete<{ Params: { name: IntegrationName } }>(
      '/v1/integrations/:name',
      { config: admin, schema: { tags, summary: 'Remove an integration and its keychain entry', params: NameParams } },
      async (request) => ({ data: await integrations.remove(request.params.name), meta: {} }),
    );

    app.post<{ Params: { name: IntegrationName } }>(
      '/v1/integrations/:name/test',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Test the connection: a sandboxed checkConnection() call with the stored credentials',
          description:
            'Always 200 once the integration is configured: `ok` says whether the vendor accepted the credentials, `message` what it ' +
            'answered. Credentials the keychain cannot give fail the test like any run (`code` KEYCHAIN_UNAVAILABLE or KEYCHAIN_ERROR).',
          params: NameParams,
        },
      },
      async (request) => ({ data: await testRuns.connection(request.params.name), meta: {} }),
    );
  };
}
