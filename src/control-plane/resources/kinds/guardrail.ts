import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema, Name } from '../common.js';

/**
 * A Guardrail checks request text (input stage) and answers (output stage) with built-in detectors
 * (PII, secrets, prompt injection, denied keywords, size, JSON output) and optionally an external
 * webhook, and blocks, redacts or flags what it finds (docs/guardrails.md). Platform-level: applies
 * to every request unless `appliesTo` names teams, models or routes (any match).
 */
export const PII_DETECTORS = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address'] as const;
export const SECRET_DETECTORS = ['aws_key', 'gcp_key', 'github_token', 'slack_token', 'private_key', 'bearer_token', 'jwt', 'high_entropy'] as const;

const literals = <V extends string>(values: readonly V[]) => T.Union(values.map((v) => T.Literal(v)));

export const GuardrailSpecSchema = T.Object(
  {
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** Default [input]. */
    stages: T.Optional(T.Array(T.Union([T.Literal('input'), T.Literal('output')]), { minItems: 1, maxItems: 2, uniqueItems: true })),
    action: T.Union([T.Literal('block'), T.Literal('redact'), T.Literal('flag')]),
    appliesTo: T.Optional(
      T.Object(
        {
          teams: T.Optional(T.Array(Ident, { minItems: 1, maxItems: 1000 })),
          models: T.Optional(T.Array(Name, { minItems: 1, maxItems: 1000 })),
          routes: T.Optional(T.Array(Name, { minItems: 1, maxItems: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    detectors: T.Object(
      {
        pii: T.Optional(T.Array(literals(PII_DETECTORS), { uniqueItems: true })),
        secrets: T.Optional(T.Union([T.Literal('all'), T.Array(literals(SECRET_DETECTORS), { uniqueItems: true })])),
        injection: T.Optional(T.Object({ threshold: T.Optional(T.Number({ minimum: 0, maximum: 1 })) }, { additionalProperties: false })),
        keywords: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 })),
        maxInputBytes: T.Optional(T.Integer({ minimum: 1 })),
        jsonOutput: T.Optional(T.Boolean()),
      },
      { additionalProperties: false },
    ),
    webhook: T.Optional(
      T.Object(
        {
          url: T.String({ pattern: '^https?://', maxLength: 2000, description: 'http(s) URL' }),
          timeoutMs: T.Optional(T.Integer({ minimum: 10, maximum: 60_000 })),
          failMode: T.Optional(T.Union([T.Literal('open'), T.Literal('closed')])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const GuardrailDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Guardrail'), metadata: metadataSchema(Name), spec: GuardrailSpecSchema },
  { additionalProperties: false },
);

export type GuardrailSpec = Static<typeof GuardrailSpecSchema>;
export type GuardrailDoc = Static<typeof GuardrailDocSchema>;

/** Rules a guardrail cannot have (clear problems on apply): [path, message]. */
export function guardrailProblems(spec: GuardrailSpec): [string, string][] {
  const out: [string, string][] = [];
  const d = spec.detectors;
  const stages = spec.stages ?? ['input'];
  const detects = (d.pii?.length ?? 0) > 0 || d.secrets === 'all' || (Array.isArray(d.secrets) && d.secrets.length > 0) || d.injection !== undefined || (d.keywords?.length ?? 0) > 0 || d.maxInputBytes !== undefined || d.jsonOutput === true;
  if (!detects && !spec.webhook) out.push(['spec.detectors', 'a guardrail must have something to do: set a detector (pii, secrets, injection, keywords, maxInputBytes, jsonOutput) or a webhook']);
  if (d.jsonOutput && !stages.includes('output')) out.push(['spec.detectors.jsonOutput', 'validates answers: add "output" to spec.stages']);
  if (d.maxInputBytes !== undefined && !stages.includes('input')) out.push(['spec.detectors.maxInputBytes', 'limits the input: add "input" to spec.stages']);
  if (spec.action === 'redact') {
    // Redaction replaces a matched value; these rules judge the whole text, there is nothing to cut out.
    for (const [key, on] of [['injection', d.injection !== undefined], ['keywords', (d.keywords?.length ?? 0) > 0], ['maxInputBytes', d.maxInputBytes !== undefined], ['jsonOutput', d.jsonOutput === true]] as const) {
      if (on) out.push([`spec.detectors.${key}`, `action redact does not apply to ${key}: use action block or flag (a separate Guardrail)`]);
    }
  }
  return out;
}
