import { type EntityUidJson, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { CEDAR_NAMESPACE } from './cedar-schema.js';

const TEAM_TYPE = `${CEDAR_NAMESPACE}::Team`;

/**
 * The team a policy is scoped to: its principal constraint is `in Gantry::Team::"X"` or
 * `is <Type> in Gantry::Team::"X"`. Any other policy (no constraint, `==` an entity, `is` alone,
 * `in` another entity) is global: undefined. Such a policy can only match principals of team X,
 * because a principal's one parent is its own Team (cedar-engine.ts entitiesOf).
 */
export function principalTeam(text: string): string | undefined {
  const answer = policyToJson(text);
  if (answer.type === 'failure') return undefined; // unreachable after parsing; global is always safe
  const scope = answer.json.principal;
  const within = scope.op === 'in' ? scope : scope.op === 'is' ? scope.in : undefined;
  if (within === undefined || !('entity' in within)) return undefined;
  const uid = uidOf(within.entity);
  return uid.type === TEAM_TYPE ? uid.id : undefined;
}

/** An entity uid of a policy's JSON form, either way Cedar writes it. */
export function uidOf(e: EntityUidJson): { type: string; id: string } {
  return '__entity' in e ? e.__entity : e;
}

/** Policy ids split into global ones and per-team ones (teams in first-seen order, ids in source order). */
export interface TeamPartition {
  readonly global: readonly string[];
  readonly byTeam: ReadonlyMap<string, readonly string[]>;
}

export function partitionByTeam(policies: readonly { readonly id: string; readonly text: string }[]): TeamPartition {
  const global: string[] = [];
  const byTeam = new Map<string, string[]>();
  for (const p of policies) {
    const team = principalTeam(p.text);
    if (team === undefined) global.push(p.id);
    else byTeam.set(team, [...(byTeam.get(team) ?? []), p.id]);
  }
  return { global, byTeam };
}
