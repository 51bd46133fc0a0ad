// The console's origin, app://vigil. One handler serves the renderer build and forwards /v1/* to the
// API (the local engine's, or a team server's), so every request the console makes is same-origin:
// - the API keeps refusing foreign Origins and has no CORS (no http://127.0.0.1 exception for the
//   app is needed, so a browser page can never borrow one);
// - `connect-src 'self'` is the whole network policy of the window;
// - the console code is the same as in a browser, where it talks to http://127.0.0.1:<port> directly.
// This file imports no electron: the handler is a plain Request → Response function, tested as such.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { consoleContentType, consoleSecurityHeaders } from '../../shared/console-security.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'vigil';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Paths forwarded to the API. MCP and the browser decide page are for other clients, not the console. */
export function isApiPath(pathname: string): boolean {
  return pathname === '/v1' || pathname.startsWith('/v1/');
}

/**
 * Request headers never forwarded to the API: the browser's, not the console's. Without Host and
 * Origin, fetch sends the API's own host and no Origin, which a team server's Host and Origin
 * checks accept for its public URL as they do for loopback.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'origin',
  'referer',
  'cookie',
  'connection',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
]);

/** Response headers not passed back: the body is handed on already decoded, and no cookie belongs to app://. */
const DROPPED_RESPONSE_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'set-cookie']);

export interface AppRequestHandlerOptions {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /**
   * The API's base URL: the local engine's (http://127.0.0.1:<port>) or a team server's origin.
   * Asked per request, the local server starts later.
   */
  apiUrl(): string | null;
  /** What the console is told when the API does not answer (a team server says why, and how to go back); null: the default. */
  unreachable?(error: unknown): string | null;
  /** Content-Security-Policy header value for the console (src/shared/console-security.ts's, with the dev server in dev). */
  csp: string;
  /** electron-vite dev: the Vite dev server to take the renderer from instead of rendererDir. */
  devServerUrl?: string;
  fetch?: typeof globalThis.fetch;
  log?(message: string): void;
}

function plain(status: number, message: string, csp: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...consoleSecurityHeaders(csp) } });
}

/** The error body the API itself would send, so the console handles the proxy's failures alike. */
function apiError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message, details: {} } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

/**
 * The handler for `protocol.handle('app', …)`. `initiatorOrigin` is Electron's (set when web content
 * made the request); a page of another origin never gets the API through this door.
 */
export function createAppRequestHandler(options: AppRequestHandlerOptions): (request: Request) => Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const root = normalize(options.rendererDir);

  async function proxy(request: Request, url: URL): Promise<Response> {
    const initiator = (request as Request & { initiatorOrigin?: string }).initiatorOrigin;
    if (initiator !== undefined && initiator !== APP_ORIGIN) {
      return apiError(403, 'FORBIDDEN_ORIGIN', `Requests from the origin ${initiator} are not allowed.`);
    }
    const base = options.apiUrl();
    if (!base) return apiError(503, 'STARTING', 'Vigil is still starting; try again in a moment.');
    const headers = new Headers();
    request.headers.forEach((value, name) => {
      if (!DROPPED_REQUEST_HEADERS.has(name)) headers.set(name, value);
    });
    // Bodies are small (the API caps them at 2 MB), so they are read whole rather than streamed.
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    let upstream: Response;
    try {
      upstream = await fetchImpl(`${base}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: request.signal,
      });
    } catch (error) {
      options.log?.(`app:// → API ${request.method} ${url.pathname} failed: ${(error as Error).message}`);
      return apiError(502, 'API_UNREACHABLE', options.unreachable?.(error) ?? 'The local Vigil API did not answer.');
    }
    const responseHeaders = new Headers();
    upstream.headers.forEach((value, name) => {
      if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders.set(name, value);
    });
    responseHeaders.set('x-content-type-options', 'nosniff');
    // The body is passed on as a stream: /v1/events (SSE) never ends, and cancelling it here
    // (the console navigated or closed) cancels the request to the API.
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
  }

  async function fromDevServer(url: URL): Promise<Response> {
    const upstream = await fetchImpl(new URL(`${url.pathname}${url.search}`, options.devServerUrl));
    const headers = new Headers(upstream.headers);
    for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
    headers.set('content-security-policy', options.csp);
    return new Response(upstream.body, { status: upstream.status, headers });
  }

  async function staticFile(url: URL): Promise<Response> {
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return plain(400, 'Bad path', options.csp);
    }
    if (pathname.includes('\0')) return plain(400, 'Bad path', options.csp);
    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return plain(404, 'Not found', options.csp);
    let found = await stat(file).catch(() => null);
    if (found?.isDirectory()) {
      file = join(file, 'index.html');
      found = await stat(file).catch(() => null);
    }
    if (!found || !found.isFile()) {
      // Console routes (app://vigil/approvals/…) are the single-page app's; assets stay 404.
      if (extname(pathname) !== '') return plain(404, 'Not found', options.csp);
      file = join(root, 'index.html');
    }
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return plain(404, 'Not found', options.csp);
    }
    return new Response(new Uint8Array(data), {
      status: 200,
      headers: {
        'content-type': consoleContentType(file),
        ...consoleSecurityHeaders(options.csp),
        // Files come from local disk and an update may keep a name (public/ files are not hashed).
        'cache-control': 'no-cache',
      },
    });
  }

  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'Bad URL', options.csp);
    }
    if (url.host !== APP_HOST) return plain(404, 'Not found', options.csp);
    if (isApiPath(url.pathname)) return proxy(request, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed', options.csp);
    if (options.devServerUrl) return fromDevServer(url);
    return staticFile(url);
  };
}
