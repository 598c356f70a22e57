import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import type { GuardrailStage } from '../../guardrails/types.js';
import type { RequestContext } from '../context.js';

/**
 * The guardrails of a stage that apply to this request: those without `appliesTo`, and those naming
 * the principal's team, the model asked for (or the one a Route chose) or the Route (any match).
 */
export function applicableGuardrails(ctx: RequestContext, stage: GuardrailStage): CompiledGuardrail[] {
  const all = ctx.snapshot.guardrails;
  if (all.length === 0) return [];
  const team = ctx.principal?.team;
  const model = ctx.model?.name;
  const route = ctx.route?.name;
  const out: CompiledGuardrail[] = [];
  for (const g of all) {
    if (!g.stages.has(stage)) continue;
    const everywhere = g.teams === undefined && g.models === undefined && g.routes === undefined;
    const matches =
      everywhere ||
      (team !== undefined && g.teams?.has(team) === true) ||
      (model !== undefined && g.models?.has(model) === true) ||
      (route !== undefined && g.routes?.has(route) === true);
    if (matches) out.push(g);
  }
  return out;
}
