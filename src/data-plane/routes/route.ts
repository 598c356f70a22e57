import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from '../../kernel/errors/index.js';
import type { Endpoint } from '../../kernel/types.js';
import type { RequestContext } from '../context.js';

/** One data-plane endpoint. `handle` throws GatewayError to answer with an error. */
export interface Route {
  readonly endpoint: Endpoint;
  handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> | void;
  /** Error body in this endpoint's protocol (OpenAI shape when absent). */
  errorBody?(err: GatewayError): string;
}

export function providerContext(ctx: RequestContext) {
  const deployment = ctx.deployment;
  if (!deployment) throw new Error('resolveModel must run before the provider call');
  return { requestId: ctx.requestId, deployment: deployment.target, signal: ctx.abort.signal };
}

/** x-gantry-cache: a semantic or stale answer is a hit too (the usage event tells which). */
function cacheHeader(outcome: RequestContext['cache']): 'hit' | 'miss' | 'bypass' {
  if (outcome === 'miss' || outcome === 'bypass') return outcome;
  return 'hit';
}

/** Response headers every served model call carries (DESIGN.md §1). */
export function gatewayHeaders(ctx: RequestContext, costUsd?: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-gantry-cache': cacheHeader(ctx.cache) };
  // A cache hit was served by no deployment.
  if (ctx.deployment) headers['x-gantry-route'] = ctx.deployment.target.id;
  if (costUsd !== undefined) headers['x-gantry-cost-usd'] = costUsd;
  const limits = ctx.limitHeaders;
  if (limits) for (const name in limits) headers[name] = limits[name] as string;
  return headers;
}
