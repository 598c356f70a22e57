/**
 * Guardrail contract: pure detectors (src/guardrails/) produce findings over text; the data plane
 * applies the Guardrail resources' actions (block, redact, flag) at the input and output stages.
 * Evidence never carries the sensitive text itself: only guardrail, rule, counts and scores.
 */

/** Built-in detector rules (the `rule` in evidence, metrics and GW_GUARDRAIL_BLOCKED messages). */
export type DetectorRule =
  | 'pii.email'
  | 'pii.phone'
  | 'pii.credit_card'
  | 'pii.iban'
  | 'pii.us_ssn'
  | 'pii.ip_address'
  | 'secret.aws_key'
  | 'secret.gcp_key'
  | 'secret.github_token'
  | 'secret.slack_token'
  | 'secret.private_key'
  | 'secret.bearer_token'
  | 'secret.jwt'
  | 'secret.high_entropy'
  | 'injection'
  | 'keyword'
  | 'max_input'
  | 'json_output'
  | 'webhook';

/** One match in a text: where, and which rule. Offsets are UTF-16 code unit indexes into the text. */
export interface Finding {
  readonly rule: DetectorRule;
  readonly start: number;
  readonly end: number;
  /** Injection: the heuristic score 0..1; high entropy: bits per character. */
  readonly score?: number;
}

export type GuardrailAction = 'block' | 'redact' | 'flag';
export type GuardrailStage = 'input' | 'output';

/** What one guardrail did on one request (evidence on the usage event, metrics, audit for blocks). */
export interface GuardrailHit {
  readonly guardrail: string;
  readonly stage: GuardrailStage;
  readonly rule: DetectorRule;
  readonly action: GuardrailAction;
  readonly count: number;
  readonly score?: number;
}
