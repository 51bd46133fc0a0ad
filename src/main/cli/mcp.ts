import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { defaultDataDir, SERVER_INFO_FILE } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';

const help = `Usage: vigil mcp [--url URL] [--data-dir DIR]

Speaks MCP over stdio for agents that launch tools as processes, relaying every message to the
running Vigil's /mcp endpoint: one server, two transports.

The running instance is found through <data-dir>/server.json unless --url is given.
The API key comes from the environment variable VIGIL_API_KEY (an agent key).

Options:
  --url URL         base URL of a running Vigil, e.g. http://127.0.0.1:8750
  --data-dir DIR    data folder of the running Vigil (default $VIGIL_DATA_DIR, else the per-user data folder)`;

function findServer(dataDir: string): string {
  const path = join(dataDir, SERVER_INFO_FILE);
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as { url?: unknown };
    if (typeof info.url === 'string') return info.url;
  } catch {
    // Reported below with what to do.
  }
  throw new UsageError(`no running Vigil found (${path} is missing or unreadable); start one with "vigil serve" or pass --url`);
}

async function relay(baseUrl: string, key: string, io: CommandIO): Promise<number> {
  const http = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const stdio = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    stdio.onclose = resolve;
    http.onclose = resolve;
  });
  http.onmessage = (message) => void stdio.send(message);
  http.onerror = (error) => io.err(`vigil mcp: ${error.message}`);
  stdio.onmessage = (message: JSONRPCMessage) => {
    http.send(message).catch((error: Error) => {
      // The agent is waiting for an answer to this request: give it one that says why.
      if ('id' in message && message.id !== undefined && 'method' in message) {
        void stdio.send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: `Vigil at ${baseUrl}: ${error.message}` } });
      } else {
        io.err(`vigil mcp: ${error.message}`);
      }
    });
  };
  await http.start();
  await stdio.start();
  await closed;
  await http.close().catch(() => undefined);
  return 0;
}

export const command: Command = {
  summary: 'MCP over stdio for agents (relays to the running Vigil)',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values } = parseOptions(args, { url: { type: 'string' }, 'data-dir': { type: 'string' } });
      const key = io.env.VIGIL_API_KEY;
      if (!key) throw new UsageError('set VIGIL_API_KEY to an API key (create one with "vigil keys create --type agent")');
      const url = values.url ?? findServer(values['data-dir'] ?? defaultDataDir(io.env));
      return relay(url, key, io);
    }),
};
