import { createHash } from 'node:crypto';
import { parseUsdToMicros, type TokenPrices } from '../../kernel/money.js';
import type { Principal } from '../../kernel/types.js';
import type { CompiledAgent, CompiledDeployment, CompiledModel, ModelPricing, RuntimeSnapshot } from '../../data-plane/snapshot.js';
import type { Provider, Timeouts } from '../../providers/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { type AgentSpec, SERVING_STATES } from '../resources/kinds/agent.js';
import type { ApiKeySecret, ApiKeySpec, ApiKeyStatus } from '../resources/kinds/api-key.js';
import type { ModelSpec, PricingSpec } from '../resources/kinds/model.js';
import type { ProviderSpec, TimeoutsSpec } from '../resources/kinds/provider.js';

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, headersMs: 120_000, bodyIdleMs: 120_000 };

/** Read access to the resources to compile (the resource cache). */
export interface CompileSource {
  all(kind: string): Iterable<StoredResource>;
  get(kind: string, name: string): StoredResource | undefined;
}

export interface CompileInput {
  readonly generation: number;
  readonly resources: CompileSource;
  /** The live provider instance for a Provider resource (reused while its spec is unchanged). */
  readonly providerFor: (name: string, spec: ProviderSpec) => Provider;
  /** Seconds since epoch reported as `created` in GET /v1/models. */
  readonly createdAt: number;
  /** Principals are reused while their key resource is unchanged (100,000 keys recompile fast). */
  readonly previous?: PrincipalMemo;
}

/** Compiled principals of each key by (uid, generation, agent generation), reused across compiles. */
export type PrincipalMemo = Map<string, { readonly stamp: string; readonly entries: readonly [string, Principal][] }>;

function usd(value: string | undefined): number {
  if (value === undefined) return 0;
  const micros = parseUsdToMicros(value);
  if (micros === undefined) throw new Error(`invalid price ${value} (validated resource expected)`);
  return micros;
}

function compilePricing(spec: PricingSpec | undefined): ModelPricing | undefined {
  if (!spec) return undefined;
  if (spec.free) return { free: true };
  const inputPer1M = usd(spec.inputPer1M);
  const prices: TokenPrices = {
    inputPer1M,
    // Without a cached price, cached tokens cost the same as plain input: never under-bill.
    cachedInputPer1M: spec.cachedInputPer1M === undefined ? inputPer1M : usd(spec.cachedInputPer1M),
    cacheWritePer1M: spec.cacheWritePer1M === undefined ? inputPer1M : usd(spec.cacheWritePer1M),
    outputPer1M: usd(spec.outputPer1M),
    perRequest: usd(spec.perRequest),
  };
  return { free: false, prices };
}

function timeouts(...layers: (TimeoutsSpec | undefined)[]): Timeouts {
  let out: Timeouts = DEFAULT_TIMEOUTS;
  for (const layer of layers) if (layer) out = { ...out, ...layer };
  return out;
}

function compileModel(r: StoredResource, input: CompileInput): CompiledModel | undefined {
  const spec = r.spec as ModelSpec;
  const entries = spec.deployments ?? [{ provider: spec.provider ?? '', upstreamModel: spec.upstreamModel, timeouts: undefined, faults: undefined }];
  const deployments: CompiledDeployment[] = [];
  for (const d of entries) {
    const providerRes = input.resources.get('Provider', d.provider);
    // A model whose provider is gone is left out rather than failing the whole snapshot.
    if (!providerRes) continue;
    const providerSpec = providerRes.spec as ProviderSpec;
    const upstreamModel = d.upstreamModel ?? spec.upstreamModel ?? r.name;
    deployments.push({
      provider: input.providerFor(d.provider, providerSpec),
      target: {
        id: `${d.provider}/${upstreamModel}`,
        provider: d.provider,
        upstreamModel,
        timeouts: timeouts(providerSpec.timeouts, spec.timeouts, d.timeouts),
        faults: d.faults ?? spec.faults,
      },
    });
  }
  if (deployments.length === 0) return undefined;
  return { name: r.name, type: spec.type ?? 'chat', deployments, pricing: compilePricing(spec.pricing) };
}

function compileAgent(r: StoredResource): CompiledAgent {
  const spec = r.spec as AgentSpec;
  return { name: r.name, owner: spec.owner, serving: SERVING_STATES.has(spec.lifecycle ?? 'proposed'), models: spec.models ? new Set(spec.models) : undefined };
}

function intersect(a: readonly string[] | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (!a) return b;
  if (!b) return new Set(a);
  return new Set(a.filter((m) => b.has(m)));
}

/** The credentials of one key, or none when it is revoked or its agent does not serve. */
function keyEntries(r: StoredResource, agents: ReadonlyMap<string, CompiledAgent>): [string, Principal][] {
  const spec = r.spec as ApiKeySpec;
  if ((r.status as ApiKeyStatus | undefined)?.revokedAt) return [];
  const agent = spec.agent ? agents.get(spec.agent) : undefined;
  if (spec.agent && !agent?.serving) return [];
  const expiresAt = spec.expiresAt ? Date.parse(spec.expiresAt) : undefined;
  const models = intersect(spec.models, agent?.models);
  const base = {
    keyId: r.uid,
    keyName: r.name,
    team: spec.team,
    ...(spec.agent ? { agent: spec.agent } : {}),
    ...(models ? { models } : {}),
    ...(spec.agents ? { agents: new Set(spec.agents) } : {}),
  };
  const hashes = (r.secret as ApiKeySecret | undefined)?.hashes ?? [];
  return hashes.map((h) => {
    const limits = [expiresAt, h.notAfter].filter((x): x is number => x !== undefined);
    const principal: Principal = Object.freeze(limits.length > 0 ? { ...base, notAfter: Math.min(...limits) } : base);
    return [h.hash, principal];
  });
}

/** Compiles the resources into an immutable runtime snapshot (and the principal memo for the next compile). */
export function compileSnapshot(input: CompileInput): { snapshot: RuntimeSnapshot; memo: PrincipalMemo } {
  const models = new Map<string, CompiledModel>();
  const modelRows = [...input.resources.all('Model')].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const r of modelRows) {
    const m = compileModel(r, input);
    if (m) models.set(r.name, m);
  }
  const priceTable = modelRows.map((m) => [m.name, (m.spec as ModelSpec).pricing ?? null]);
  const priceVersion = `pt-${createHash('sha256').update(JSON.stringify(priceTable)).digest('hex').slice(0, 12)}`;

  const modelListBody = JSON.stringify({
    object: 'list',
    data: [...models.values()].map((m) => ({ id: m.name, object: 'model', created: input.createdAt, owned_by: 'gantry' })),
  });

  const agents = new Map<string, CompiledAgent>();
  for (const r of input.resources.all('Agent')) agents.set(r.name, compileAgent(r));

  const memo: PrincipalMemo = new Map();
  const keys = new Map<string, Principal>();
  for (const r of input.resources.all('ApiKey')) {
    const agent = (r.spec as ApiKeySpec).agent;
    const stamp = `${r.generation}:${agent ? (input.resources.get('Agent', agent)?.generation ?? 'none') : '-'}:${r.uid}`;
    const previous = input.previous?.get(r.uid);
    const entries = previous?.stamp === stamp ? previous.entries : keyEntries(r, agents);
    memo.set(r.uid, { stamp, entries });
    for (const [hash, principal] of entries) keys.set(hash, principal);
  }
  const snapshot: RuntimeSnapshot = Object.freeze({ generation: input.generation, priceVersion, models, modelListBody, keys, agents });
  return { snapshot, memo };
}
