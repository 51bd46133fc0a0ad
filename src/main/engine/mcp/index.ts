// The MCP room's door: the HTTP transport for the API server and the server for tests/stdio.
export { mcpRoutes } from './http.ts';
export { createMcpServer } from './server.ts';
