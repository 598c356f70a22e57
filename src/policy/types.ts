/**
 * The policy decision point's contract (DESIGN.md §2: "policy decision point (Cedar behind an
 * interface)"). The data plane, the CLI (`gantry policy test`) and the control plane (validation)
 * speak these types; only src/policy/cedar-*.ts knows Cedar.
 */

/** Cedar values Gantry puts in entities and context (Cedar has no floats: money is integer micro-USD). */
export type PolicyValue = string | number | boolean | readonly PolicyValue[] | { readonly [k: string]: PolicyValue };

export type PrincipalType = 'User' | 'ApiKey' | 'Agent';
export type ResourceType = 'Model' | 'Tool' | 'Agent' | 'Secret';
/** Data-plane actions, then admin actions (`admin_<verb>`, e.g. admin_apply). */
export type PolicyAction = 'invoke_model' | 'call_tool' | 'read_secret' | `admin_${string}`;

export interface PolicyRequest {
  /** The caller: its entity is `in` its Team (Gantry::Team::"<team>"). */
  readonly principal: { readonly type: PrincipalType; readonly id: string; readonly team: string; readonly attrs?: Readonly<Record<string, PolicyValue>> };
  readonly action: PolicyAction;
  readonly resource: { readonly type: ResourceType; readonly id: string; readonly attrs?: Readonly<Record<string, PolicyValue>> };
  /** e.g. dataClass, projectedSpendMicros, budgetMicros, hour, weekday, tags, tools, promptTokens. */
  readonly context: Readonly<Record<string, PolicyValue>>;
}

export interface PolicyDecision {
  /** Enforced policies' verdict. */
  readonly allowed: boolean;
  /** Ids of the enforced policies that denied (empty when allowed). */
  readonly deniedBy: readonly string[];
  /** Ids of dry-run policies that would have denied (the request is still served). */
  readonly wouldDenyBy: readonly string[];
  /** Evaluation errors (a policy that failed on this request; Cedar skips it), policy ids only. */
  readonly errors: readonly string[];
}

/** A compiled set of policies (one per runtime snapshot): decide() is synchronous and cheap. */
export interface PolicyEngine {
  decide(request: PolicyRequest): PolicyDecision;
  /**
   * Whether some policy (enforced or dry-run) can apply to `action`, from the policies' scopes: an
   * unconstrained action scope covers every action, `action == X` / `action in [..]` those listed, and
   * a resource scope of one entity type rules out actions on other types. false means decide() would
   * allow `action` whatever the request, so the caller may skip it (read_secret costs nothing then).
   */
  coversAction(action: PolicyAction): boolean;
  /** Number of policies (enforced + dry-run), for /metrics and the admin API. */
  readonly size: number;
}
