/**
 * The Cedar schema for namespace Gantry (design-9): what policies may reference. `validatePolicyText`
 * checks every Policy against it on apply, so a typo (`resource.nmae`) or a wrong type
 * (`context.hour == "9"`) is an apply error instead of a policy that silently never matches.
 *
 * Cedar records are closed (no open maps without an experimental feature), so the two open maps are
 * shaped differently from the design's records: a Model's labels are Cedar entity tags
 * (`resource.hasTag("tier") && resource.getTag("tier") == "gold"`) and the request's tags are a set
 * of "key=value" strings (`context.tags.contains("project=atlas")`). cedar-engine.ts converts.
 *
 * Every invoke_model context attribute is required: the data plane always fills all of them, and
 * required attributes keep policies short (`context.hour < 9` instead of `context has hour && ...`).
 */
export const GANTRY_CEDAR_SCHEMA = `namespace Gantry {
  entity Team;
  entity User in [Team] { name: String };
  entity ApiKey in [Team] { name: String };
  entity Agent in [Team] { name: String };
  entity Model {
    name: String,
    provider: String,
    providerType: String,
    selfHosted: Bool,
  } tags String;
  entity Tool { name: String };
  entity Secret { name: String };

  type InvokeContext = {
    dataClass: String,
    projectedSpendMicros: Long,
    budgetMicros: Long,
    hour: Long,
    weekday: Long,
    tags: Set<String>,
    tools: Bool,
    toolNames: Set<String>,
    promptTokens: Long,
    stream: Bool,
  };

  action invoke_model appliesTo {
    principal: [User, ApiKey, Agent],
    resource: [Model],
    context: InvokeContext,
  };
  action call_tool appliesTo {
    principal: [User, ApiKey, Agent],
    resource: [Tool],
    context: { dataClass?: String, tags?: Set<String> },
  };
  action read_secret appliesTo {
    principal: [User, ApiKey, Agent],
    resource: [Secret],
    context: { tags?: Set<String> },
  };
  action admin_read, admin_apply, admin_delete appliesTo {
    principal: [User, ApiKey],
    resource: [Model, Tool, Agent, Secret],
    context: { kind?: String },
  };
}
`;

/** Fully qualified Cedar type names. */
export const CEDAR_NAMESPACE = 'Gantry';
