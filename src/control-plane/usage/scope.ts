import { GatewayError } from '../../kernel/errors/index.js';
import { canReadUsage } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';

/**
 * The teams whose usage an actor may read for a request (undefined: every team). Platform admins and
 * FinOps viewers see everything; team admins and developers see their own teams only: the team filter
 * is forced to those, and asking for another team is refused rather than silently emptied.
 */
export function usageTeamsFor(actor: Actor, requested: readonly string[] | undefined): string[] | undefined {
  if (canReadUsage(actor)) return requested === undefined ? undefined : [...requested];
  const mine = [...actor.teamRoles.keys()];
  if (mine.length === 0) {
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read usage (it needs a team role, or the finops-viewer or platform-admin role).`);
  }
  if (requested === undefined) return mine.sort();
  const other = requested.find((t) => !mine.includes(t));
  if (other !== undefined) {
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may read the usage of its own teams only (${mine.sort().join(', ')}), not of team "${other}".`, { param: 'team' });
  }
  return [...requested];
}
