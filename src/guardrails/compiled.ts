import type { DetectorRule, GuardrailAction, GuardrailStage } from './types.js';

/** A Guardrail resource as the data plane applies it (compiled once per snapshot). */
export interface CompiledGuardrail {
  readonly name: string;
  readonly stages: ReadonlySet<GuardrailStage>;
  readonly action: GuardrailAction;
  /** Where it applies: every request when all are undefined; otherwise any match (OR). */
  readonly teams: ReadonlySet<string> | undefined;
  readonly models: ReadonlySet<string> | undefined;
  readonly routes: ReadonlySet<string> | undefined;
  /** Built-in detector rules to run. */
  readonly rules: ReadonlySet<DetectorRule>;
  /** Denied keywords/topics (lower-cased), rule `keyword`. */
  readonly keywords: readonly string[];
  /** Injection: block/flag at or above this score (0..1). */
  readonly injectionThreshold: number;
  /** Input larger than this (UTF-8 bytes of the messages) triggers rule `max_input`. */
  readonly maxInputBytes: number | undefined;
  /** Output: validate against the request's response_format JSON schema; retry once, then GW_OUTPUT_INVALID. */
  readonly jsonOutput: boolean;
  /** External guardrail webhook. */
  readonly webhook: { readonly url: string; readonly timeoutMs: number; readonly failOpen: boolean } | undefined;
}
