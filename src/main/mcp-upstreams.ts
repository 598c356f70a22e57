import type { McpServerStatus } from '../control-plane/admin-api/mcp-status-routes.js';
import type { McpServerSpec } from '../control-plane/resources/kinds/mcp-server.js';
import type { ResolvedMcpSecret } from '../control-plane/snapshot/compile-mcp.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { createHttpUpstream, createStdioUpstream, type McpUpstream, type UpstreamCredential } from '../mcp/index.js';
import { createLiveInstances } from './live-instances.js';

/** An McpServer whose upstream cannot be created (the compile leaves it out and logs this message; it never holds a secret value). */
export class McpSetupError extends Error {}

function secretValue(server: string, name: string, resolved: ReadonlyMap<string, ResolvedMcpSecret>, path: string): ResolvedMcpSecret {
  const secret = resolved.get(name);
  if (!secret) throw new McpSetupError(`McpServer "${server}": ${path} names Secret "${name}", which does not exist or could not be read.`);
  return secret;
}

/** The McpServer's upstream credential (HTTP), with the previous value while its grace window lasts. */
function credentialOf(server: string, spec: McpServerSpec, resolved: ReadonlyMap<string, ResolvedMcpSecret>): UpstreamCredential | undefined {
  if (!spec.auth) return undefined;
  const secret = secretValue(server, spec.auth.secretRef, resolved, 'spec.auth.secretRef');
  return {
    header: (spec.auth.header ?? 'authorization').toLowerCase(),
    scheme: spec.auth.scheme ?? 'Bearer',
    value: secret.value,
    previous: secret.previous ? { value: secret.previous.value, validUntil: secret.previous.validUntil } : undefined,
  };
}

/** spec.env with secretRefs replaced by their values, and the values to redact from the process's stderr. */
function envOf(server: string, spec: McpServerSpec, resolved: ReadonlyMap<string, ResolvedMcpSecret>): { env: Record<string, string>; secretValues: string[] } {
  const env: Record<string, string> = {};
  const secretValues: string[] = [];
  for (const [key, v] of Object.entries(spec.env ?? {})) {
    if (typeof v === 'string') env[key] = v;
    else {
      const value = secretValue(server, v.secretRef, resolved, `spec.env.${key}.secretRef`).value;
      env[key] = value;
      secretValues.push(value);
    }
  }
  return { env, secretValues };
}

/**
 * What an upstream is made of: a change to anything else (pricing, timeoutMs, tools, description) is
 * applied by the next snapshot without restarting its process or dropping the calls in flight.
 */
function connectionOf(spec: McpServerSpec): string {
  const { url, headers, auth, command, args, env, cwd } = spec;
  return JSON.stringify({ url, headers, auth, command, args, env, cwd });
}

/** Which secret versions an upstream was built with: a rotation makes a new upstream (never the values themselves). */
function versionsOf(resolved: ReadonlyMap<string, ResolvedMcpSecret>): string {
  return [...resolved]
    .map(([name, s]) => `${name}=${s.revision}`)
    .sort()
    .join(',');
}

export interface McpUpstreamRegistryDeps {
  /** Gantry's environment: stdio servers get only its safe base (PATH, HOME, LANG…), never the rest. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Live upstream connections (stdio processes, HTTP clients) for the McpServers of the current
 * snapshot, like providers.ts for Providers: an upstream is kept while its connection (url, command,
 * env…) and the versions of its Secrets are unchanged; a change there or a rotated Secret creates a new one, and sweep() after
 * each compile closes those no longer used (a replaced stdio process is stopped).
 */
export function createMcpUpstreamRegistry(deps: McpUpstreamRegistryDeps) {
  const instances = createLiveInstances<{ name: string; upstream: McpUpstream }>(
    (e) => e.upstream.close(),
    (err, e) => deps.logger.warn({ err, mcpServer: e.name }, 'closing a replaced MCP upstream failed'),
  );

  function create(name: string, spec: McpServerSpec, resolved: ReadonlyMap<string, ResolvedMcpSecret>): McpUpstream {
    const now = () => deps.clock.monotonic();
    if (spec.url !== undefined && spec.command === undefined) {
      try {
        new URL(spec.url);
      } catch {
        throw new McpSetupError(`McpServer "${name}": spec.url is not a valid URL.`);
      }
      return createHttpUpstream({ server: name, url: spec.url, headers: spec.headers, credential: credentialOf(name, spec, resolved), logger: deps.logger, now, wallClock: () => deps.clock.now() });
    }
    if (spec.command !== undefined && spec.url === undefined) {
      const { env, secretValues } = envOf(name, spec, resolved);
      return createStdioUpstream({ server: name, command: spec.command, args: spec.args, cwd: spec.cwd, env, secretValues, parentEnv: deps.env, logger: deps.logger, now });
    }
    throw new McpSetupError(`McpServer "${name}": set exactly one of spec.url (Streamable HTTP) and spec.command (stdio).`);
  }

  return {
    /** The upstream for this McpServer (created, or reused while unchanged); throws McpSetupError. */
    upstreamFor(name: string, spec: McpServerSpec, resolved: ReadonlyMap<string, ResolvedMcpSecret>): McpUpstream {
      const key = `${name}\n${connectionOf(spec)}\n${versionsOf(resolved)}`;
      return instances.get(key, () => ({ name, upstream: create(name, spec, resolved) })).upstream;
    },
    /** Closes the upstreams the last compile did not use (stops their processes). */
    sweep: instances.sweep,
    /** Every live upstream's status (the newest per name), sorted by name. */
    status(): McpServerStatus[] {
      const byName = new Map<string, McpServerStatus>();
      for (const entry of instances.values()) byName.set(entry.name, { name: entry.name, ...entry.upstream.status() });
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    closeAll: instances.closeAll,
  };
}

export type McpUpstreamRegistry = ReturnType<typeof createMcpUpstreamRegistry>;
