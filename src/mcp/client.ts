import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

/** Gantry as an MCP client (no client capabilities: it offers upstreams no sampling, roots or elicitation). */
export function createGatewayClient(onToolsChanged: () => void): Client {
  const client = new Client({ name: 'gantry', version: '1' }, { capabilities: {} });
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => onToolsChanged());
  return client;
}
