import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  ConnectionTest,
  EntraPut,
  IntegrationParams as NameParams,
  IntegrationView,
  One,
  OktaPut,
  errorResponses,
  type EntraUpdate,
  type OktaUpdate,
} from '../../../../shared/api/index.ts';
import type { IntegrationName } from '../../../../shared/integrations.ts';
import { invalid } from '../../errors.ts';
import type { IntegrationService } from '../../integrations/index.ts';
import type { TestRunService } from '../../runs/index.ts';

const tags = ['settings'];
const admin = { scopes: ['admin'] };


/**
 * `/v1/integrations[/{okta|entra}]` (admin only): the identity-provider integrations behind
 * ctx.integrations and the built-in identity workflows. Secrets go in, only "set or not" comes out.
 */
export function integrationRoutes(integrations: IntegrationService, testRuns: Pick<TestRunService, 'connection'>) {
  return async function integrationsPlugin(app: FastifyInstance) {
    app.get(
      '/v1/integrations',
      {
        config: admin,
        schema: {
          tags,
          summary: 'The Okta and Entra integrations (never their secrets)',
          response: { 200: One(Type.Array(IntegrationView)), ...errorResponses() },
        },
      },
      async () => ({ data: integrations.list(), meta: {} }),
    );

    app.get<{ Params: { name: IntegrationName } }>(
      '/v1/integrations/:name',
      { config: admin, schema: { tags, summary: 'One integration (never its secret)', params: NameParams, response: { 200: One(IntegrationView), ...errorResponses() } } },
      async (request) => ({ data: integrations.view(request.params.name), meta: {} }),
    );

    app.put<{ Params: { name: IntegrationName }; Body: OktaUpdate | EntraUpdate }>(
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
          response: { 200: One(IntegrationView), ...errorResponses(502, 503) },
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
        return { data: await integrations.update(name, body as OktaUpdate | EntraUpdate), meta: {} };
      },
    );

    app.delete<{ Params: { name: IntegrationName } }>(
      '/v1/integrations/:name',
      {
        config: admin,
        schema: { tags, summary: 'Remove an integration and its keychain entry', params: NameParams, response: { 200: One(IntegrationView), ...errorResponses(502, 503) } },
      },
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
          response: { 200: One(ConnectionTest), ...errorResponses() },
        },
      },
      async (request) => ({ data: await testRuns.connection(request.params.name), meta: {} }),
    );
  };
}
