// What an MCP session needs: the SDK (with zod, a large import most runs of Vigil never use) and
// the server built on it. http.ts loads this on the first /mcp request.
export { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
export { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
export { createMcpServer } from './server.ts';
