import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, IDENT_PATTERN, Ident, metadataSchema, Usd } from '../common.js';
import { SecretRef } from './secret.js';

const ToolName = T.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });
/** An Ident without `__` (an Ident allows it): `a__b__c` must name tool `b__c` of server `a`, never tool `c` of `a__b`. */
const McpServerName = T.String({ pattern: `^(?!.*__)${IDENT_PATTERN.slice(1)}`, description: 'lower-case letters, digits and . _ -, up to 63, without "__" (it separates server and tool in /mcp)' });
const EnvValue = T.Union([T.String({ maxLength: 4096 }), SecretRef]);

/**
 * An upstream MCP server reached through the MCP gateway (docs/mcp.md): a Streamable HTTP URL, or a
 * stdio command Gantry starts and supervises. Its tools are exposed as `/mcp/<name>` (upstream tool
 * names) and in the aggregated `/mcp` as `<name>__<tool>`. The name is an Ident without `__`, so the
 * namespaced names split unambiguously. Platform-level: platform admins write McpServers.
 */
export const McpServerSpecSchema = T.Object(
  {
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** Streamable HTTP endpoint of the upstream (exactly one of url and command). */
    url: T.Optional(T.String({ pattern: '^https?://', maxLength: 2048 })),
    /** Plain (non-secret) headers sent upstream. */
    headers: T.Optional(T.Record(T.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), T.String({ maxLength: 4096 }), { maxProperties: 32 })),
    /** The upstream credential (HTTP): `header: <scheme> <secret value>`; default `authorization: Bearer <value>`. */
    auth: T.Optional(
      T.Object(
        {
          secretRef: Ident,
          header: T.Optional(T.String({ pattern: '^[A-Za-z0-9-]{1,64}$' })),
          /** Prefix before the value ("Bearer"); "" sends the bare value. */
          scheme: T.Optional(T.String({ maxLength: 32 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** stdio: the program Gantry starts (and restarts with backoff when it exits). */
    command: T.Optional(T.String({ minLength: 1, maxLength: 1024 })),
    args: T.Optional(T.Array(T.String({ maxLength: 4096 }), { maxItems: 64 })),
    /** stdio: environment of the process (only these plus PATH/HOME-like basics; values may be secretRefs). */
    env: T.Optional(T.Record(T.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), EnvValue, { maxProperties: 64 })),
    cwd: T.Optional(T.String({ maxLength: 1024 })),
    /** A tools/call slower than this fails with GW_MCP_TOOL_TIMEOUT (default 30000). */
    timeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 600_000 })),
    /** Which upstream tools Gantry exposes at all (before per-agent filtering). */
    tools: T.Optional(
      T.Object(
        {
          allow: T.Optional(T.Array(ToolName, { maxItems: 1000, uniqueItems: true })),
          deny: T.Optional(T.Array(ToolName, { maxItems: 1000, uniqueItems: true })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Price per tool call in USD (budgets hold it; usage events record it). Absent: calls are free. */
    pricing: T.Optional(
      T.Object(
        {
          perCall: T.Optional(Usd),
          /** Per upstream tool name, overriding perCall. */
          tools: T.Optional(T.Record(ToolName, Usd, { maxProperties: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const McpServerDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('McpServer'), metadata: metadataSchema(McpServerName), spec: McpServerSpecSchema },
  { additionalProperties: false },
);

export type McpServerSpec = Static<typeof McpServerSpecSchema>;

/** The Secret names an McpServer uses (auth and env). */
export function mcpServerSecrets(spec: McpServerSpec): string[] {
  const names = new Set<string>();
  if (spec.auth) names.add(spec.auth.secretRef);
  for (const v of Object.values(spec.env ?? {})) if (typeof v === 'object') names.add(v.secretRef);
  return [...names];
}
