import type { AgentSpec, LifecycleState } from '../resources/kinds/agent.js';

/** What the exports need of an Agent resource. */
export interface AgentExportInput {
  readonly name: string;
  readonly generation: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: AgentSpec;
}

/** The A2A protocol version whose AgentCard fields this card follows (top-level `url`). */
export const A2A_PROTOCOL_VERSION = '0.3.0';

export interface A2aSkill {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
}

/** An A2A AgentCard (protocol 0.3) with Gantry's registration under `x-gantry`. */
export interface A2aAgentCard {
  readonly protocolVersion: string;
  readonly name: string;
  readonly description: string;
  readonly url: string;
  readonly provider: { readonly organization: string; readonly url: string };
  readonly version: string;
  readonly capabilities: { readonly streaming: boolean; readonly pushNotifications: boolean };
  readonly securitySchemes: Record<string, { readonly type: 'http'; readonly scheme: 'bearer'; readonly description: string }>;
  readonly security: readonly Record<string, readonly string[]>[];
  readonly defaultInputModes: readonly string[];
  readonly defaultOutputModes: readonly string[];
  readonly skills: readonly A2aSkill[];
  readonly 'x-gantry': {
    readonly owner: string;
    readonly sponsor: string | null;
    readonly lifecycle: LifecycleState;
    readonly models: readonly string[] | null;
    readonly tools: readonly string[] | null;
    readonly labels: Readonly<Record<string, string>>;
    readonly mcpUrl: string;
  };
}

const SCHEME = 'gantryApiKey';

/** `server__tool` → its server and tool; a name without `__` has no server. */
export function splitToolName(tool: string): { server: string | undefined; tool: string } {
  const at = tool.indexOf('__');
  return at <= 0 ? { server: undefined, tool } : { server: tool.slice(0, at), tool: tool.slice(at + 2) };
}

/**
 * The agent as an A2A-style agent card. The URL is the gateway's OpenAI-compatible endpoint the
 * agent's key calls, not an A2A JSON-RPC server: the card describes and catalogues the agent, its
 * owner and its tools. Skills are its declared (MCP) tools.
 */
export function renderA2aCard(agent: AgentExportInput, opts: { readonly publicUrl: string }): A2aAgentCard {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const spec = agent.spec;
  return {
    protocolVersion: A2A_PROTOCOL_VERSION,
    name: agent.name,
    description: spec.description ?? `Agent ${agent.name} of team ${spec.owner}, served through Gantry.`,
    url: `${base}/v1`,
    provider: { organization: spec.owner, url: base },
    version: String(agent.generation),
    capabilities: { streaming: true, pushNotifications: false },
    securitySchemes: {
      [SCHEME]: { type: 'http', scheme: 'bearer', description: `A Gantry API key of agent ${agent.name} (gantry keys create --team ${spec.owner} --agent ${agent.name}).` },
    },
    security: [{ [SCHEME]: [] }],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: (spec.tools ?? []).map((id) => {
      const { server, tool } = splitToolName(id);
      return {
        id,
        name: tool,
        description: server === undefined ? `Tool ${tool}, called through the Gantry MCP gateway.` : `Tool ${tool} of MCP server ${server}, called through the Gantry MCP gateway.`,
        tags: server === undefined ? ['mcp'] : [server],
      };
    }),
    'x-gantry': {
      owner: spec.owner,
      sponsor: spec.sponsor ?? null,
      lifecycle: spec.lifecycle ?? 'proposed',
      models: spec.models ?? null,
      tools: spec.tools ?? null,
      labels: agent.labels,
      mcpUrl: `${base}/mcp`,
    },
  };
}
