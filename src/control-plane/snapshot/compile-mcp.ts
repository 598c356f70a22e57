import type { CompiledMcpServer } from '../../data-plane/snapshot.js';
import { isGatewayError } from '../../kernel/errors/index.js';
import { parseUsdToMicros } from '../../kernel/money.js';
import type { McpUpstream } from '../../mcp/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { type McpServerSpec, mcpServerSecrets } from '../resources/kinds/mcp-server.js';
import type { ResolvedSecret, SecretResolver } from '../secrets/types.js';

/** A resolved Secret with what identifies its version (uid and version, never the value): a re-created Secret reuses version numbers. */
export interface ResolvedMcpSecret extends ResolvedSecret {
  readonly revision: string;
}

/** Creates (or reuses) the live upstream of an McpServer; throws when it cannot be set up (main/mcp-upstreams.ts). */
export type McpUpstreamFor = (name: string, spec: McpServerSpec, secrets: ReadonlyMap<string, ResolvedMcpSecret>) => McpUpstream;

export interface McpCompileDeps {
  /** Undefined: no master key, so an McpServer that uses a Secret is left out. */
  readonly secrets?: SecretResolver;
  /** Undefined: this process runs no MCP gateway (no McpServer is compiled). */
  readonly upstreamFor?: McpUpstreamFor;
}

export interface McpCompileResult {
  readonly servers: ReadonlyMap<string, CompiledMcpServer>;
  /** McpServers left out, with why (never a secret value). */
  readonly problems: ReadonlyMap<string, string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const micros = (usd: string | undefined) => (usd === undefined ? 0 : (parseUsdToMicros(usd) ?? 0));

function resolveSecrets(server: string, spec: McpServerSpec, resources: { get(kind: string, name: string): StoredResource | undefined }, resolver: SecretResolver | undefined): Map<string, ResolvedMcpSecret> {
  const out = new Map<string, ResolvedMcpSecret>();
  for (const name of mcpServerSecrets(spec)) {
    if (!resolver) throw new Error(`McpServer "${server}" uses Secret "${name}", but this process has no master key (set GANTRY_MASTER_KEY or GANTRY_MASTER_KEY_FILE).`);
    const row = resources.get('Secret', name);
    const resolved = resolver.resolve(name);
    if (!row || !resolved) throw new Error(`McpServer "${server}" uses Secret "${name}", which does not exist.`);
    out.set(name, { ...resolved, revision: `${row.uid}#${resolved.version}` });
  }
  return out;
}

/** One McpServer resource as the MCP gateway serves it. */
function compiled(r: StoredResource, upstream: McpUpstream, spec: McpServerSpec): CompiledMcpServer {
  return {
    name: r.name,
    upstream,
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    allow: spec.tools?.allow ? new Set(spec.tools.allow) : undefined,
    deny: new Set(spec.tools?.deny ?? []),
    perCallMicros: micros(spec.pricing?.perCall),
    toolPriceMicros: new Map(Object.entries(spec.pricing?.tools ?? {}).map(([tool, usd]) => [tool, micros(usd)])),
    priceVersion: `mcpserver:${r.name}@${r.generation}`,
    secrets: mcpServerSecrets(spec),
  };
}

/**
 * McpServer resources → CompiledMcpServer. Secrets are resolved here (the main process holds the
 * master key) and handed to the upstream registry, which keeps a connection while the spec and the
 * secret versions are unchanged. A server whose Secret cannot be resolved or whose upstream cannot
 * be set up is left out (its problem is returned for the log and the status view): the rest serve.
 */
export function compileMcpServers(resources: { all(kind: string): Iterable<StoredResource>; get(kind: string, name: string): StoredResource | undefined }, deps: McpCompileDeps): McpCompileResult {
  const servers = new Map<string, CompiledMcpServer>();
  const problems = new Map<string, string>();
  if (!deps.upstreamFor) return { servers, problems };
  const rows = [...resources.all('McpServer')].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const r of rows) {
    const spec = r.spec as McpServerSpec;
    try {
      const secrets = resolveSecrets(r.name, spec, resources, deps.secrets);
      servers.set(r.name, compiled(r, deps.upstreamFor(r.name, spec, secrets), spec));
    } catch (err) {
      const why = isGatewayError(err) || err instanceof Error ? err.message : String(err);
      problems.set(r.name, why.startsWith(`McpServer "${r.name}"`) ? why : `McpServer "${r.name}": ${why}`);
    }
  }
  return { servers, problems };
}
