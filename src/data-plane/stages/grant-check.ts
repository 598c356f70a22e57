import type { RequestContext } from '../context.js';
import { findGrant, type GrantSubject } from '../grants.js';
import type { CompiledGrant } from '../snapshot.js';
import { knownAgent } from './policy-principal.js';

/**
 * The caller as a Grant names it. The agent counts only when it is known (knownAgent): a free-form
 * x-gantry-agent header must not match a grant made for a real agent.
 */
function subjectOf(ctx: RequestContext): GrantSubject | undefined {
  const p = ctx.principal;
  if (!p) return undefined;
  return { team: p.team, agent: knownAgent(ctx), user: p.user, apiKey: p.keyName };
}

/**
 * The active Grant that lets this request do `action` on one of `resources` (a model and the Route
 * asked, say), or undefined. Called only after something refused; "active" is judged against the
 * request's own arrival time, so a grant ends at its expiresAt in every process without a recompile.
 */
export function activeGrant(ctx: RequestContext, action: CompiledGrant['action'], ...resources: readonly (string | undefined)[]): CompiledGrant | undefined {
  if (ctx.snapshot.grants.length === 0) return undefined;
  const who = subjectOf(ctx);
  if (!who) return undefined;
  for (const resource of resources) {
    if (resource === undefined) continue;
    const grant = findGrant(ctx.snapshot, who, action, resource, ctx.startedAt);
    if (grant) return grant;
  }
  return undefined;
}

/** Records a grant the request needed (the usage event's `grant:<names>` evidence). */
export function noteGrant(ctx: RequestContext, name: string): void {
  if (ctx.grantedBy === undefined) ctx.grantedBy = name;
  else if (!ctx.grantedBy.split(',').includes(name)) ctx.grantedBy = `${ctx.grantedBy},${name}`;
}
