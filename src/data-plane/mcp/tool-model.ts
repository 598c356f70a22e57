import { GatewayError } from '../../kernel/errors/index.js';
import type { TokenPrices } from '../../kernel/money.js';
import type { Provider } from '../../providers/contract.js';
import { DEFAULT_ROUTING } from '../routing/defaults.js';
import type { CompiledDeployment, CompiledMcpServer, CompiledModel, ModelPricing, RuntimeSnapshot } from '../snapshot.js';
import { namespaced } from './names.js';

/** Never called: a tool's pseudo deployment exists for usage events (route, provider), not for model calls. */
const NOT_A_MODEL: Provider = {
  name: 'mcp',
  type: 'mcp',
  chat: () => Promise.reject(new GatewayError('GW_INTERNAL', 'An MCP tool is not a model.')),
  chatStream: () => Promise.reject(new GatewayError('GW_INTERNAL', 'An MCP tool is not a model.')),
  embeddings: () => Promise.reject(new GatewayError('GW_INTERNAL', 'An MCP tool is not a model.')),
  close: async () => undefined,
};

/** The price of one call of an upstream tool, micro-USD. */
export function toolPriceMicros(server: CompiledMcpServer, tool: string): number {
  return server.toolPriceMicros.get(tool) ?? server.perCallMicros;
}

/**
 * A tool as the metering and limits code sees a model: named `server__tool`, priced per request (the
 * tool's per-call price, no tokens), served by one pseudo deployment whose route is the server and
 * provider `mcp:<server>`. So Budgets (scope model `server__tool`, agent, team, ...), RateLimits and
 * the usage event work for tool calls exactly as for model calls.
 */
function buildToolModel(server: CompiledMcpServer, tool: string): CompiledModel {
  const name = namespaced(server.name, tool);
  const price = toolPriceMicros(server, tool);
  const prices: TokenPrices | undefined = price > 0 ? { inputPer1M: 0, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M: 0, perRequest: price } : undefined;
  const pricing: ModelPricing = prices ? { free: false, prices, version: server.priceVersion } : { free: true, version: server.priceVersion };
  const limits = { maxOutputTokens: 0, contextWindow: undefined };
  const deployment: CompiledDeployment = {
    target: { id: server.name, provider: `mcp:${server.name}`, upstreamModel: tool, timeouts: { connectMs: server.timeoutMs, headersMs: server.timeoutMs, bodyIdleMs: server.timeoutMs }, faults: undefined },
    provider: NOT_A_MODEL,
    weight: 1,
    priority: 0,
    pricing,
    limits,
    capabilities: { tools: false, vision: false, jsonMode: false },
  };
  return { name, type: 'chat', deployments: [deployment], pricing, worstPrices: prices, limits, routing: DEFAULT_ROUTING, cache: undefined, secrets: [] };
}

const MAX_CACHED = 10_000;

/** Tool models built once per snapshot (a snapshot's McpServers never change). */
export function createToolModels(): (snapshot: RuntimeSnapshot, server: CompiledMcpServer, tool: string) => CompiledModel {
  const bySnapshot = new WeakMap<RuntimeSnapshot, Map<string, CompiledModel>>();
  return (snapshot, server, tool) => {
    let models = bySnapshot.get(snapshot);
    if (!models) {
      models = new Map();
      bySnapshot.set(snapshot, models);
    }
    const name = namespaced(server.name, tool);
    let model = models.get(name);
    if (!model) {
      model = buildToolModel(server, tool);
      // Names are checked against the upstream's list, except while it cannot be listed: bounded either way.
      if (models.size < MAX_CACHED) models.set(name, model);
    }
    return model;
  };
}
