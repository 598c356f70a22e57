import type { CompiledAgent, CompiledModel, RuntimeSnapshot } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { createPriceBookIndexer } from '../pricing/price-books.js';
import type { PriceContext } from '../pricing/resolve-price.js';
import { type AgentSpec, SERVING_STATES } from '../resources/kinds/agent.js';
import type { TeamSpec } from '../resources/kinds/team.js';
import type { UserSpec } from '../resources/kinds/user.js';
import type { SecretResolver } from '../secrets/types.js';
import { compileModel, type ProviderFor, withFallbackBounds } from './compile-model.js';
import { createPolicyCompiler } from './compile-policies.js';
import { compileRoutes } from './compile-routes.js';
import { createLimitsCompiler } from './compile-limits.js';
import { createGuardrailsCompiler } from './compile-guardrails.js';
import { createGrantsCompiler } from './compile-grants.js';
import { compileMcpServers, type McpUpstreamFor } from './compile-mcp.js';
import { createKeyIndex } from './key-index.js';

/** Read access to the resources to compile (the resource cache). */
export interface CompileSource {
  all(kind: string): Iterable<StoredResource>;
  get(kind: string, name: string): StoredResource | undefined;
}

function compileAgent(r: StoredResource): CompiledAgent {
  const spec = r.spec as AgentSpec;
  return {
    name: r.name,
    owner: spec.owner,
    serving: SERVING_STATES.has(spec.lifecycle ?? 'proposed'),
    models: spec.models ? new Set(spec.models) : undefined,
    tools: spec.tools ? new Set(spec.tools) : undefined,
  };
}

/**
 * Compiles resources into immutable runtime snapshots. Models and agents are small and rebuilt on
 * every change; the key table is maintained incrementally (key-index.ts); price books, budgets and
 * rate limits are re-indexed only when one of them changed.
 */
export { DEFAULT_TIMEOUTS } from './compile-model.js';

export function createSnapshotCompiler(deps: {
  readonly providerFor: ProviderFor;
  readonly createdAt: number;
  /** Decrypts Secrets (provider apiKeys, MCP server credentials); undefined: no master key. */
  readonly secrets?: SecretResolver;
  /** Creates the live upstreams of McpServers (main/mcp-upstreams.ts); undefined: no McpServer is served. */
  readonly mcpUpstreamFor?: McpUpstreamFor;
  /** After each compile: the McpServers left out and why (logged, shown by GET /mcpservers/status). */
  readonly onMcpProblems?: (problems: ReadonlyMap<string, string>) => void;
}) {
  const keyIndex = createKeyIndex();
  const priceBooks = createPriceBookIndexer();
  const compileLimits = createLimitsCompiler();
  const guardrailsOf = createGuardrailsCompiler();
  const compilePolicies = createPolicyCompiler();
  const compileGrants = createGrantsCompiler();
  return function compile(generation: number, resources: CompileSource, changed: readonly StoredResource[]): RuntimeSnapshot {
    const prices: PriceContext = { gpuPool: (name) => resources.get('GpuPool', name), priceBooks: priceBooks(resources.all('PriceBook')) };
    const own = new Map<string, CompiledModel>();
    const modelRows = [...resources.all('Model')].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const r of modelRows) {
      const m = compileModel(r, { resources, providerFor: deps.providerFor, prices, secrets: deps.secrets });
      if (m) own.set(r.name, m);
    }
    const models = withFallbackBounds(own);
    const routes = compileRoutes(resources.all('Route'), models);
    const listed = [...models.keys(), ...routes.keys()].sort();
    const modelListBody = JSON.stringify({
      object: 'list',
      data: listed.map((id) => ({ id, object: 'model', created: deps.createdAt, owned_by: 'gantry' })),
    });
    const cacheOptOutTeams = new Set<string>();
    for (const r of resources.all('Team')) if ((r.spec as TeamSpec).cache?.enabled === false) cacheOptOutTeams.add(r.name);
    const agents = new Map<string, CompiledAgent>();
    for (const r of resources.all('Agent')) agents.set(r.name, compileAgent(r));
    const activeUsers = new Map<string, ReadonlySet<string>>();
    for (const r of resources.all('User')) {
      const spec = r.spec as UserSpec;
      if (!spec.disabled) activeUsers.set(r.name, new Set((spec.teams ?? []).map((m) => m.team)));
    }
    const keys = keyIndex.update(changed, (name) => resources.get('ApiKey', name), { agents, activeUsers });
    const { budgets, rateLimits } = compileLimits(resources, changed);
    const mcp = compileMcpServers(resources, { secrets: deps.secrets, upstreamFor: deps.mcpUpstreamFor });
    deps.onMcpProblems?.(mcp.problems);
    return Object.freeze({ generation, models, modelListBody, keys, agents, budgets, rateLimits, routes, cacheOptOutTeams, policies: compilePolicies(resources, changed), guardrails: guardrailsOf(resources, changed), mcpServers: mcp.servers, grants: compileGrants(resources, changed) });
  };
}
