import { GatewayError } from '../../kernel/errors/index.js';
import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import { type AgentExportInput, renderA2aCard } from '../agents/a2a-card.js';
import { renderBackstageEntity, toBackstageYaml } from '../agents/backstage.js';
import { DEFAULT_INVENTORY_DAYS, MAX_INVENTORY_DAYS, type AgentInventoryService } from '../agents/inventory.js';
import { agentTeamsFor, canReadAgent, hasFilter, listAgents, matchesAgentFilter, parseAgentFilter, readableAgent } from '../agents/registry-view.js';
import type { AgentSpec } from '../resources/kinds/agent.js';
import type { createReader } from '../service/read.js';
import { actorOf, intParam, parseLabelSelector } from './request.js';
import type { AdminRoute, QueryParam } from './types.js';

export interface AgentRouteDeps {
  readonly store: ResourceStore;
  readonly reader: ReturnType<typeof createReader>;
  readonly inventory: AgentInventoryService;
  /** The gateway's public base URL (GANTRY_PUBLIC_URL, else the listen address). */
  readonly publicUrl: () => string;
}

const EXPORT_FORMATS = ['backstage', 'a2a'] as const;
const YAML = 'application/yaml; charset=utf-8';

const exportInput = (r: StoredResource): AgentExportInput => ({ name: r.name, generation: r.generation, labels: r.labels, spec: r.spec as AgentSpec });

const days = (url: URL): number => intParam(url, 'days', DEFAULT_INVENTORY_DAYS, 1, MAX_INVENTORY_DAYS);

function optionalParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name)?.trim();
  return v === undefined || v === '' ? undefined : v;
}

const FILTER_QUERY: Readonly<Record<string, QueryParam>> = {
  team: { description: 'Only agents owned by this team.' },
  lifecycle: { description: 'Only agents in this lifecycle state (proposed, approved, active, suspended, deprecated, retired).' },
  model: { description: 'Only agents that declare this model in spec.models.' },
  tool: { description: 'Only agents that declare this tool (server__tool) in spec.tools.' },
};
const DAYS_QUERY: Readonly<Record<string, QueryParam>> = { days: { description: 'The last N days, 1-90 (default 7).', type: 'integer' } };

/**
 * The agent registry over the admin API: discovery with filters, the usage inventory (shadow
 * agents included), and exports as A2A agent cards and Backstage catalog entities. Registered
 * before the generic resource routes, whose `/{plural}/{name}` would otherwise take these paths.
 */
export function agentRoutes(deps: AgentRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/agents',
      auth: 'authenticated',
      query: {
        ...FILTER_QUERY,
        labelSelector: { description: 'k=v,k2=v2: every label must match.' },
        limit: { description: 'Page size, 1-1000 (default 100).', type: 'integer' },
        continue: { description: 'The `continue` value of the previous page.' },
      },
      summary:
        'List agents, filtered by ?team=&lifecycle=&model=&tool= (model and tool: declared in spec.models / spec.tools), with ?labelSelector=&limit=&continue= as for any kind; a filtered page may hold fewer than limit items.',
      async handle(req) {
        const actor = actorOf(req);
        const filter = parseAgentFilter(req.url);
        if (filter.team !== undefined) agentTeamsFor(actor, filter.team);
        const page = await deps.reader.list(actor, 'Agent', {
          labels: parseLabelSelector(req.url.searchParams.get('labelSelector')),
          limit: intParam(req.url, 'limit', 100, 1, 1000),
          after: req.url.searchParams.get('continue') ?? undefined,
        });
        const items = hasFilter(filter)
          ? page.items.filter((r) => matchesAgentFilter({ team: (r.spec as AgentSpec).owner, spec: r.spec }, filter))
          : page.items;
        return { status: 200, body: { apiVersion: 'gantry/v1alpha1', kind: 'AgentList', items, continue: page.continue } };
      },
    },
    {
      method: 'GET',
      path: '/agents/inventory',
      auth: 'authenticated',
      query: { ...DAYS_QUERY, team: { description: 'Only this team.' }, agent: { description: 'Only this agent.' } },
      summary:
        'Per agent over the last ?days=N (1-90, default 7): models and tools used, spend, requests, error rate, last seen, drift; unregistered agents seen in traffic as registered: false. Filters ?team=&agent=.',
      async handle(req) {
        const actor = actorOf(req);
        const body = await deps.inventory.list(actor, { days: days(req.url), team: optionalParam(req.url, 'team'), agent: optionalParam(req.url, 'agent') });
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      path: '/agents/export',
      auth: 'authenticated',
      query: { format: { description: 'backstage (default: multi-document YAML) or a2a (a JSON list of agent cards).' }, ...FILTER_QUERY },
      summary:
        'Every agent the caller may read as ?format=backstage (multi-document catalog-info YAML) or a2a (a JSON list of agent cards); filters ?team=&lifecycle=&model=&tool=.',
      async handle(req) {
        const actor = actorOf(req);
        const format = req.url.searchParams.get('format') ?? 'backstage';
        if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
          throw new GatewayError('GW_REQUEST_INVALID', `format must be backstage or a2a (got "${format.slice(0, 40)}").`, { param: 'format' });
        }
        const filter = parseAgentFilter(req.url);
        const teams = agentTeamsFor(actor, filter.team);
        const agents = (await listAgents(deps.store, teams)).filter((r) => canReadAgent(actor, r) && matchesAgentFilter(r, filter)).map(exportInput);
        const publicUrl = deps.publicUrl();
        if (format === 'a2a') return { status: 200, body: agents.map((a) => renderA2aCard(a, { publicUrl })) };
        return { status: 200, raw: { contentType: YAML, text: toBackstageYaml(agents.map((a) => renderBackstageEntity(a, { publicUrl }))) } };
      },
    },
    {
      method: 'GET',
      path: '/agents/{name}/inventory',
      auth: 'authenticated',
      query: DAYS_QUERY,
      summary: 'One agent (registered or seen in traffic) over the last ?days=N (1-90, default 7): models, tools, spend, error rate, last seen, drift.',
      async handle(req) {
        return { status: 200, body: await deps.inventory.one(actorOf(req), req.params.name as string, days(req.url)) };
      },
    },
    {
      method: 'GET',
      path: '/agents/{name}/card',
      auth: 'authenticated',
      summary: 'The agent as an A2A agent card (JSON): gateway URL, owner, declared tools as skills, bearer API key scheme, and an x-gantry extension.',
      async handle(req) {
        const r = await readableAgent(deps.store, actorOf(req), req.params.name as string);
        return { status: 200, body: renderA2aCard(exportInput(r), { publicUrl: deps.publicUrl() }) };
      },
    },
    {
      method: 'GET',
      path: '/agents/{name}/backstage',
      auth: 'authenticated',
      summary: 'The agent as a Backstage catalog entity (YAML): a Component of type ai-agent owned by group:default/<team>.',
      async handle(req) {
        const r = await readableAgent(deps.store, actorOf(req), req.params.name as string);
        return { status: 200, raw: { contentType: YAML, text: toBackstageYaml([renderBackstageEntity(exportInput(r), { publicUrl: deps.publicUrl() })]) } };
      },
    },
  ];
}
