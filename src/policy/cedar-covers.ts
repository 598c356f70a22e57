import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { uidOf } from './cedar-partition.js';
import { CEDAR_NAMESPACE } from './cedar-schema.js';
import type { PolicyAction } from './types.js';

const ACTION_TYPE = `${CEDAR_NAMESPACE}::Action`;

/** The resource type each data-plane action applies to (cedar-schema.ts appliesTo); admin actions take any. */
const RESOURCE_OF: Readonly<Record<string, string>> = {
  invoke_model: `${CEDAR_NAMESPACE}::Model`,
  call_tool: `${CEDAR_NAMESPACE}::Tool`,
  read_secret: `${CEDAR_NAMESPACE}::Secret`,
};

/** What one policy's scope can match: its actions (undefined: any) and its resource type (undefined: any). */
interface Scope {
  readonly actions: ReadonlySet<string> | undefined;
  readonly resourceType: string | undefined;
}

function scopeOf(text: string): Scope {
  const answer = policyToJson(text);
  // Unreachable for a policy that parsed; "any" is always the safe answer.
  if (answer.type === 'failure') return { actions: undefined, resourceType: undefined };
  const { action, resource } = answer.json;
  let actions: Set<string> | undefined;
  if (action.op === '==') actions = 'entity' in action ? new Set([uidOf(action.entity).id]) : undefined;
  else if (action.op === 'in') {
    // The schema has no action groups: `in` an action is that action.
    const listed = 'entities' in action ? action.entities : [action.entity];
    actions = new Set(listed.map(uidOf).filter((u) => u.type === ACTION_TYPE).map((u) => u.id));
  }
  let resourceType: string | undefined;
  if (resource.op === 'is') resourceType = resource.entity_type;
  // `==` / `in` an entity: resources have no parents (cedar-engine.ts entitiesOf), so only that entity's type.
  else if ((resource.op === '==' || resource.op === 'in') && 'entity' in resource) resourceType = uidOf(resource.entity).type;
  return { actions, resourceType };
}

function covers(scope: Scope, action: string): boolean {
  if (scope.actions !== undefined && !scope.actions.has(action)) return false;
  const type = RESOURCE_OF[action];
  return scope.resourceType === undefined || type === undefined || scope.resourceType === type;
}

/**
 * Whether any of these policies can apply to an action, from their scopes alone (conditions are not
 * looked at): `action` unconstrained covers every action, `action == X` / `action in [X, Y]` those
 * listed; a resource scope of one type (`resource == Gantry::Model::"m"`, `resource is Gantry::Model`)
 * rules out the actions on other types. So a request pays for a decision (read_secret, per Secret)
 * only when some policy could say something about it. Answers are computed once per action.
 */
export function actionCoverage(texts: readonly string[]): (action: PolicyAction) => boolean {
  const scopes = texts.map(scopeOf);
  const answers = new Map<string, boolean>();
  return (action) => {
    let answer = answers.get(action);
    if (answer === undefined) {
      answer = scopes.some((s) => covers(s, action));
      answers.set(action, answer);
    }
    return answer;
  };
}
