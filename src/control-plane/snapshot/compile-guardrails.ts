import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import type { DetectorRule, GuardrailStage } from '../../guardrails/types.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { type GuardrailSpec, SECRET_DETECTORS } from '../resources/kinds/guardrail.js';

export const DEFAULT_INJECTION_THRESHOLD = 0.7;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 2_000;

const setOrUndefined = (names: readonly string[] | undefined) => (names === undefined ? undefined : new Set(names));

/** One Guardrail resource as the data plane applies it. */
export function compileGuardrail(name: string, spec: GuardrailSpec): CompiledGuardrail {
  const d = spec.detectors;
  const rules = new Set<DetectorRule>();
  for (const p of d.pii ?? []) rules.add(`pii.${p}`);
  for (const s of d.secrets === 'all' ? SECRET_DETECTORS : (d.secrets ?? [])) rules.add(`secret.${s}`);
  if (d.injection) rules.add('injection');
  const keywords = [...new Set((d.keywords ?? []).map((k) => k.toLowerCase()))];
  if (keywords.length > 0) rules.add('keyword');
  const to = spec.appliesTo;
  return {
    name,
    stages: new Set<GuardrailStage>(spec.stages ?? ['input']),
    action: spec.action,
    teams: setOrUndefined(to?.teams),
    models: setOrUndefined(to?.models),
    routes: setOrUndefined(to?.routes),
    rules,
    keywords,
    injectionThreshold: d.injection?.threshold ?? DEFAULT_INJECTION_THRESHOLD,
    maxInputBytes: d.maxInputBytes,
    jsonOutput: d.jsonOutput === true,
    webhook: spec.webhook ? { url: spec.webhook.url, timeoutMs: spec.webhook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, failOpen: (spec.webhook.failMode ?? 'open') === 'open' } : undefined,
  };
}

/** Every Guardrail, in name order (the order they apply in: documented). */
export function compileGuardrails(rows: Iterable<StoredResource>): CompiledGuardrail[] {
  return [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => compileGuardrail(r.name, r.spec as GuardrailSpec));
}

/** Recompiles the guardrails only when a Guardrail changed (snapshots are rebuilt on every change). */
export function createGuardrailsCompiler() {
  let compiled: CompiledGuardrail[] | undefined;
  return function guardrailsOf(resources: { all(kind: string): Iterable<StoredResource> }, changed: readonly StoredResource[]): CompiledGuardrail[] {
    if (compiled === undefined || changed.some((r) => r.kind === 'Guardrail')) compiled = compileGuardrails(resources.all('Guardrail'));
    return compiled;
  };
}
