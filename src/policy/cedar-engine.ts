import { type AuthorizationAnswer, type CedarValueJson, type EntityJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { GatewayError } from '../kernel/errors/gateway-error.js';
import { actionCoverage } from './cedar-covers.js';
import { BASELINE_POLICY_ID, type ParsedPolicy, type PolicyProblem, parsePolicyResource } from './cedar-parse.js';
import { CEDAR_NAMESPACE } from './cedar-schema.js';
import { partitionByTeam } from './cedar-partition.js';
import { type PreparsedSet, preparse, SETS_PER_ENGINE } from './cedar-preparsed.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest, PolicyValue } from './types.js';

export type PolicyMode = 'enforce' | 'dry-run';

/** One Policy resource: its name, Cedar text (one or more policies) and mode. */
export interface PolicySource {
  readonly name: string;
  readonly text: string;
  readonly mode: PolicyMode;
}

export interface CompiledPolicies {
  readonly policies: readonly (ParsedPolicy & { readonly resource: string; readonly mode: PolicyMode })[];
  readonly problems: readonly (PolicyProblem & { readonly resource: string })[];
}

/** Splits every resource into policies with ids; a duplicate id across resources is a problem. */
export function collectPolicies(sources: readonly PolicySource[]): CompiledPolicies {
  const policies: (ParsedPolicy & { resource: string; mode: PolicyMode })[] = [];
  const problems: (PolicyProblem & { resource: string })[] = [];
  const owner = new Map<string, string>();
  for (const s of sources) {
    const parsed = parsePolicyResource(s.name, s.text);
    for (const p of parsed.problems) problems.push({ ...p, resource: s.name });
    for (const p of parsed.policies) {
      const other = owner.get(p.id);
      if (other !== undefined) {
        problems.push({ resource: s.name, policy: p.id, line: 0, column: 0, message: `Policy id "${p.id}" is already used by Policy "${other}"; policy ids must be unique.` });
        continue;
      }
      owner.set(p.id, s.name);
      policies.push({ ...p, resource: s.name, mode: s.mode });
    }
  }
  return { policies, problems };
}

export interface CompileOptions {
  /**
   * Attributes of resources known when compiling, keyed `<type>::<id>` (e.g. `Model::sim-large`:
   * provider, providerType, selfHosted, labels): used when a request names the resource without attrs.
   */
  readonly resources?: ReadonlyMap<string, Readonly<Record<string, PolicyValue>>>;
  /** false: evaluate one set of all policies for every request (the reference partitioning is tested and benchmarked against). Default true. */
  readonly partitionByTeam?: boolean;
}

const BASELINE = 'permit(principal, action, resource);';
const ACTION_TYPE = `${CEDAR_NAMESPACE}::Action`;
const uid = (type: string, id: string) => ({ type: `${CEDAR_NAMESPACE}::${type}`, id });

function isRecord(v: PolicyValue | undefined): v is { readonly [k: string]: PolicyValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Request tags are a set of "key=value" in Cedar (records are closed; see cedar-schema.ts). */
function cedarContext(context: PolicyRequest['context']): Record<string, CedarValueJson> {
  const tags = context.tags;
  if (!isRecord(tags)) return context as Record<string, CedarValueJson>;
  const set: string[] = [];
  for (const k in tags) set.push(`${k}=${String(tags[k])}`);
  return { ...(context as Record<string, CedarValueJson>), tags: set };
}

/** The principal with its Team, and the resource; a Model's `labels` become Cedar entity tags. */
function entitiesOf(r: PolicyRequest, known: CompileOptions['resources']): EntityJson[] {
  const team = uid('Team', r.principal.team);
  const { labels, ...resourceAttrs } = r.resource.attrs ?? known?.get(`${r.resource.type}::${r.resource.id}`) ?? {};
  let tags: Record<string, string> | undefined;
  if (isRecord(labels)) {
    tags = {};
    for (const k in labels) tags[k] = String(labels[k]);
  }
  return [
    { uid: team, attrs: {}, parents: [] },
    { uid: uid(r.principal.type, r.principal.id), attrs: { name: r.principal.id, ...(r.principal.attrs as Record<string, CedarValueJson> | undefined) }, parents: [team] },
    { uid: uid(r.resource.type, r.resource.id), attrs: { name: r.resource.id, ...(resourceAttrs as Record<string, CedarValueJson>) }, parents: [], ...(tags ? { tags } : {}) },
  ];
}

function reasons(answer: AuthorizationAnswer): { denied: string[]; errors: string[] } {
  if (answer.type === 'failure') throw new GatewayError('GW_INTERNAL', `Policy evaluation failed: ${answer.errors.map((e) => e.message).join('; ')}`);
  const { decision, diagnostics } = answer.response;
  // Plain loops on the per-request path: V8 (Node 20) crashed with a fatal "unreachable code" in
  // Deoptimizer::DoComputeBuiltinContinuation in a stress run of this path; array builtins with
  // callbacks (filter, map, sort) are where builtin continuations come from.
  const denied: string[] = [];
  if (decision === 'deny') for (const id of diagnostics.reason) if (id !== BASELINE_POLICY_ID) denied.push(id);
  const errors: string[] = [];
  for (const e of diagnostics.errors) errors.push(e.policyId);
  return { denied, errors };
}

/** A PolicyEngine that can say which policies it evaluates for a team (tests, debugging). */
export interface CedarPolicyEngine extends PolicyEngine {
  /** Ids of the policies in the set evaluated for a principal of `team`, in source order (baseline not included). */
  policiesFor(team: string): readonly string[];
}

interface TeamSet {
  readonly ids: readonly string[];
  readonly set: PreparsedSet;
}

/**
 * One pre-parsed set per team with team-scoped policies (baseline + global + that team's), one
 * global-only set for every other team. Exact: a policy scoped `in Gantry::Team::"X"` cannot match a
 * principal of another team, whose only parent is its own Team. Past SETS_PER_ENGINE sets, the
 * remaining teams share the full set (correct, just not smaller).
 */
function partitionedSets(policies: readonly ParsedPolicy[], bySourceOrder: (a: string, b: string) => number, partition: boolean): { forTeam(team: string): TeamSet } {
  const text = new Map(policies.map((p) => [p.id, p.text]));
  const prepared = (ids: readonly string[]): TeamSet => {
    const all: Record<string, string> = { [BASELINE_POLICY_ID]: BASELINE };
    for (const id of ids) all[id] = text.get(id) ?? '';
    return { ids, set: preparse(all) };
  };
  if (!partition) {
    const full = prepared(policies.map((p) => p.id));
    return { forTeam: () => full };
  }
  const { global, byTeam } = partitionByTeam(policies);
  const fallback = prepared(global);
  const teams = [...byTeam];
  const ownSets = teams.length < SETS_PER_ENGINE ? teams.length : SETS_PER_ENGINE - 2; // global + full take two
  const sets = new Map<string, TeamSet>(teams.slice(0, ownSets).map(([team, ids]) => [team, prepared([...global, ...ids].sort(bySourceOrder))]));
  if (ownSets < teams.length) {
    const full = prepared(policies.map((p) => p.id));
    for (const [team] of teams.slice(ownSets)) sets.set(team, full);
  }
  return { forTeam: (team) => sets.get(team) ?? fallback };
}

/**
 * Compiles Policy resources into a PolicyEngine: Gantry's baseline permit plus the users' policies,
 * pre-parsed once per snapshot, partitioned per team (partitionedSets) so a request evaluates only
 * the global policies and its own team's. One evaluation serves enforce and dry-run alike: with the
 * baseline permit, a request is denied exactly when some forbid is satisfied, and Cedar names every
 * satisfied forbid; the enforced ones deny, the dry-run ones would have (the same answer as
 * evaluating an enforced-only set and a with-dry-run set, at half the cost). Ids are reported in
 * source order (Cedar's own order is a hash order that depends on the set).
 * Throws GW_REQUEST_INVALID naming the problems (apply validates first, so that means a bug or a
 * resource stored before validation existed).
 *
 * No decision cache: a cache keyed by the full request is correct (Cedar has no clock), but the
 * invoke_model context carries projected spend, which changes on every request, so it would never hit.
 */
export function compilePolicyEngine(sources: readonly PolicySource[], options: CompileOptions = {}): CedarPolicyEngine {
  const { policies, problems } = collectPolicies(sources);
  if (problems.length > 0) {
    const list = problems.map((p) => `Policy "${p.resource}"${p.line > 0 ? ` line ${p.line}:${p.column}` : ''}: ${p.message}`).join('; ');
    throw new GatewayError('GW_REQUEST_INVALID', `The policies do not compile: ${list}`);
  }
  const dryRun = new Set(policies.filter((p) => p.mode === 'dry-run').map((p) => p.id));
  const order = new Map(policies.map((p, i) => [p.id, i]));
  const bySourceOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
  /** The ids in the order the policies are written (a walk over that order, no sort on the request path). */
  const written = policies.map((p) => p.id);
  const inSourceOrder = (ids: readonly string[]): string[] => {
    const wanted = new Set(ids);
    const out: string[] = [];
    for (const id of written) if (wanted.has(id)) out.push(id);
    return out;
  };
  const sets = partitionedSets(policies, bySourceOrder, options.partitionByTeam ?? true);
  const coversAction = actionCoverage(policies.map((p) => p.text));

  return {
    size: policies.length,
    coversAction,
    policiesFor: (team) => sets.forTeam(team).ids,
    decide(request: PolicyRequest): PolicyDecision {
      const call = {
        principal: uid(request.principal.type, request.principal.id),
        action: { type: ACTION_TYPE, id: request.action },
        resource: uid(request.resource.type, request.resource.id),
        context: cedarContext(request.context),
        entities: entitiesOf(request, options.resources),
      };
      const { set } = sets.forTeam(request.principal.team);
      const { denied, errors } = reasons(statefulIsAuthorized({ ...call, preparsedPolicySetId: set.id() }));
      const errorsInOrder = errors.length > 1 ? inSourceOrder(errors) : errors;
      if (denied.length === 0) return { allowed: true, deniedBy: [], wouldDenyBy: [], errors: errorsInOrder };
      const deniedBy: string[] = [];
      const wouldDenyBy: string[] = [];
      for (const id of denied.length > 1 ? inSourceOrder(denied) : denied) (dryRun.has(id) ? wouldDenyBy : deniedBy).push(id);
      return { allowed: deniedBy.length === 0, deniedBy, wouldDenyBy, errors: errorsInOrder };
    },
  };
}
