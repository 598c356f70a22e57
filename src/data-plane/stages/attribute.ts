import { GatewayError } from '../../kernel/errors/index.js';
import type { Attribution } from '../../kernel/types.js';
import type { RequestContext } from '../context.js';
import type { DriftReporter } from './agent-drift.js';

const VALUE = /^[\w.:@/-]{1,128}$/;
const TAG_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_TAGS = 20;
const EMPTY_TAGS: Readonly<Record<string, string>> = Object.freeze({});

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  if (v === undefined) return undefined;
  const value = (Array.isArray(v) ? v.join(',') : v).trim();
  if (value === '') return undefined;
  if (!VALUE.test(value)) {
    throw new GatewayError(
      'GW_REQUEST_INVALID',
      `Header ${name} must be 1-128 characters of letters, digits and . _ - : @ /.`,
      { param: name },
    );
  }
  return value;
}

/** Parses `x-gantry-tags: k=v,k2=v2`. */
export function parseTags(raw: string | string[] | undefined): Readonly<Record<string, string>> {
  if (raw === undefined) return EMPTY_TAGS;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  if (text.trim() === '') return EMPTY_TAGS;
  const tags: Record<string, string> = {};
  const pairs = text.split(',');
  if (pairs.length > MAX_TAGS) {
    throw new GatewayError('GW_REQUEST_INVALID', `Header x-gantry-tags carries more than ${MAX_TAGS} tags.`, { param: 'x-gantry-tags' });
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    const value = eq === -1 ? '' : pair.slice(eq + 1).trim();
    if (!TAG_KEY.test(key) || value.length === 0 || value.length > 256) {
      throw new GatewayError(
        'GW_REQUEST_INVALID',
        `Header x-gantry-tags must be "key=value,key2=value2" (keys: letters, digits, _ . -; values 1-256 characters); "${pair.trim().slice(0, 40)}" is not.`,
        { param: 'x-gantry-tags' },
      );
    }
    tags[key] = value;
  }
  return tags;
}

/** Where the data plane reports that a key (and agent) was used; batched into last-used times elsewhere. */
export interface KeyActivity {
  used(keyName: string, agent: string | undefined): void;
}

/**
 * The agent a request acts for. A key that belongs to an agent always acts for it; otherwise the
 * header may name one, which (when registered) must be serving and of the key's team, and within
 * the key's agent scope.
 */
function resolveAgent(ctx: RequestContext, named: string | undefined): string | undefined {
  const p = ctx.principal;
  if (!p) return named;
  if (p.agent !== undefined) {
    if (named !== undefined && named !== p.agent) {
      throw new GatewayError('GW_AGENT_NOT_ALLOWED', `This key belongs to agent "${p.agent}"; it cannot act for "${named}".`, { param: 'x-gantry-agent' });
    }
    return p.agent;
  }
  if (named === undefined) return undefined;
  if (p.agents && !p.agents.has(named)) {
    throw new GatewayError('GW_AGENT_NOT_ALLOWED', `This key may act only for the agents ${[...p.agents].join(', ')}; not "${named}".`, { param: 'x-gantry-agent' });
  }
  const registered = ctx.snapshot.agents.get(named);
  if (registered && (registered.owner !== p.team || !registered.serving)) {
    const why = registered.owner !== p.team ? `belongs to team "${registered.owner}"` : 'is not active (see its lifecycle)';
    throw new GatewayError('GW_AGENT_NOT_ALLOWED', `Agent "${named}" ${why}; this key cannot act for it.`, { param: 'x-gantry-agent' });
  }
  return named;
}

/**
 * Records who the request is for (agent / workflow / run / tags) from the x-gantry-* headers. An agent
 * name that is not registered is served as before and reported as drift (shadow AI).
 */
export function createAttribute(deps: { activity?: KeyActivity; drift?: Pick<DriftReporter, 'unregisteredAgent'> } = {}) {
  return function attribute(ctx: RequestContext): void {
    const agent = resolveAgent(ctx, header(ctx, 'x-gantry-agent'));
    if (ctx.principal) deps.activity?.used(ctx.principal.keyName, agent);
    const attribution: Attribution = {
      agent,
      workflow: header(ctx, 'x-gantry-workflow'),
      run: header(ctx, 'x-gantry-run'),
      tags: parseTags(ctx.headers['x-gantry-tags']),
    };
    ctx.attribution = attribution;
    // After the headers parsed: a request refused for a bad header is not traffic of that agent.
    if (agent !== undefined && deps.drift && !ctx.snapshot.agents.has(agent)) deps.drift.unregisteredAgent(ctx, agent);
  };
}
