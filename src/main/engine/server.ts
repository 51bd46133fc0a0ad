import type { FastifyInstance } from 'fastify';
import { buildApiServer, type ApiServerOptions } from './api/server.ts';
import { createEngine, type Engine, type EngineOptions } from './engine.ts';
import { assertNotServed, removeServerInfo, writeServerInfo } from './server-info.ts';

export interface ServerOptions extends EngineOptions, ApiServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  engine: Engine;
  app: FastifyInstance;
  url: string;
  port: number;
  /** Stops accepting requests, drains runs in flight, closes the database, removes server.json. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The engine plus its HTTP API on loopback: what `vigil serve` and the Electron shell both run. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new Error(`Vigil serves on loopback only (127.0.0.1, localhost or ::1), not ${host}.`);
  }
  // Before the engine opens the database: starting would fail a running engine's runs as interrupted.
  await assertNotServed(options.dataDir);
  const engine = createEngine(options);
  let app: FastifyInstance;
  try {
    app = await buildApiServer(engine, options);
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://${host === '::1' ? '[::1]' : host === 'localhost' ? '127.0.0.1' : host}:${port}`;
  engine.baseUrl = url;
  writeServerInfo(options.dataDir, { url, pid: process.pid });
  engine.start();
  let closing: Promise<void> | null = null;
  return {
    engine,
    app,
    url,
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
