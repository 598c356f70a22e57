import type { TObject } from '@sinclair/typebox';
import { AgentDocSchema, type AgentSpec } from './kinds/agent.js';
import { ApiKeyDocSchema, type ApiKeySpec } from './kinds/api-key.js';
import { BudgetDocSchema } from './kinds/budget.js';
import { GpuPoolDocSchema } from './kinds/gpu-pool.js';
import { GrantDocSchema, type GrantSpec } from './kinds/grant.js';
import { McpServerDocSchema, type McpServerSpec } from './kinds/mcp-server.js';
import { GuardrailDocSchema, type GuardrailSpec } from './kinds/guardrail.js';
import { ModelDocSchema, type ModelSpec } from './kinds/model.js';
import { PolicyDocSchema } from './kinds/policy.js';
import { PriceBookDocSchema } from './kinds/price-book.js';
import { ProviderDocSchema, type ProviderSpec } from './kinds/provider.js';
import { RateLimitDocSchema } from './kinds/rate-limit.js';
import { RouteDocSchema, type RouteSpec } from './kinds/route.js';
import { SecretDocSchema } from './kinds/secret.js';
import type { ScopeSpec } from './kinds/scope.js';
import { TeamDocSchema } from './kinds/team.js';
import { UserDocSchema, type UserSpec } from './kinds/user.js';

export const KIND_NAMES = ['Team', 'User', 'ApiKey', 'Provider', 'Model', 'Agent', 'PriceBook', 'GpuPool', 'Budget', 'RateLimit', 'Route', 'Guardrail', 'Policy', 'Secret', 'McpServer', 'Grant'] as const;
export type Kind = (typeof KIND_NAMES)[number];

/** A reference from one resource to another, checked on apply and on delete. */
export interface Reference {
  readonly path: string;
  readonly kind: Kind;
  readonly name: string;
  /** The name may instead be of this kind (a key's or agent's model list names Models or Routes). */
  readonly orKind?: Kind;
  /** The name of the orKind alternative when it differs (a budget's `model: demo__echo` may name McpServer "demo"'s tool). */
  readonly orName?: string;
}

export interface KindDef {
  readonly kind: Kind;
  readonly plural: string;
  /** Accepted by the CLI and the API path (`keys` for ApiKey). */
  readonly aliases: readonly string[];
  readonly schema: TObject;
  /** The owning team (team-scoped kinds); undefined for platform-level resources. */
  teamOf(name: string, spec: unknown): string | undefined;
  /** The user the resource belongs to (stored indexed, for "my keys" listings). */
  ownerOf(spec: unknown): string | undefined;
  references(spec: unknown): Reference[];
  /** Applying these kinds in this order lets references point at documents of the same apply. */
  readonly order: number;
  /** Spec fields that cannot change after creation. */
  readonly immutable: readonly string[];
}

const none = (): Reference[] => [];

function modelRefs(spec: unknown): Reference[] {
  const s = spec as ModelSpec;
  const refs: Reference[] = [];
  if (s.provider) refs.push({ path: 'spec.provider', kind: 'Provider', name: s.provider });
  for (const [i, d] of (s.deployments ?? []).entries()) refs.push({ path: `spec.deployments[${i}].provider`, kind: 'Provider', name: d.provider });
  if (s.gpuPool) refs.push({ path: 'spec.gpuPool', kind: 'GpuPool', name: s.gpuPool });
  for (const [i, m] of (s.routing?.fallbacks ?? []).entries()) refs.push({ path: `spec.routing.fallbacks[${i}]`, kind: 'Model', name: m });
  if (s.cache?.semantic) refs.push({ path: 'spec.cache.semantic.embeddingModel', kind: 'Model', name: s.cache.semantic.embeddingModel });
  return refs;
}

/** Budget and RateLimit: the identities their scope names. */
function scopeRefs(spec: unknown): Reference[] {
  const scope = (spec as { scope?: ScopeSpec }).scope ?? {};
  const refs: Reference[] = [];
  if (scope.team) refs.push({ path: 'spec.scope.team', kind: 'Team', name: scope.team });
  if (scope.agent) refs.push({ path: 'spec.scope.agent', kind: 'Agent', name: scope.agent });
  if (scope.apiKey) refs.push({ path: 'spec.scope.apiKey', kind: 'ApiKey', name: scope.apiKey });
  if (scope.user) refs.push({ path: 'spec.scope.user', kind: 'User', name: scope.user });
  if (scope.model) {
    // A tool called through the MCP gateway (`server__tool`) is metered as a model of that name.
    const sep = scope.model.indexOf('__');
    const server = sep > 0 ? scope.model.slice(0, sep) : undefined;
    refs.push({ path: 'spec.scope.model', kind: 'Model', name: scope.model, ...(server ? { orKind: 'McpServer' as const, orName: server } : {}) });
  }
  return refs;
}

const scopeTeam = (_n: string, spec: unknown) => (spec as { scope?: ScopeSpec }).scope?.team;

function userRefs(spec: unknown): Reference[] {
  const s = spec as UserSpec;
  return (s.teams ?? []).map((t, i) => ({ path: `spec.teams[${i}].team`, kind: 'Team' as const, name: t.team }));
}

function keyRefs(spec: unknown): Reference[] {
  const s = spec as ApiKeySpec;
  const refs: Reference[] = [{ path: 'spec.team', kind: 'Team', name: s.team }];
  if (s.agent) refs.push({ path: 'spec.agent', kind: 'Agent', name: s.agent });
  if (s.user) refs.push({ path: 'spec.user', kind: 'User', name: s.user });
  for (const [i, m] of (s.models ?? []).entries()) refs.push({ path: `spec.models[${i}]`, kind: 'Model', orKind: 'Route', name: m });
  for (const [i, a] of (s.agents ?? []).entries()) refs.push({ path: `spec.agents[${i}]`, kind: 'Agent', name: a });
  return refs;
}

function agentRefs(spec: unknown): Reference[] {
  const s = spec as AgentSpec;
  const refs: Reference[] = [{ path: 'spec.owner', kind: 'Team', name: s.owner }];
  if (s.sponsor) refs.push({ path: 'spec.sponsor', kind: 'User', name: s.sponsor });
  for (const [i, m] of (s.models ?? []).entries()) refs.push({ path: `spec.models[${i}]`, kind: 'Model', orKind: 'Route', name: m });
  return refs;
}

function providerRefs(spec: unknown): Reference[] {
  const key = (spec as ProviderSpec).apiKey;
  return key && 'secretRef' in key ? [{ path: 'spec.apiKey.secretRef', kind: 'Secret', name: key.secretRef }] : [];
}

function mcpServerRefs(spec: unknown): Reference[] {
  const s = spec as McpServerSpec;
  const refs: Reference[] = [];
  if (s.auth) refs.push({ path: 'spec.auth.secretRef', kind: 'Secret', name: s.auth.secretRef });
  for (const [k, v] of Object.entries(s.env ?? {})) if (typeof v === 'object') refs.push({ path: `spec.env.${k}.secretRef`, kind: 'Secret', name: v.secretRef });
  return refs;
}

/** The principal and resource a Grant names (a tool's server must exist; the tool itself is the upstream's). */
function grantRefs(spec: unknown): Reference[] {
  const s = spec as GrantSpec;
  const refs: Reference[] = [{ path: 'spec.principal.team', kind: 'Team', name: s.principal.team }];
  if (s.principal.agent) refs.push({ path: 'spec.principal.agent', kind: 'Agent', name: s.principal.agent });
  if (s.principal.user) refs.push({ path: 'spec.principal.user', kind: 'User', name: s.principal.user });
  if (s.principal.apiKey) refs.push({ path: 'spec.principal.apiKey', kind: 'ApiKey', name: s.principal.apiKey });
  if (s.resource.model) refs.push({ path: 'spec.resource.model', kind: 'Model', orKind: 'Route', name: s.resource.model });
  if (s.resource.tool) refs.push({ path: 'spec.resource.tool', kind: 'McpServer', name: s.resource.tool.split('__')[0] as string });
  if (s.resource.secret) refs.push({ path: 'spec.resource.secret', kind: 'Secret', name: s.resource.secret });
  return refs;
}

/** Every model a Route names: its targets and its baseline. */
function routeRefs(spec: unknown): Reference[] {
  const s = spec as RouteSpec;
  const refs: Reference[] = [];
  const model = (path: string, name: string) => refs.push({ path, kind: 'Model', name });
  for (const [i, r] of (s.rules ?? []).entries()) model(`spec.rules[${i}].model`, r.model);
  if (s.complexity) {
    model('spec.complexity.simple', s.complexity.simple);
    model('spec.complexity.complex', s.complexity.complex);
  }
  for (const [i, t] of (s.split ?? []).entries()) model(`spec.split[${i}].model`, t.model);
  if (s.default) model('spec.default', s.default);
  if (s.baseline) model('spec.baseline', s.baseline);
  return refs;
}

/** The teams, models and routes a Guardrail applies to. */
function guardrailRefs(spec: unknown): Reference[] {
  const to = (spec as GuardrailSpec).appliesTo ?? {};
  return [
    ...(to.teams ?? []).map((name, i) => ({ path: `spec.appliesTo.teams[${i}]`, kind: 'Team' as const, name })),
    ...(to.models ?? []).map((name, i) => ({ path: `spec.appliesTo.models[${i}]`, kind: 'Model' as const, name })),
    ...(to.routes ?? []).map((name, i) => ({ path: `spec.appliesTo.routes[${i}]`, kind: 'Route' as const, name })),
  ];
}

export const KINDS: Readonly<Record<Kind, KindDef>> = {
  Team: { kind: 'Team', plural: 'teams', aliases: ['team'], schema: TeamDocSchema, teamOf: (name) => name, ownerOf: () => undefined, references: none, order: 0, immutable: [] },
  // Before Providers and McpServers (they reference Secrets); platform-level.
  Secret: { kind: 'Secret', plural: 'secrets', aliases: ['secret'], schema: SecretDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: none, order: 0.5, immutable: [] },
  Provider: { kind: 'Provider', plural: 'providers', aliases: ['provider'], schema: ProviderDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: providerRefs, order: 1, immutable: [] },
  McpServer: {
    kind: 'McpServer',
    plural: 'mcpservers',
    aliases: ['mcpserver', 'mcp-server', 'mcp-servers', 'mcp'],
    schema: McpServerDocSchema,
    teamOf: () => undefined,
    ownerOf: () => undefined,
    references: mcpServerRefs,
    order: 1.5,
    immutable: [],
  },
  GpuPool: {
    kind: 'GpuPool',
    plural: 'gpupools',
    aliases: ['gpupool', 'gpu-pool', 'gpu-pools'],
    schema: GpuPoolDocSchema,
    teamOf: () => undefined,
    ownerOf: () => undefined,
    references: none,
    order: 2,
    immutable: [],
  },
  PriceBook: {
    kind: 'PriceBook',
    plural: 'pricebooks',
    aliases: ['pricebook', 'price-book', 'price-books'],
    schema: PriceBookDocSchema,
    teamOf: () => undefined,
    ownerOf: () => undefined,
    references: none,
    order: 3,
    immutable: [],
  },
  Model: { kind: 'Model', plural: 'models', aliases: ['model'], schema: ModelDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: modelRefs, order: 4, immutable: [] },
  // After Models (it names them), before the keys and agents whose model lists may name it.
  Route: { kind: 'Route', plural: 'routes', aliases: ['route'], schema: RouteDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: routeRefs, order: 4.5, immutable: [] },
  // After Routes and Policies (it may name routes); platform-level, written by platform admins only.
  Guardrail: {
    kind: 'Guardrail',
    plural: 'guardrails',
    aliases: ['guardrail'],
    schema: GuardrailDocSchema,
    teamOf: () => undefined,
    ownerOf: () => undefined,
    references: guardrailRefs,
    order: 4.7,
    immutable: [],
  },
  // Policies name models and teams only inside Cedar text (a forbid naming a missing one never matches).
  Policy: { kind: 'Policy', plural: 'policies', aliases: ['policy'], schema: PolicyDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: none, order: 4.6, immutable: [] },
  User: { kind: 'User', plural: 'users', aliases: ['user'], schema: UserDocSchema, teamOf: () => undefined, ownerOf: () => undefined, references: userRefs, order: 5, immutable: [] },
  Agent: {
    kind: 'Agent',
    plural: 'agents',
    aliases: ['agent'],
    schema: AgentDocSchema,
    teamOf: (_n, spec) => (spec as AgentSpec).owner,
    ownerOf: () => undefined,
    references: agentRefs,
    order: 6,
    immutable: ['owner'],
  },
  ApiKey: {
    kind: 'ApiKey',
    plural: 'apikeys',
    aliases: ['apikey', 'key', 'keys'],
    schema: ApiKeyDocSchema,
    teamOf: (_n, spec) => (spec as ApiKeySpec).team,
    ownerOf: (spec) => (spec as ApiKeySpec).user,
    references: keyRefs,
    order: 7,
    immutable: ['team', 'agent'],
  },
  Budget: {
    kind: 'Budget',
    plural: 'budgets',
    aliases: ['budget'],
    schema: BudgetDocSchema,
    teamOf: scopeTeam,
    ownerOf: () => undefined,
    references: scopeRefs,
    order: 8,
    immutable: [],
  },
  // After the identities it names; team-scoped by the principal's team (team admins request, platform admins approve).
  Grant: {
    kind: 'Grant',
    plural: 'grants',
    aliases: ['grant'],
    schema: GrantDocSchema,
    teamOf: (_n, spec) => (spec as GrantSpec).principal.team,
    ownerOf: () => undefined,
    references: grantRefs,
    order: 7.5,
    immutable: ['principal', 'action', 'resource'],
  },
  RateLimit: {
    kind: 'RateLimit',
    plural: 'ratelimits',
    aliases: ['ratelimit', 'rate-limit', 'rate-limits'],
    schema: RateLimitDocSchema,
    teamOf: scopeTeam,
    ownerOf: () => undefined,
    references: scopeRefs,
    order: 9,
    immutable: [],
  },
};

const BY_ALIAS = new Map<string, KindDef>();
for (const def of Object.values(KINDS)) {
  for (const alias of [def.kind, def.kind.toLowerCase(), def.plural, ...def.aliases]) BY_ALIAS.set(alias, def);
}

/** Resolves `teams`, `team`, `Team`, `keys`… to a kind. */
export function kindByAlias(alias: string): KindDef | undefined {
  return BY_ALIAS.get(alias) ?? BY_ALIAS.get(alias.toLowerCase());
}

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KIND_NAMES as readonly string[]).includes(value);
}
