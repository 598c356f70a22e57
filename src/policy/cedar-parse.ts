import { checkParsePolicySet, type DetailedError, policySetTextToParts, policyToJson, validate } from '@cedar-policy/cedar-wasm/nodejs';
import { GANTRY_CEDAR_SCHEMA } from './cedar-schema.js';

/** One problem in a Policy resource's Cedar text, positioned for `file:line:column` output. */
export interface PolicyProblem {
  /** The policy id when the problem is inside one policy. */
  readonly policy?: string;
  /** 1-based; 0 when Cedar gave no position. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** Cedar's hint ("did you mean `name`?"), when it has one. */
  readonly help?: string;
}

/** A single Cedar policy with its Gantry id. */
export interface ParsedPolicy {
  readonly id: string;
  readonly text: string;
}

/** Reserved for the permit Gantry always adds; no user policy may take it. */
export const BASELINE_POLICY_ID = 'gantry:baseline';

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

function problemOf(text: string, e: DetailedError, policy?: string): PolicyProblem {
  const at = e.sourceLocations?.[0];
  const pos = at ? lineColumn(text, at.start) : { line: 0, column: 0 };
  // A parse error's own message is generic ("unexpected token"); the label says what was expected.
  const help = [at?.label, e.help].filter((s): s is string => typeof s === 'string' && s.length > 0).join('; ');
  return { ...(policy === undefined ? {} : { policy }), ...pos, message: e.message, ...(help ? { help } : {}) };
}

/**
 * Splits a Policy resource's text into policies with their ids (design-9): `@id("...")` when given,
 * else `<name>` for a single policy, `<name>.<n>` (0-based, in text order) for several.
 */
export function parsePolicyResource(name: string, text: string): { policies: ParsedPolicy[]; problems: PolicyProblem[] } {
  const syntax = checkParsePolicySet({ staticPolicies: text });
  if (syntax.type === 'failure') return { policies: [], problems: syntax.errors.map((e) => problemOf(text, e)) };
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') return { policies: [], problems: parts.errors.map((e) => problemOf(text, e)) };
  if (parts.policy_templates.length > 0) return { policies: [], problems: [{ line: 0, column: 0, message: 'Policy templates (?principal, ?resource) are not supported; write static policies.' }] };
  if (parts.policies.length === 0) return { policies: [], problems: [{ line: 0, column: 0, message: 'The policy text holds no Cedar policy; write at least one `forbid(...)`.' }] };
  // Cedar returns the parts sorted by its generated ids (policy0, policy1, policy10, policy2...): restore text order.
  const generated = parts.policies.map((_, i) => `policy${i}`).sort();
  const ordered: string[] = [];
  for (const [k, part] of parts.policies.entries()) ordered[Number((generated[k] ?? 'policy0').slice(6))] = part;
  const policies: ParsedPolicy[] = [];
  const problems: PolicyProblem[] = [];
  for (const [n, part] of ordered.entries()) {
    const json = policyToJson(part);
    const annotated = json.type === 'success' ? json.json.annotations?.id : undefined;
    const id = annotated ?? (ordered.length === 1 ? name : `${name}.${n}`);
    if (id === BASELINE_POLICY_ID || id.length === 0) problems.push({ line: 0, column: 0, message: `@id("${id}") is reserved or empty; choose another id.` });
    else if (policies.some((p) => p.id === id)) problems.push({ policy: id, line: 0, column: 0, message: `Two policies have the id "${id}"; policy ids must be unique.` });
    else policies.push({ id, text: part });
  }
  return { policies, problems };
}

/**
 * Everything wrong with a Policy resource's text: Cedar syntax errors and schema violations (unknown
 * attributes, wrong types, unknown entity types or actions), with line:column in `text` and Cedar's hint.
 */
export function validatePolicyText(name: string, text: string): PolicyProblem[] {
  const parsed = parsePolicyResource(name, text);
  if (parsed.problems.length > 0) return parsed.problems;
  const answer = validate({ schema: GANTRY_CEDAR_SCHEMA, policies: { staticPolicies: text } });
  if (answer.type === 'failure') return answer.errors.map((e) => problemOf(text, e));
  // The validator names policies by Cedar's generated ids (policyN, in text order): show Gantry's.
  const idOf = (cedarId: string): string => parsed.policies[Number(cedarId.replace(/^policy/, ''))]?.id ?? cedarId;
  // Cedar reports an unknown attribute once per entity type the policy may apply to: keep one per place.
  const out: PolicyProblem[] = [];
  const seen = new Set<string>();
  for (const v of answer.validationErrors) {
    const p = problemOf(text, v.error, idOf(v.policyId));
    const place = `${p.policy}:${p.line}:${p.column}`;
    if (seen.has(place)) continue;
    seen.add(place);
    // "for policy `policy0`, " repeats what `policy` says, with Cedar's generated id.
    const prefix = `for policy \`${v.policyId}\`, `;
    out.push({ ...p, message: p.message.replace(prefix, ''), ...(p.help ? { help: p.help.replace(prefix, '') } : {}) });
  }
  return out;
}
