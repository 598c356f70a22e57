import { GatewayError } from '../../kernel/errors/index.js';
import type { PrincipalType } from '../../policy/types.js';
import type { RequestContext } from '../context.js';

const DATA_CLASSES: ReadonlySet<string> = new Set(['public', 'internal', 'confidential', 'restricted']);

/** x-gantry-data-class, else the `data` tag, else internal (design-9). */
export function dataClassOf(ctx: RequestContext): string {
  const header = ctx.headers['x-gantry-data-class'];
  const raw = (typeof header === 'string' ? header : ctx.attribution?.tags.data) ?? 'internal';
  const value = raw.trim().toLowerCase();
  if (!DATA_CLASSES.has(value)) {
    throw new GatewayError('GW_REQUEST_INVALID', `Data class "${raw}" is not one of public, internal, confidential, restricted (x-gantry-data-class header or the "data" tag).`);
  }
  return value;
}

/**
 * The agent the request acts for when Gantry knows it: the key's own, or a registered one named by
 * x-gantry-agent (attribute.ts checked it is of the key's team and serving). A free-form name of an
 * unregistered agent is attribution only: it is no policy principal, matches no Grant, gives no tools.
 */
export function knownAgent(ctx: RequestContext): string | undefined {
  const agent = ctx.attribution?.agent;
  if (agent === undefined) return undefined;
  return agent === ctx.principal?.agent || ctx.snapshot.agents.has(agent) ? agent : undefined;
}

/**
 * The agent when the request is attributed to one, else the user of a personal key, else the key.
 * Only a known agent is a principal: a free-form x-gantry-agent name would otherwise let any caller
 * step out of policies on its key or user by sending a header.
 */
export function principalOf(ctx: RequestContext): { type: PrincipalType; id: string; team: string } {
  const p = ctx.principal;
  const team = p?.team ?? 'unknown';
  const agent = knownAgent(ctx);
  if (agent !== undefined) return { type: 'Agent', id: agent, team };
  if (p?.user !== undefined) return { type: 'User', id: p.user, team };
  return { type: 'ApiKey', id: p?.keyName ?? 'unknown', team };
}
