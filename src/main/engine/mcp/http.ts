import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ApiError } from '../api/errors.ts';
import type { Engine } from '../engine.ts';

let sdk: Promise<typeof import('./session.ts')> | null = null;
const loadSdk = () => (sdk ??= import('./session.ts'));

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  keyId: number;
}

/**
 * MCP over Streamable HTTP at /mcp. Each session belongs to the API key that opened it; a request
 * for a session with another key is refused. Sessions hear when the workflow list changes.
 */
export function mcpRoutes(engine: Engine) {
  const sessions = new Map<string, Session>();

  const unsubscribe = engine.bus.subscribe((event) => {
    if (event.type !== 'workflow.changed') return;
    for (const session of sessions.values()) session.server.sendResourceListChanged();
  });

  return async function mcp(app: FastifyInstance) {
    app.addHook('onClose', async () => {
      unsubscribe();
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
        throw new ApiError(403, 'FORBIDDEN', 'This MCP session belongs to another API key.');
      }
      if (!session) {
        if (typeof sessionId === 'string') {
          throw new ApiError(404, 'MCP_SESSION_NOT_FOUND', 'Unknown or closed MCP session; initialize a new one.');
        }
        const { createMcpServer, isInitializeRequest, StreamableHTTPServerTransport } = await loadSdk();
        if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
          throw new ApiError(400, 'MCP_SESSION_REQUIRED', 'Start with an initialize request (no Mcp-Session-Id header).');
        }
        const server = createMcpServer(engine, request.caller);
        const created: Session = {
          server,
          keyId: request.caller.id,
          transport: new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => {
              sessions.set(id, created);
            },
          }),
        };
        created.transport.onclose = () => {
          if (created.transport.sessionId) sessions.delete(created.transport.sessionId);
        };
        await server.connect(created.transport);
        session = created;
      }
      reply.hijack();
      await session.transport.handleRequest(request.raw, reply.raw, request.body);
    };

    const route = {
      config: { scopes: [] as string[] },
      schema: { tags: ['mcp'], summary: 'MCP (Streamable HTTP): tools and resources for agents' },
    };
    app.post('/mcp', route, handler);
    app.get('/mcp', route, handler);
    app.delete('/mcp', route, handler);
  };
}
