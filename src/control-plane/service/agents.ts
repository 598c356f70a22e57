import { GatewayError } from '../../kernel/errors/index.js';
import type { Actor } from '../rbac/roles.js';
import { type AgentSpec, LIFECYCLE_STATES, type LifecycleState } from '../resources/kinds/agent.js';
import { renderResource, type RenderedResource } from '../resources/render.js';
import type { CallMeta, ServiceDeps } from './deps.js';
import { loadForChange, rewrite } from './mutate.js';
import { prepareAgent } from './prepare.js';

/** `POST /agents/{name}/lifecycle`: one checked transition, recorded in status.history and the audit log. */
export function createAgentLifecycle(deps: ServiceDeps) {
  return async function transition(actor: Actor, name: string, to: string, reason: string | undefined, meta: CallMeta): Promise<RenderedResource> {
    if (!(LIFECYCLE_STATES as readonly string[]).includes(to)) {
      throw new GatewayError('GW_REQUEST_INVALID', `"to" must be one of ${LIFECYCLE_STATES.join(', ')}.`, { param: 'to' });
    }
    const existing = await loadForChange(deps, actor, 'Agent', name, 'update', 'agents.transition', meta);
    const spec = { ...(existing.spec as AgentSpec), lifecycle: to as LifecycleState };
    const prepared = prepareAgent(actor, spec, existing, deps.clock.now(), reason);
    if (prepared.forbidden) throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${prepared.forbidden}.`);
    const problem = prepared.problems[0];
    if (problem) throw new GatewayError('GW_LIFECYCLE_INVALID', `Agent "${name}": ${problem.message}.`);
    if (prepared.status === existing.status) return renderResource(existing);
    return renderResource(await rewrite(deps, actor, existing, { spec: prepared.spec, status: prepared.status, secret: existing.secret }, 'agents.transition', meta));
  };
}
