import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { consoleContentType, consoleSecurityHeaders } from '../../../../shared/console-security.ts';
import { notFound } from '../../errors.ts';

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Vigil</title>
<body style="font: 14px system-ui, sans-serif; margin: 3rem; max-width: 40rem">
<h1 style="font-size: 1.2rem">The Vigil console is not built</h1>
<p>The API is running, but there is no console bundle to serve. Start Vigil with <code>npm run serve</code>,
which builds the console when it is missing, or build it once with <code>node scripts/build-renderer.js</code>
and reload this page.</p></body>`;

function secure(reply: FastifyReply): FastifyReply {
  return reply.headers(consoleSecurityHeaders());
}

/**
 * Serves the built console (`out/renderer`) at `/` for `vigil serve`. Only `/` and the bundle's
 * `assets/` folder are routed, so every other path keeps the API's JSON 404/405 answers. The
 * Electron shell loads the same bundle from its own protocol and does not pass a directory.
 */
export function consoleRoutes(rendererDir: string | undefined) {
  return async function consolePlugin(app: FastifyInstance) {
    if (!rendererDir) return;
    const root = resolve(rendererDir);
    const assets = join(root, 'assets');

    const sendIndex = async (_request: unknown, reply: FastifyReply) => {
      secure(reply).header('cache-control', 'no-store');
      try {
        const html = await readFile(join(root, 'index.html'));
        return reply.type('text/html; charset=utf-8').send(html);
      } catch {
        return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      }
    };
    app.get('/', { schema: { hide: true } }, sendIndex);
    app.get('/index.html', { schema: { hide: true } }, sendIndex);

    app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const file = resolve(assets, request.params['*']);
      // resolve() folds any ../ away; what is left must still be inside assets/.
      if (!file.startsWith(assets + sep)) throw notFound('console_file', request.params['*'], 'No such console file.');
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) throw notFound('console_file', request.params['*'], 'No such console file.');
      // Bundle file names carry a content hash, so a cached copy never goes stale.
      secure(reply).header('cache-control', 'public, max-age=31536000, immutable');
      return reply.type(consoleContentType(file)).send(await readFile(file));
    });
  };
}
