import type { FastifyInstance } from 'fastify';
import { buildApiServer, type ApiServerOptions } from './api/server.ts';
import { createEngine, type Engine, type EngineOptions } from './engine.ts';
import { checkPublicUrl } from './public-url.ts';
import { assertNotServed, removeServerInfo, writeServerInfo } from './server-info.ts';

export interface ServerOptions extends EngineOptions, Omit<ApiServerOptions, 'publicUrl'> {
  /** Loopback by default; any other address needs `publicUrl` (listening beyond the machine is explicit). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The https:// address callers use (a TLS-terminating proxy's, or this server's own with `tls`). */
  publicUrl?: string;
  /** PEM certificate and key: the server speaks TLS itself. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  engine: Engine;
  app: FastifyInstance;
  /** Where the server listens, as tools on this machine reach it (server.json). */
  url: string;
  /** Where people and agents reach it: the public URL when one is set, else `url`. */
  publicUrl: string;
  port: number;
  /** Stops accepting requests, drains runs in flight, closes the database, removes server.json. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The engine plus its HTTP API: what `vigil serve` and the Electron shell both run. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const publicUrl = options.publicUrl === undefined ? null : checkPublicUrl(options.publicUrl);
  if (!LOOPBACK.has(host) && !publicUrl) {
    throw new Error(
      `Listening on ${host} reaches beyond this machine: say where callers reach Vigil with a public https URL ` +
        '(--public-url https://vigil.example.com, behind a TLS-terminating proxy, or with --tls-cert and --tls-key).',
    );
  }
  // Before the engine opens the database: starting would fail a running engine's runs as interrupted.
  await assertNotServed(options.dataDir);
  const engine = createEngine(options);
  let app: FastifyInstance;
  try {
    app = await buildApiServer(engine, { ...options, publicUrl: publicUrl?.origin });
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // Tools on this machine dial loopback even when the server listens on every interface.
  const local = host === '::1' || host === '::' ? '[::1]' : LOOPBACK.has(host) || host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `${options.tls ? 'https' : 'http'}://${local}:${port}`;
  // Links Vigil hands out (the decide page in Slack and Teams, the console login) use the public URL.
  const reachedAt = publicUrl?.origin ?? url;
  engine.baseUrl = reachedAt;
  writeServerInfo(options.dataDir, { url, pid: process.pid });
  engine.start();
  // Announced only once it hears the other instances on a shared database (at once when alone).
  await engine.hearingOthers();
  let closing: Promise<void> | null = null;
  return {
    engine,
    app,
    url,
    publicUrl: reachedAt,
    port,
    close() {
      closing ??= (async () => {
        await app.close();
        await engine.close();
        removeServerInfo(options.dataDir, process.pid);
      })();
      return closing;
    },
  };
}
