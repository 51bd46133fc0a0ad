// The MCP room's door: the HTTP transport for the API server (the SDK behind it loads on first use).
export { mcpRoutes } from './http.ts';
