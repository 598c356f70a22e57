import { ArgsError } from './args.js';
import { driftCell, errPercent, spendCell, type WireInventoryEntry } from './commands/agents-format.js';
import { principalLabel } from './commands/grants.js';
import { ageOf, field, formatAge, formatValue, lastSeenCell, shorten } from './output.js';

/** One column of `gantry get` table output. */
export interface Column {
  readonly header: string;
  value(resource: unknown, now: number): string;
}

export interface KindInfo {
  readonly kind: string;
  /** The admin API path segment: `/admin/v1/<plural>`. */
  readonly plural: string;
  readonly columns: readonly Column[];
  /** Other names accepted on the command line, besides the kind and its plural (any case). */
  readonly aliases?: readonly string[];
}

const name: Column = { header: 'NAME', value: (r) => formatValue(field(r, 'metadata.name')) };
const col = (header: string, path: string): Column => ({ header, value: (r) => cell(field(r, path)) });
const age: Column = { header: 'AGE', value: (r, now) => ageOf(field(r, 'metadata.createdAt'), now) };

/** Lists print comma-separated; `{team, role}` pairs print as `team:role`. */
function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    return value
      .map((v) => {
        if (v !== null && typeof v === 'object' && 'team' in v) {
          const { team, role } = v as { team?: unknown; role?: unknown };
          return role === undefined ? String(team) : `${String(team)}:${String(role)}`;
        }
        return formatValue(v);
      })
      .join(',');
  }
  return formatValue(value);
}

function first(r: unknown, paths: readonly string[]): unknown {
  for (const p of paths) {
    const v = field(r, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/** `teams:a,b models:x`, or `all` when the guardrail applies to every request. */
function guardrailScope(r: unknown): string {
  const parts = (['teams', 'models', 'routes'] as const).flatMap((k) => {
    const names = field(r, `spec.appliesTo.${k}`);
    return Array.isArray(names) && names.length > 0 ? [`${k}:${names.join(',')}`] : [];
  });
  return parts.length === 0 ? 'all' : parts.join(' ');
}

/** The detector families set (pii, secrets, injection, keywords, maxInputBytes, jsonOutput) and webhook. */
function guardrailDetectors(r: unknown): string {
  const d = field(r, 'spec.detectors');
  const names = d !== null && typeof d === 'object' ? Object.keys(d) : [];
  if (field(r, 'spec.webhook') !== undefined) names.push('webhook');
  return cell(names);
}

function keyStatus(r: unknown, now: number): string {
  if (first(r, ['status.revokedAt', 'status.revoked'])) return 'revoked';
  const expires = field(r, 'spec.expiresAt');
  if (typeof expires === 'string' && Date.parse(expires) <= now) return 'expired';
  const state = first(r, ['status.state', 'status.phase']);
  return typeof state === 'string' ? state : 'active';
}

/** A Secret's superseded version still in its grace window: `v1 for 45m`; `-` when none. */
function secretPrevious(r: unknown, now: number): string {
  const versions = field(r, 'status.versions');
  if (!Array.isArray(versions)) return '-';
  const live = versions
    .map((v) => ({ version: field(v, 'version'), until: Date.parse(String(field(v, 'validUntil') ?? '')) }))
    .filter((v) => Number.isFinite(v.until) && v.until > now);
  const newest = live[0];
  return newest ? `v${formatValue(newest.version)} for ${formatAge(newest.until - now)}` : '-';
}

function modelProvider(r: unknown): string {
  const direct = field(r, 'spec.provider');
  if (typeof direct === 'string') return direct;
  const deployments = field(r, 'spec.deployments');
  if (!Array.isArray(deployments)) return '-';
  return [...new Set(deployments.map((d) => formatValue(field(d, 'provider'))))].join(',') || '-';
}

/** A Budget's or RateLimit's scope as `team=team-a,agent=bot,tag:repo=web`; `all` for every request. */
function scope(r: unknown): string {
  const value = field(r, 'spec.scope');
  if (value === null || typeof value !== 'object') return 'all';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'tags' && v !== null && typeof v === 'object') for (const [t, tv] of Object.entries(v)) parts.push(`tag:${t}=${formatValue(tv)}`);
    else parts.push(`${k}=${formatValue(v)}`);
  }
  // Budgets only: a RateLimit's `per` has a column of its own.
  if (field(r, 'spec.per') === 'run') parts.push('per=run');
  return parts.length > 0 ? parts.join(',') : 'all';
}

/** A Route's complexity block as `sim-small<0.5<=sim-large`. */
function complexity(r: unknown): string {
  const c = field(r, 'spec.complexity');
  if (c === null || typeof c !== 'object') return '-';
  return `${formatValue(field(c, 'simple'))}<${formatValue(field(c, 'threshold') ?? 0.5)}<=${formatValue(field(c, 'complex'))}`;
}

/** A Route's split as `chat-v1:90,chat-v2:10`. */
function split(r: unknown): string {
  const s = field(r, 'spec.split');
  if (!Array.isArray(s) || s.length === 0) return '-';
  return s.map((t) => `${formatValue(field(t, 'model'))}:${formatValue(field(t, 'weight'))}`).join(',');
}

const usdCell = (path: string): Column => ({ header: 'LIMIT', value: (r) => (typeof field(r, path) === 'string' ? `$${field(r, path) as string}` : '-') });
const withDefault = (header: string, path: string, fallback: string): Column => ({ header, value: (r) => cell(field(r, path) ?? fallback) });

export const KINDS: readonly KindInfo[] = [
  { kind: 'Team', plural: 'teams', columns: [name, col('DISPLAY-NAME', 'spec.displayName'), age] },
  {
    kind: 'User',
    plural: 'users',
    columns: [
      name,
      col('EMAIL', 'spec.email'),
      { header: 'ROLES', value: (r) => cell(first(r, ['spec.roles', 'spec.platformRoles'])) },
      { header: 'TEAMS', value: (r) => cell(field(r, 'spec.teams')) },
    ],
  },
  {
    kind: 'ApiKey',
    plural: 'apikeys',
    aliases: ['key', 'keys', 'api-key', 'api-keys'],
    columns: [
      name,
      col('TEAM', 'spec.team'),
      col('AGENT', 'spec.agent'),
      { header: 'PREFIX', value: (r) => cell(first(r, ['status.displayPrefix', 'status.prefix'])) },
      { header: 'EXPIRES', value: (r) => cell(field(r, 'spec.expiresAt')) },
      { header: 'STATUS', value: keyStatus },
      { header: 'LAST-USED', value: (r, now) => lastSeenCell(first(r, ['status.lastUsedAt', 'metadata.lastUsedAt']), now) },
    ],
  },
  { kind: 'Provider', plural: 'providers', columns: [name, col('TYPE', 'spec.type')] },
  {
    kind: 'Secret',
    plural: 'secrets',
    columns: [
      name,
      { header: 'VERSION', value: (r) => cell(field(r, 'status.currentVersion')) },
      { header: 'PREVIOUS', value: secretPrevious },
      { header: 'SOURCE', value: (r) => (typeof field(r, 'spec.fromEnv.fromEnv') === 'string' ? `env:${field(r, 'spec.fromEnv.fromEnv') as string}` : 'value') },
      age,
    ],
  },
  {
    // Upstream MCP servers (docs/mcp.md); `gantry mcp status` shows whether each is up.
    kind: 'McpServer',
    plural: 'mcpservers',
    aliases: ['mcp-server', 'mcp-servers', 'mcp'],
    columns: [
      name,
      { header: 'TRANSPORT', value: (r) => (field(r, 'spec.url') !== undefined ? 'http' : 'stdio') },
      {
        header: 'UPSTREAM',
        value: (r) => {
          const target = field(r, 'spec.url') ?? [field(r, 'spec.command'), ...((field(r, 'spec.args') as unknown[] | undefined) ?? [])].join(' ');
          return shorten(cell(target), 48);
        },
      },
      { header: 'PER-CALL', value: (r) => (typeof field(r, 'spec.pricing.perCall') === 'string' ? `$${field(r, 'spec.pricing.perCall') as string}` : 'free') },
      age,
    ],
  },
  {
    kind: 'Model',
    plural: 'models',
    columns: [name, { header: 'TYPE', value: (r) => cell(field(r, 'spec.type') ?? 'chat') }, { header: 'PROVIDER', value: modelProvider }],
  },
  {
    kind: 'Route',
    plural: 'routes',
    columns: [
      name,
      { header: 'RULES', value: (r) => String((field(r, 'spec.rules') as unknown[] | undefined)?.length ?? 0) },
      { header: 'COMPLEXITY', value: complexity },
      { header: 'SPLIT', value: split },
      col('DEFAULT', 'spec.default'),
      { header: 'BASELINE', value: (r) => cell(first(r, ['spec.baseline', 'spec.complexity.complex'])) },
      age,
    ],
  },
  {
    kind: 'Policy',
    plural: 'policies',
    columns: [
      name,
      { header: 'MODE', value: (r) => cell(field(r, 'spec.mode') ?? 'enforce') },
      // Counted from the text (no Cedar parser in the CLI); a comment mentioning forbid( would count too.
      { header: 'POLICIES', value: (r) => String(String(field(r, 'spec.policy') ?? '').match(/\b(?:permit|forbid)\s*\(/g)?.length ?? 0) },
      age,
    ],
  },
  {
    kind: 'Guardrail',
    plural: 'guardrails',
    columns: [
      name,
      { header: 'STAGES', value: (r) => cell(field(r, 'spec.stages') ?? ['input']) },
      col('ACTION', 'spec.action'),
      { header: 'APPLIES-TO', value: guardrailScope },
      { header: 'DETECTORS', value: guardrailDetectors },
      age,
    ],
  },
  {
    kind: 'Agent',
    plural: 'agents',
    columns: [
      name,
      col('OWNER', 'spec.owner'),
      { header: 'LIFECYCLE', value: (r) => cell(first(r, ['spec.lifecycle', 'status.lifecycle']) ?? 'proposed') },
      // The accountable person: who to ask about an agent found misbehaving.
      col('SPONSOR', 'spec.sponsor'),
      // `inventory`: the agent's 7-day inventory entry, attached by `gantry get agents` (agents-format.ts).
      { header: 'SPEND(7D)', value: (r) => spendCell(field(r, 'inventory.spendMicros') as number | undefined) },
      { header: 'REQUESTS', value: (r) => cell(field(r, 'inventory.requests')) },
      { header: 'ERR%', value: (r) => errPercent(field(r, 'inventory') as WireInventoryEntry | undefined) },
      { header: 'LAST SEEN', value: (r, now) => lastSeenCell(first(r, ['inventory.lastSeen', 'status.lastSeenAt']), now) },
      { header: 'DRIFT', value: (r) => driftCell(field(r, 'inventory.drift') as WireInventoryEntry['drift'] | undefined) },
    ],
  },
  {
    kind: 'Budget',
    plural: 'budgets',
    columns: [name, { header: 'SCOPE', value: scope }, col('WINDOW', 'spec.window'), usdCell('spec.limitUsd'), withDefault('ENFORCEMENT', 'spec.enforcement', 'hard'), age],
  },
  {
    kind: 'RateLimit',
    plural: 'ratelimits',
    aliases: ['rate-limit', 'rate-limits'],
    columns: [
      name,
      { header: 'SCOPE', value: scope },
      col('PER', 'spec.per'),
      col('RPM', 'spec.requestsPerMinute'),
      col('TPM', 'spec.tokensPerMinute'),
      col('CONCURRENT', 'spec.concurrent'),
      age,
    ],
  },
  {
    kind: 'PriceBook',
    plural: 'pricebooks',
    aliases: ['price-book', 'price-books'],
    columns: [
      name,
      { header: 'VERSION', value: (r) => cell(field(r, 'spec.version') ?? `gen ${formatValue(field(r, 'metadata.generation'))}`) },
      withDefault('PRIORITY', 'spec.priority', '0'),
      { header: 'PRICES', value: (r) => String((field(r, 'spec.prices') as unknown[] | undefined)?.length ?? 0) },
      age,
    ],
  },
  {
    kind: 'GpuPool',
    plural: 'gpupools',
    aliases: ['gpu-pool', 'gpu-pools'],
    columns: [
      name,
      col('GPU', 'spec.gpuType'),
      col('GPUS', 'spec.gpus'),
      { header: 'USD/GPU-HOUR', value: (r) => cell(field(r, 'spec.costPerGpuHourUsd')) },
      col('TOKENS/S', 'spec.tokensPerSecond'),
      withDefault('UTILIZATION', 'spec.targetUtilization', '0.6'),
      age,
    ],
  },
  {
    // Time-bound exceptions (docs/grants.md; `gantry grants` requests, approves and revokes them).
    kind: 'Grant',
    plural: 'grants',
    columns: [
      name,
      {
        header: 'PRINCIPAL',
        value: (r) => principalLabel((field(r, 'spec.principal') ?? {}) as { team?: string; agent?: string; user?: string; apiKey?: string }),
      },
      col('ACTION', 'spec.action'),
      { header: 'RESOURCE', value: (r) => cell(first(r, ['spec.resource.model', 'spec.resource.tool', 'spec.resource.secret'])) },
      col('STATE', 'status.state'),
      col('EXPIRES', 'spec.expiresAt'),
    ],
  },
];

/** Accepts the kind, its plural and common short forms, any case: `team`, `Teams`, `apikey`, `keys`. */
export function resolveKind(input: string | undefined): KindInfo {
  if (input === undefined || input === '') {
    throw new ArgsError(`missing the kind: one of ${KINDS.map((k) => k.plural).join(', ')}`);
  }
  const s = input.toLowerCase();
  const found = KINDS.find((k) => {
    const singular = k.kind.toLowerCase();
    return s === singular || s === k.plural || (k.aliases ?? []).includes(s);
  });
  if (!found) throw new ArgsError(`unknown kind "${input}": use one of ${KINDS.map((k) => k.plural).join(', ')}`);
  return found;
}
