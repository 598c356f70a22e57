/** The policy decision point's public entry: Cedar stays behind these names. */
export { type CedarPolicyEngine, type CompileOptions, collectPolicies, compilePolicyEngine, type PolicyMode, type PolicySource } from './cedar-engine.js';
export { BASELINE_POLICY_ID, lineColumn, type ParsedPolicy, type PolicyProblem, parsePolicyResource, validatePolicyText } from './cedar-parse.js';
export { GANTRY_CEDAR_SCHEMA } from './cedar-schema.js';
export type { PolicyAction, PolicyDecision, PolicyEngine, PolicyRequest, PolicyValue, PrincipalType, ResourceType } from './types.js';
