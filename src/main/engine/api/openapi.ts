// /v1/openapi.json is built on its first request, not while the server starts: @fastify/swagger
// (with the YAML library it loads) was about a tenth of the modules `vigil serve` loaded before it
// could listen, for a document few callers ever ask for. The API's routes are recorded as they are
// registered; the first request registers the same routes (their schemas, no handlers of use) on
// a throwaway Fastify instance with the swagger plugin and keeps the document it generates.
import type { FastifyInstance, RouteOptions } from 'fastify';

const OPENAPI_OPTIONS = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Vigil API',
      version: '1',
      description: 'Local API of Vigil. Agents execute workflows; humans approve risky runs. All requests need `Authorization: Bearer <key>` (or `X-API-Key: <key>`).',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http' as const, scheme: 'bearer' },
        apiKey: { type: 'apiKey' as const, in: 'header' as const, name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }] as Array<Record<string, string[]>>,
  },
};

type RecordedRoute = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>;

/** Records `app`'s routes from now on; the returned function answers the OpenAPI document. */
export function openApiDocument(app: FastifyInstance): () => Promise<unknown> {
  const routes: RecordedRoute[] = [];
  app.addHook('onRoute', (route) => {
    // As the swagger plugin itself does: HEAD twins are not operations of their own.
    if (route.method === 'HEAD') return;
    routes.push({ method: route.method, url: route.url, schema: route.schema, config: route.config });
  });
  let document: Promise<unknown> | null = null;
  return () => {
    document ??= build(routes).catch((error: unknown) => {
      document = null;
      throw error;
    });
    return document;
  };
}

async function build(routes: RecordedRoute[]): Promise<unknown> {
  const [{ default: Fastify }, { default: swagger }] = await Promise.all([import('fastify'), import('@fastify/swagger')]);
  const doc = Fastify({ logger: false });
  // Only the schemas' shapes are wanted: nothing here validates or serializes a request.
  doc.setValidatorCompiler(() => () => true);
  doc.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await doc.register(swagger, OPENAPI_OPTIONS);
  for (const route of routes) doc.route({ ...route, exposeHeadRoute: false, handler: async () => null });
  await doc.ready();
  const document = doc.swagger();
  await doc.close();
  return document;
}
