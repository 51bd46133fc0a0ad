import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { defaultDataDir, inspectServer } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';

const help = `Usage: vigil mcp [--url URL] [--data-dir DIR]

Speaks MCP over stdio for agents that launch tools as processes, relaying every message to the
running Vigil's /mcp endpoint: one server, two transports.

The running instance is found through <data-dir>/server.json unless --url is given; when the
Vigil it names is gone (killed without cleaning up), vigil mcp says so and exits 1.
The API key comes from the environment variable VIGIL_API_KEY (an agent key).

Options:
  --url URL         base URL of a running Vigil, e.g. http://127.0.0.1:8750
  --data-dir DIR    data folder of the running Vigil (default $VIGIL_DATA_DIR, else the per-user data folder)`;

/** The running Vigil's URL, or why there is none. */
async function findServer(dataDir: string): Promise<{ url: string } | { problem: string }> {
  const found = await inspectServer(dataDir);
  const start = 'Start it with "vigil serve" (or open the desktop app), or pass --url.';
  switch (found.status) {
    case 'running':
      return { url: found.info.url };
    case 'stopped':
      return {
        problem:
          `Vigil is not running: ${found.path} names process ${found.info.pid}, which has exited without cleaning up ` +
          `(it was killed or crashed). ${start}`,
      };
    case 'silent':
      return { problem: `Vigil is not answering at ${found.info.url}, where ${found.path} says it listens (it may have stopped without cleaning up). ${start}` };
    default:
      return { problem: `No running Vigil found: ${found.path} is ${found.status}. ${start}` };
  }
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
      if (values.url !== undefined) return relay(values.url, key, io);
      const found = await findServer(values['data-dir'] ?? defaultDataDir(io.env));
      if ('problem' in found) {
        io.err(`vigil mcp: ${found.problem}`);
        return 1;
      }
      return relay(found.url, key, io);
    }),
};
