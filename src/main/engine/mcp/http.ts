import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { errorResponses } from '../../../shared/api/index.ts';
import { DomainError, notFound } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { KeyService } from '../keys/index.ts';
import type { McpServices } from './server.ts';

let sdk: Promise<typeof import('./session.ts')> | null = null;
const loadSdk = () => (sdk ??= import('./session.ts'));

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  keyId: number;
  lastUsed: number;
  unwatch: () => void;
}

/** Sessions one key may hold; opening one more closes that key's least recently used. */
export const MAX_SESSIONS_PER_KEY = 16;
/** A session nobody used for this long is closed (the client initializes a new one). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
const IDLE_SWEEP_MS = 60 * 1000;

/**
 * MCP over Streamable HTTP at /mcp. Each session belongs to the API key that opened it; a request
 * for a session with another key is refused. Sessions hear when the workflow list changes. Their
 * number is bounded: per key, by idle time, and a revoked key's sessions close within seconds.
 */
export function mcpRoutes(
  deps: { services: McpServices; bus: EventBus; keys: Pick<KeyService, 'watch'> },
  options: { idleMs?: number | undefined } = {},
) {
  const sessions = new Map<string, Session>();
  const idleMs = options.idleMs ?? SESSION_IDLE_MS;

  const closeSession = (id: string, session: Session) => {
    if (sessions.get(id) === session) sessions.delete(id);
    session.unwatch();
    void session.server.close().catch(() => undefined);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) if (now - session.lastUsed > idleMs) closeSession(id, session);
  }, Math.min(IDLE_SWEEP_MS, idleMs));
  sweep.unref();

  /** Makes room for one more session of this key by closing its least recently used ones. */
  const makeRoom = (keyId: number) => {
    const own = [...sessions].filter(([, session]) => session.keyId === keyId).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [id, session] of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_KEY + 1))) closeSession(id, session);
  };

  const unsubscribe = deps.bus.subscribe((event) => {
    if (event.type !== 'workflow.changed') return;
    for (const session of sessions.values()) session.server.sendResourceListChanged();
  });

  return async function mcp(app: FastifyInstance) {
    app.addHook('onClose', async () => {
      unsubscribe();
      clearInterval(sweep);
      for (const session of sessions.values()) session.unwatch();
      await Promise.all([...sessions.values()].map((session) => session.server.close()));
      sessions.clear();
    });

    const handler = async (
      request: import('fastify').FastifyRequest,
      reply: import('fastify').FastifyReply,
    ): Promise<void> => {
      const sessionId = request.headers['mcp-session-id'];
      let session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (session && session.keyId !== request.caller.id) {
        throw new DomainError('forbidden', 'FORBIDDEN', 'This MCP session belongs to another API key.');
      }
      if (!session) {
        if (typeof sessionId === 'string') {
          throw notFound('mcp_session', sessionId, 'Unknown or closed MCP session; initialize a new one.');
        }
        const { createMcpServer, isInitializeRequest, StreamableHTTPServerTransport } = await loadSdk();
        if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
          throw new DomainError('rejected', 'MCP_SESSION_REQUIRED', 'Start with an initialize request (no Mcp-Session-Id header).');
        }
        const server = createMcpServer(deps.services, request.caller);
        const keyId = request.caller.id;
        const created: Session = {
          server,
          keyId,
          lastUsed: Date.now(),
          unwatch: () => undefined,
          transport: new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => {
              makeRoom(keyId);
              sessions.set(id, created);
              created.unwatch = deps.keys.watch(keyId, () => closeSession(id, created));
            },
          }),
        };
        created.transport.onclose = () => {
          created.unwatch();
          if (created.transport.sessionId && sessions.get(created.transport.sessionId) === created) sessions.delete(created.transport.sessionId);
        };
        await server.connect(created.transport);
        session = created;
      }
      session.lastUsed = Date.now();
      reply.hijack();
      await session.transport.handleRequest(request.raw, reply.raw, request.body);
    };

    const route = {
      config: { scopes: [] as string[] },
      schema: {
        tags: ['mcp'],
        summary: 'MCP (Streamable HTTP): tools and resources for agents',
        response: {
          200: {
            description: 'JSON-RPC messages (MCP), as one JSON answer or an event stream.',
            content: {
              'application/json': { schema: { description: 'A JSON-RPC response.' } },
              'text/event-stream': { schema: { type: 'string', description: 'JSON-RPC messages as events.' } },
            },
          },
          202: { description: 'A notification or response was accepted; no body.', type: 'null' },
          ...errorResponses(),
        },
      },
    };
    app.post('/mcp', route, handler);
    app.get('/mcp', route, handler);
    app.delete('/mcp', route, handler);
  };
}
