// How the console's files are served, by the engine (`vigil serve`, http://127.0.0.1:<port>) and by
// the desktop shell (app://vigil): one Content-Security-Policy, one set of security headers and one
// table of content types, so the same bundle runs under the same rules in a browser and in the app.
// Caching is each server's own: the engine serves content-hashed assets, the shell local files.

/**
 * The console's Content-Security-Policy, sent with every console file (a worker script is governed
 * by the policy delivered with it, not by the page's).
 * - Scripts, workers and API calls only from the console's own origin: the API is that origin
 *   under `vigil serve` and is proxied under app://vigil/v1 in the app, so `connect-src 'self'` is
 *   the whole network policy and no http://127.0.0.1 origin is named.
 * - `style-src 'unsafe-inline'`: Monaco sets inline styles. Nothing needs eval or inline scripts.
 * - data: images and fonts: Monaco's CSS embeds small icons and Vite inlines small assets as data:.
 * - blob: workers: Monaco may start its workers from blob: URLs of its own bundle.
 * - No frames, plugins, <base> or form posts, and nothing else by default.
 * `devServer` (electron-vite dev only, never in a packaged app) adds the Vite server for the module
 * graph and its HMR socket, and inline scripts for the React Refresh preamble Vite injects.
 */
export function consoleCsp(devServer?: string): string {
  const dev = devServer ? new URL(devServer) : null;
  const devSources = dev ? ` ${dev.origin} ws://${dev.host}` : '';
  return [
    "default-src 'none'",
    `script-src 'self'${dev ? ` 'unsafe-inline' ${dev.origin}` : ''}`,
    `connect-src 'self'${devSources}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every console file is served with, whichever server serves it. */
export function consoleSecurityHeaders(csp: string = consoleCsp()): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type of a console file, by its extension; unknown ones are opaque bytes (with nosniff). */
export function consoleContentType(path: string): string {
  const extension = /\.[^./\\]+$/.exec(path)?.[0].toLowerCase() ?? '';
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}
